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

/**
 * The resilience settings of calls to one destination (placeholder until the
 * service-defaults reader lands).
 *
 * @param connectTimeout the connect timeout
 * @param maxConnections the most connections
 * @param maxPendingRequests the most requests waiting for a connection
 * @param maxConcurrentRequests the most requests in flight
 * @param passiveHealth the passive health check
 * @author connect-spring-boot authors
 */
public record UpstreamPolicy(Duration connectTimeout, int maxConnections, int maxPendingRequests,
		int maxConcurrentRequests, PassiveHealth passiveHealth) {

	/**
	 * Envoy's defaults as Consul configures them.
	 */
	public static final UpstreamPolicy DEFAULTS = new UpstreamPolicy(Duration.ofSeconds(5), 1024, 1024, 1024,
			new PassiveHealth(Duration.ofSeconds(10), 5, 100, 10, Duration.ofSeconds(30)));

	/**
	 * Passive health check settings.
	 *
	 * @param interval the interval
	 * @param maxFailures consecutive failures that eject
	 * @param enforcingConsecutive5xx percent chance an ejection is enforced
	 * @param maxEjectionPercent most endpoints ejected, in percent
	 * @param baseEjectionTime the base ejection time
	 */
	public record PassiveHealth(Duration interval, int maxFailures, int enforcingConsecutive5xx, int maxEjectionPercent,
			Duration baseEjectionTime) {

	}

}
