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

package io.meshnative.connect.client;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

import io.meshnative.connect.client.internal.UpstreamPolicy;

/**
 * Passive health checking of the endpoints of one target, with the semantics of Envoy's
 * outlier detection as Consul configures it ({@code PassiveHealthCheck}):
 * <ul>
 * <li>every attempt that ends in a 5xx or in a local failure (connect failure, reset,
 * timeout) counts as a failure; any other answer resets the count;</li>
 * <li>after {@code MaxFailures} consecutive failures the endpoint is ejected with a
 * probability of {@code EnforcingConsecutive5xx} percent, unless that would make more
 * than {@code MaxEjectionPercent} of the target's endpoints ejected; one endpoint can
 * always be ejected, whatever the percentage (Consul documents {@code MaxEjectionPercent}
 * as "defaults to 10% but will eject at least one host regardless of the value");</li>
 * <li>an ejected endpoint returns after {@code BaseEjectionTime} times the number of its
 * ejections (at most 300 s, Envoy's {@code max_ejection_time}); each {@code Interval} it
 * then stays healthy takes one from that number.</li>
 * </ul>
 * Time comes from a nanosecond clock so tests can drive it.
 *
 * @author connect-spring-boot authors
 */
final class OutlierDetector {

	/**
	 * Envoy's default {@code max_ejection_time}.
	 */
	static final Duration MAX_EJECTION_TIME = Duration.ofSeconds(300);

	private final LongSupplier nanoClock;

	private final Map<String, Host> hosts = new HashMap<>();

	OutlierDetector(LongSupplier nanoClock) {
		this.nanoClock = nanoClock;
	}

	/**
	 * Whether an endpoint is ejected now.
	 * @param endpoint the endpoint key
	 * @param policy the passive health settings
	 * @return whether it is ejected
	 */
	synchronized boolean isEjected(String endpoint, UpstreamPolicy.PassiveHealth policy) {
		Host host = this.hosts.get(endpoint);
		return host != null && host.ejected(this.nanoClock.getAsLong(), policy);
	}

	/**
	 * Record the outcome of an attempt.
	 * @param endpoint the endpoint key
	 * @param failed whether the attempt failed (5xx or local failure)
	 * @param policy the passive health settings
	 * @param endpoints the number of endpoints the target has now
	 * @return whether this outcome ejected the endpoint
	 */
	synchronized boolean record(String endpoint, boolean failed, UpstreamPolicy.PassiveHealth policy, int endpoints) {
		long now = this.nanoClock.getAsLong();
		Host host = this.hosts.computeIfAbsent(endpoint, (key) -> new Host());
		if (!failed) {
			host.consecutiveFailures = 0;
			return false;
		}
		if (host.ejected(now, policy)) {
			return false;
		}
		host.consecutiveFailures++;
		if (host.consecutiveFailures < policy.maxFailures()) {
			return false;
		}
		host.consecutiveFailures = 0;
		if (ThreadLocalRandom.current().nextInt(100) >= policy.enforcingConsecutive5xx()) {
			return false;
		}
		int ejected = ejected(now, policy);
		if (ejected > 0 && 100.0 * (ejected + 1) / Math.max(1, endpoints) > policy.maxEjectionPercent()) {
			return false;
		}
		host.eject(now, policy);
		return true;
	}

	/**
	 * Return how many endpoints are ejected now.
	 * @param policy the passive health settings
	 * @return the number of ejected endpoints
	 */
	synchronized int ejectedCount(UpstreamPolicy.PassiveHealth policy) {
		return ejected(this.nanoClock.getAsLong(), policy);
	}

	/**
	 * Forget the endpoints that are no longer offered.
	 * @param live the keys of the endpoints still offered
	 */
	synchronized void retain(Collection<String> live) {
		this.hosts.keySet().retainAll(live);
	}

	private int ejected(long now, UpstreamPolicy.PassiveHealth policy) {
		int count = 0;
		for (Host host : this.hosts.values()) {
			if (host.ejected(now, policy)) {
				count++;
			}
		}
		return count;
	}

	private static final class Host {

		private int consecutiveFailures;

		private int ejections;

		private long returnsAt;

		private boolean ejectedFlag;

		boolean ejected(long now, UpstreamPolicy.PassiveHealth policy) {
			if (this.ejectedFlag && now - this.returnsAt >= 0) {
				this.ejectedFlag = false;
			}
			return this.ejectedFlag;
		}

		void eject(long now, UpstreamPolicy.PassiveHealth policy) {
			if (this.ejections > 0 && this.returnsAt != 0) {
				long interval = Math.max(1, policy.interval().toNanos());
				long healthyIntervals = Math.max(0, (now - this.returnsAt) / interval);
				this.ejections = (int) Math.max(0, this.ejections - healthyIntervals);
			}
			this.ejections++;
			long ejection = Math.min(policy.baseEjectionTime().toNanos() * this.ejections,
					Math.max(MAX_EJECTION_TIME.toNanos(), policy.baseEjectionTime().toNanos()));
			this.returnsAt = now + ejection;
			this.ejectedFlag = true;
		}

	}

}
