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

import java.time.Duration;
import java.util.List;

import io.meshnative.connect.agent.internal.DiscoveryChain;
import org.jspecify.annotations.Nullable;

/**
 * Where and how to send one request, as decided by {@link DiscoveryChainEvaluator}.
 *
 * @param targets the targets to try, primary first, then failover targets in order of
 * preference
 * @param rewrittenPath the path after a route's prefix rewrite, {@code null} when the
 * path is unchanged
 * @param requestTimeout the request timeout from the route, or else from the resolver;
 * {@code null} when neither sets one
 * @param connectTimeout the resolver's connect timeout
 * @param retryPolicy the route's retry settings
 * @param requestHeaderModifiers the request header changes, the route's first, then the
 * split's
 * @param responseHeaderModifiers the response header changes, the route's first, then the
 * split's
 * @param loadBalancer the load-balancer settings of the resolver, or else of the
 * splitter; {@code null} when neither has any
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public record RoutingDecision(List<DiscoveryChain.Target> targets, @Nullable String rewrittenPath,
		@Nullable Duration requestTimeout, @Nullable Duration connectTimeout, RetryPolicy retryPolicy,
		List<DiscoveryChain.HeaderModifiers> requestHeaderModifiers,
		List<DiscoveryChain.HeaderModifiers> responseHeaderModifiers,
		DiscoveryChain.@Nullable LoadBalancer loadBalancer) {

	public RoutingDecision {
		targets = List.copyOf(targets);
		requestHeaderModifiers = List.copyOf(requestHeaderModifiers);
		responseHeaderModifiers = List.copyOf(responseHeaderModifiers);
	}

	/**
	 * Return the primary target.
	 * @return the first of {@link #targets()}
	 */
	public DiscoveryChain.Target primaryTarget() {
		return this.targets.get(0);
	}

}
