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

import org.jspecify.annotations.Nullable;

/**
 * Settings of one upstream that take precedence over, or fill in for, what its discovery
 * chain says ({@code connect.upstreams.<name>.*}).
 *
 * @param datacenter the datacenter to compile the chain for, or {@code null} for the
 * local agent's
 * @param namespace the Consul Enterprise namespace of the upstream, or {@code null} for
 * this service's
 * @param partition the Consul Enterprise admin partition of the upstream, or {@code null}
 * for this service's
 * @param connectTimeout the connect timeout overriding the resolver's, or {@code null}
 * @param requestTimeout the request timeout used when neither the route nor the resolver
 * sets one, or {@code null} for the default response timeout (15 s)
 * @param loadBalancerPolicy the load-balancing policy overriding the resolver's, as
 * Consul names it ({@code round_robin}, {@code random}, {@code least_request},
 * {@code ring_hash}, {@code maglev}), or {@code null}
 * @param retryIdempotentOnReset whether an idempotent request whose connection was reset
 * before any response is sent once more to another endpoint
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public record UpstreamSettings(@Nullable String datacenter, @Nullable String namespace, @Nullable String partition,
		@Nullable Duration connectTimeout, @Nullable Duration requestTimeout, @Nullable String loadBalancerPolicy,
		boolean retryIdempotentOnReset) {

	/**
	 * No settings: everything as the discovery chain says.
	 */
	public static final UpstreamSettings NONE = new UpstreamSettings(null, null, null, null, null, null);

	/**
	 * Create settings that retry idempotent requests after a reset (the default).
	 * @param datacenter the datacenter, or {@code null}
	 * @param namespace the namespace, or {@code null}
	 * @param partition the partition, or {@code null}
	 * @param connectTimeout the connect timeout, or {@code null}
	 * @param requestTimeout the request timeout, or {@code null}
	 * @param loadBalancerPolicy the load-balancing policy, or {@code null}
	 */
	public UpstreamSettings(@Nullable String datacenter, @Nullable String namespace, @Nullable String partition,
			@Nullable Duration connectTimeout, @Nullable Duration requestTimeout, @Nullable String loadBalancerPolicy) {
		this(datacenter, namespace, partition, connectTimeout, requestTimeout, loadBalancerPolicy, true);
	}

}
