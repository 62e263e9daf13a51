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

package io.meshnative.connect.client.internal;

import java.time.Duration;

import io.meshnative.connect.agent.internal.ServiceDefaults;
import org.jspecify.annotations.Nullable;

/**
 * The effective connect timeout, circuit-breaker limits and passive health check for
 * calls from a service to one destination, resolved from the caller's
 * {@code service-defaults} entry the way Consul resolves it for Envoy, with the defaults
 * Consul and Envoy apply where the entry leaves a field unset.
 * <p>
 * How the entry is merged (Consul 1.16, {@code agent/configentry/resolve.go}
 * {@code ComputeResolvedServiceConfig}, {@code agent/structs/config_entry.go}
 * {@code UpstreamConfig.MergeInto}): the {@code Defaults} are applied first, then the
 * {@code Override} whose {@code Name}, {@code Namespace}, {@code Partition} and
 * {@code Peer} match the destination. Each top-level field of an override replaces the
 * one of the defaults when it is set ({@code ConnectTimeoutMs} not {@code 0},
 * {@code Limits} and {@code PassiveHealthCheck} present); {@code Limits} and
 * {@code PassiveHealthCheck} are replaced as a whole, not field by field, so an override
 * with {@code "Limits": {}} drops the limits of the defaults. Overrides without a name
 * are skipped; of two overrides for the same destination the later one wins. An
 * override's empty namespace or partition is the entry's
 * ({@code UpstreamConfig.normalize}).
 * <p>
 * The defaults for unset fields:
 * <ul>
 * <li>{@code connectTimeout}: 5 s (Consul, {@code structs.ParseUpstreamConfig} and
 * {@code discoverychain} compiler's resolver default); with a discovery chain, a
 * {@code ConnectTimeoutMs} overrides the resolver's {@code ConnectTimeout}
 * ({@code OverrideConnectTimeout}), see {@link #connectTimeout(Duration)};</li>
 * <li>{@code maxConnections}, {@code maxPendingRequests}, {@code maxConcurrentRequests}:
 * 1024 each (Envoy's circuit-breaker defaults {@code max_connections},
 * {@code max_pending_requests}, {@code max_requests}; Consul
 * {@code xds.makeThresholdsIfNeeded} sets only the fields the entry sets);</li>
 * <li>{@code passiveHealth}: always present, since Consul always gives upstream clusters
 * an {@code outlier_detection} ({@code xds.ToOutlierDetection} returns an empty one when
 * {@code PassiveHealthCheck} is unset, which enables Envoy's defaults), see
 * {@link PassiveHealth}.</li>
 * </ul>
 *
 * @param connectTimeout the connect timeout: {@code ConnectTimeoutMs}, else 5 s
 * @param connectTimeoutConfigured whether {@code ConnectTimeoutMs} was set (and so
 * overrides a discovery-chain resolver's {@code ConnectTimeout})
 * @param maxConnections {@code Limits.MaxConnections}, else 1024 (Envoy)
 * @param maxPendingRequests {@code Limits.MaxPendingRequests}, else 1024 (Envoy)
 * @param maxConcurrentRequests {@code Limits.MaxConcurrentRequests}, else 1024 (Envoy's
 * {@code max_requests})
 * @param passiveHealth the passive health check (outlier detection)
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public record UpstreamPolicy(Duration connectTimeout, boolean connectTimeoutConfigured, int maxConnections,
		int maxPendingRequests, int maxConcurrentRequests, PassiveHealth passiveHealth) {

	/**
	 * Consul's connect timeout when neither the upstream config nor a resolver sets one.
	 */
	public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

	/**
	 * Envoy's default for each circuit-breaker threshold.
	 */
	public static final int DEFAULT_CIRCUIT_BREAKER_LIMIT = 1024;

	/**
	 * The policy when the caller has no {@code service-defaults} or its entry sets
	 * nothing for the destination.
	 */
	public static final UpstreamPolicy DEFAULT = new UpstreamPolicy(DEFAULT_CONNECT_TIMEOUT, false,
			DEFAULT_CIRCUIT_BREAKER_LIMIT, DEFAULT_CIRCUIT_BREAKER_LIMIT, DEFAULT_CIRCUIT_BREAKER_LIMIT,
			PassiveHealth.DEFAULT);

	private static final String DEFAULT_TENANCY = "default";

	/**
	 * Resolve the policy for a destination from the caller's {@code service-defaults}
	 * entry.
	 * @param serviceDefaults the caller's entry, or {@code null} when it has none
	 * @param service the destination service
	 * @param namespace the destination namespace, {@code null} or empty for the entry's
	 * (the caller's)
	 * @param partition the destination admin partition, {@code null} or empty for the
	 * entry's (the caller's)
	 * @param peer the cluster peer of the destination, {@code null} or empty for the
	 * local cluster
	 * @return the effective policy
	 */
	public static UpstreamPolicy resolve(@Nullable ServiceDefaults serviceDefaults, String service,
			@Nullable String namespace, @Nullable String partition, @Nullable String peer) {
		String destinationPeer = (peer != null) ? peer : "";
		if (serviceDefaults == null) {
			return forPeer(DEFAULT, destinationPeer);
		}
		ServiceDefaults.UpstreamConfig upstreamConfig = serviceDefaults.upstreamConfig();
		if (upstreamConfig == null) {
			return forPeer(DEFAULT, destinationPeer);
		}
		String entryNamespace = tenancy(serviceDefaults.namespace(), DEFAULT_TENANCY);
		String entryPartition = tenancy(serviceDefaults.partition(), DEFAULT_TENANCY);
		String destinationNamespace = tenancy(namespace, entryNamespace);
		String destinationPartition = tenancy(partition, entryPartition);
		ServiceDefaults.@Nullable Entry override = null;
		for (ServiceDefaults.Entry candidate : upstreamConfig.overrides()) {
			if (!candidate.name().isEmpty() && candidate.name().equals(service)
					&& tenancy(candidate.namespace(), entryNamespace).equals(destinationNamespace)
					&& tenancy(candidate.partition(), entryPartition).equals(destinationPartition)
					&& candidate.peer().equals(destinationPeer)) {
				override = candidate;
			}
		}
		Merged merged = new Merged();
		merged.mergeIn(upstreamConfig.defaults());
		merged.mergeIn(override);
		Integer connectTimeoutMs = merged.connectTimeoutMs;
		ServiceDefaults.Limits limits = merged.limits;
		Duration connectTimeout = (connectTimeoutMs != null) ? Duration.ofMillis(connectTimeoutMs)
				: DEFAULT_CONNECT_TIMEOUT;
		UpstreamPolicy policy = new UpstreamPolicy(connectTimeout, connectTimeoutMs != null,
				limit((limits != null) ? limits.maxConnections() : null),
				limit((limits != null) ? limits.maxPendingRequests() : null),
				limit((limits != null) ? limits.maxConcurrentRequests() : null),
				PassiveHealth.of(merged.passiveHealthCheck));
		return forPeer(policy, destinationPeer);
	}

	/**
	 * Return the connect timeout for a call routed by a discovery chain, as Consul
	 * compiles it: {@code ConnectTimeoutMs} when set, else the resolver's
	 * {@code ConnectTimeout}, else 5 s.
	 * @param resolverConnectTimeout the resolver's connect timeout, or {@code null}
	 * @return the connect timeout
	 */
	public Duration connectTimeout(@Nullable Duration resolverConnectTimeout) {
		if (this.connectTimeoutConfigured || resolverConnectTimeout == null || resolverConnectTimeout.isZero()
				|| resolverConnectTimeout.isNegative()) {
			return this.connectTimeout;
		}
		return resolverConnectTimeout;
	}

	/**
	 * Peered upstreams may have every instance ejected: Consul sets
	 * {@code max_ejection_percent} to 100 for them ({@code xds} {@code clusters.go}
	 * {@code makeUpstreamClusterForPeerService}), because health checks of a peer do not
	 * take its resolvers into account.
	 */
	private static UpstreamPolicy forPeer(UpstreamPolicy policy, String peer) {
		if (peer.isEmpty()) {
			return policy;
		}
		PassiveHealth health = policy.passiveHealth();
		return new UpstreamPolicy(policy.connectTimeout(), policy.connectTimeoutConfigured(), policy.maxConnections(),
				policy.maxPendingRequests(), policy.maxConcurrentRequests(), new PassiveHealth(health.interval(),
						health.maxFailures(), health.enforcingConsecutive5xx(), 100, health.baseEjectionTime()));
	}

	private static int limit(@Nullable Integer value) {
		return (value != null) ? value : DEFAULT_CIRCUIT_BREAKER_LIMIT;
	}

	private static String tenancy(@Nullable String value, String fallback) {
		return (value == null || value.isEmpty()) ? fallback : value;
	}

	/**
	 * The fields of {@code Defaults} and an {@code Override} merged as
	 * {@code UpstreamConfig.MergeInto} does: a set field replaces the earlier one,
	 * {@code Limits} and {@code PassiveHealthCheck} as a whole.
	 */
	private static final class Merged {

		private @Nullable Integer connectTimeoutMs;

		private ServiceDefaults.@Nullable Limits limits;

		private ServiceDefaults.@Nullable PassiveHealthCheck passiveHealthCheck;

		void mergeIn(ServiceDefaults.@Nullable Entry entry) {
			if (entry == null) {
				return;
			}
			Integer timeout = entry.connectTimeoutMs();
			if (timeout != null && timeout != 0) {
				this.connectTimeoutMs = timeout;
			}
			if (entry.limits() != null) {
				this.limits = entry.limits();
			}
			if (entry.passiveHealthCheck() != null) {
				this.passiveHealthCheck = entry.passiveHealthCheck();
			}
		}

	}

	/**
	 * The passive health check: Envoy's outlier detection on consecutive 5xx answers, as
	 * Consul configures it ({@code agent/xds/config.go} {@code ToOutlierDetection} with
	 * {@code allowZero}): each field the entry sets is passed to Envoy, the others keep
	 * Envoy's defaults. Envoy's other detectors keep their defaults too and are not
	 * modelled here (success-rate detection, for example, needs 5 hosts with 100 requests
	 * each); the ejection time grows with each ejection of a host, up to
	 * {@code max_ejection_time}, 300 s by default.
	 *
	 * @param interval the time between ejection sweeps: {@code Interval} when not zero,
	 * else 10 s (Envoy)
	 * @param maxFailures the consecutive 5xx answers (or connect failures) that eject an
	 * instance: {@code MaxFailures} when not zero, else 5 (Envoy's
	 * {@code consecutive_5xx})
	 * @param enforcingConsecutive5xx the chance in percent that a detected instance is
	 * ejected: {@code EnforcingConsecutive5xx} when set, {@code 0} included (detection
	 * without ejection), else 100 (Envoy)
	 * @param maxEjectionPercent the largest share of the instances, in percent, that may
	 * be ejected at once, at least one instance whatever the value:
	 * {@code MaxEjectionPercent} when set, else 10 (Envoy); 100 for peered destinations
	 * (Consul)
	 * @param baseEjectionTime the time an instance stays ejected, multiplied by the
	 * number of its ejections: {@code BaseEjectionTime} when set, else 30 s (Envoy)
	 */
	public record PassiveHealth(Duration interval, long maxFailures, int enforcingConsecutive5xx,
			int maxEjectionPercent, Duration baseEjectionTime) {

		/**
		 * Envoy's defaults, which Consul leaves in place when {@code PassiveHealthCheck}
		 * is unset.
		 */
		public static final PassiveHealth DEFAULT = new PassiveHealth(Duration.ofSeconds(10), 5, 100, 10,
				Duration.ofSeconds(30));

		static PassiveHealth of(ServiceDefaults.@Nullable PassiveHealthCheck check) {
			if (check == null) {
				return DEFAULT;
			}
			Duration interval = check.interval();
			Long maxFailures = check.maxFailures();
			Integer enforcing = check.enforcingConsecutive5xx();
			Integer maxEjectionPercent = check.maxEjectionPercent();
			Duration baseEjectionTime = check.baseEjectionTime();
			return new PassiveHealth((interval != null && !interval.isZero()) ? interval : DEFAULT.interval(),
					(maxFailures != null && maxFailures != 0) ? maxFailures : DEFAULT.maxFailures(),
					(enforcing != null) ? enforcing : DEFAULT.enforcingConsecutive5xx(),
					(maxEjectionPercent != null) ? maxEjectionPercent : DEFAULT.maxEjectionPercent(),
					(baseEjectionTime != null) ? baseEjectionTime : DEFAULT.baseEjectionTime());
		}

	}

}
