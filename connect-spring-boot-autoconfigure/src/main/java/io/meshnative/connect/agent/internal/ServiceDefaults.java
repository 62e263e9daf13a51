/*
 * Copyright 2026-present the original author or authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *      https://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

package io.meshnative.connect.agent.internal;

import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The part of a {@code service-defaults} config entry that configures the service's
 * upstreams, as returned by {@code GET /v1/config/service-defaults/:name}: the
 * {@code UpstreamConfig} with its {@code Defaults} and {@code Overrides}. Other fields of
 * the entry (protocol, mesh gateway, transparent proxy, ...) and unknown fields are
 * ignored.
 * <p>
 * Fields the entry leaves unset are {@code null} here; what they mean when unset (the
 * defaults Consul and Envoy apply) is decided by the code that uses them, not by this
 * record. The endpoint encodes durations as integer nanoseconds (Go's
 * {@code time.Duration} in JSON); Go duration strings such as {@code "10s"}, which the
 * write endpoint accepts, are decoded as well.
 *
 * @param kind the kind, {@code service-defaults}
 * @param name the name of the service the entry configures
 * @param namespace the Consul Enterprise namespace of the entry, empty on Consul CE
 * @param partition the Consul Enterprise admin partition of the entry, empty on Consul CE
 * @param upstreamConfig the upstream configuration, {@code null} when the entry has none
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public record ServiceDefaults(String kind, String name, String namespace, String partition,
		@Nullable UpstreamConfig upstreamConfig) {

	public ServiceDefaults {
		kind = Values.string(kind);
		name = Values.string(name);
		namespace = Values.string(namespace);
		partition = Values.string(partition);
	}

	/**
	 * The {@code UpstreamConfig} of the entry.
	 *
	 * @param overrides the per-destination settings, in the order of the entry
	 * @param defaults the settings for every upstream, {@code null} when none
	 */
	public record UpstreamConfig(List<Entry> overrides, @Nullable Entry defaults) {

		public UpstreamConfig {
			overrides = Values.list(overrides);
		}

	}

	/**
	 * An entry of {@code Overrides}, or {@code Defaults} (whose identifying fields are
	 * empty).
	 *
	 * @param name the destination service (empty for {@code Defaults})
	 * @param namespace the destination namespace, empty for the entry's
	 * @param partition the destination admin partition, empty for the entry's
	 * @param peer the cluster peer of the destination, empty for the local cluster
	 * @param connectTimeoutMs the connect timeout in milliseconds, {@code null} or
	 * {@code 0} when unset
	 * @param limits the circuit-breaker limits, {@code null} when unset
	 * @param passiveHealthCheck the outlier detection settings, {@code null} when unset
	 */
	public record Entry(String name, String namespace, String partition, String peer,
			@Nullable Integer connectTimeoutMs, @Nullable Limits limits,
			@Nullable PassiveHealthCheck passiveHealthCheck) {

		public Entry {
			name = Values.string(name);
			namespace = Values.string(namespace);
			partition = Values.string(partition);
			peer = Values.string(peer);
			if (connectTimeoutMs != null && connectTimeoutMs < 0) {
				throw new IllegalArgumentException("ConnectTimeoutMs must not be negative (was " + connectTimeoutMs
						+ ") in the upstream config" + describe(name));
			}
		}

		private static String describe(@Nullable String name) {
			return (name == null || name.isEmpty()) ? " defaults" : " override for '" + name + "'";
		}

	}

	/**
	 * The {@code Limits} of an upstream: Envoy's circuit breakers.
	 *
	 * @param maxConnections {@code MaxConnections}, {@code null} when unset
	 * @param maxPendingRequests {@code MaxPendingRequests}, {@code null} when unset
	 * @param maxConcurrentRequests {@code MaxConcurrentRequests}, {@code null} when unset
	 */
	public record Limits(@Nullable Integer maxConnections, @Nullable Integer maxPendingRequests,
			@Nullable Integer maxConcurrentRequests) {

		public Limits {
			notNegative("MaxConnections", maxConnections);
			notNegative("MaxPendingRequests", maxPendingRequests);
			notNegative("MaxConcurrentRequests", maxConcurrentRequests);
		}

		private static void notNegative(String field, @Nullable Integer value) {
			if (value != null && value < 0) {
				throw new IllegalArgumentException("Limits." + field + " must not be negative (was " + value + ")");
			}
		}

	}

	/**
	 * The {@code PassiveHealthCheck} of an upstream: Envoy's outlier detection.
	 *
	 * @param interval {@code Interval}, {@code null} or zero when unset
	 * @param maxFailures {@code MaxFailures} (Envoy's {@code consecutive_5xx}),
	 * {@code null} or {@code 0} when unset
	 * @param enforcingConsecutive5xx {@code EnforcingConsecutive5xx}, a percentage,
	 * {@code null} when unset
	 * @param maxEjectionPercent {@code MaxEjectionPercent}, {@code null} when unset
	 * @param baseEjectionTime {@code BaseEjectionTime}, {@code null} when unset
	 */
	public record PassiveHealthCheck(@Nullable Duration interval, @Nullable Long maxFailures,
			@Nullable Integer enforcingConsecutive5xx, @Nullable Integer maxEjectionPercent,
			@Nullable Duration baseEjectionTime) {

		private static final long MAX_UINT32 = 0xFFFF_FFFFL;

		public PassiveHealthCheck {
			if (interval != null && interval.isNegative()) {
				throw new IllegalArgumentException(
						"PassiveHealthCheck.Interval must not be negative (was " + interval + ")");
			}
			if (maxFailures != null && (maxFailures < 0 || maxFailures > MAX_UINT32)) {
				throw new IllegalArgumentException("PassiveHealthCheck.MaxFailures must be between 0 and " + MAX_UINT32
						+ " (was " + maxFailures + ")");
			}
			percentage("EnforcingConsecutive5xx", enforcingConsecutive5xx);
			percentage("MaxEjectionPercent", maxEjectionPercent);
			if (baseEjectionTime != null && baseEjectionTime.isNegative()) {
				throw new IllegalArgumentException(
						"PassiveHealthCheck.BaseEjectionTime must not be negative (was " + baseEjectionTime + ")");
			}
		}

		private static void percentage(String field, @Nullable Integer value) {
			if (value != null && (value < 0 || value > 100)) {
				throw new IllegalArgumentException(
						"PassiveHealthCheck." + field + " must be a percentage between 0 and 100 (was " + value + ")");
			}
		}

	}

}
