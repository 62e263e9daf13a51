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

package io.meshnative.connect.discovery.internal;

import java.util.List;
import java.util.function.ToIntFunction;

import org.jspecify.annotations.Nullable;

/**
 * Picks one endpoint of a target for a request. Implementations are thread-safe and may
 * keep state between calls (a round-robin position, a cached hash ring), so callers
 * should keep one instance per target and reuse it.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 * @see LoadBalancingPolicies
 */
@FunctionalInterface
public interface LoadBalancingPolicy {

	/**
	 * Choose an endpoint.
	 * @param endpoints the candidate endpoints; hash-based policies cache their lookup
	 * structure while the endpoints (compared by equality) stay the same
	 * @param request the request being routed
	 * @param activeRequests the number of requests in flight to an endpoint
	 * @return the chosen endpoint, or {@code null} when {@code endpoints} is empty
	 */
	@Nullable Endpoint choose(List<Endpoint> endpoints, RouteRequest request, ToIntFunction<Endpoint> activeRequests);

}
