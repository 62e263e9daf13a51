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

import java.io.IOException;

/**
 * Thrown when a call to an upstream would exceed one of its limits (Consul's
 * {@code service-defaults} {@code UpstreamConfig.Limits}, or Envoy's defaults): the call
 * fails at once instead of queueing, as Envoy's circuit breakers do. Nothing was sent.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public class UpstreamLimitExceededException extends IOException {

	private final String upstream;

	private final String limit;

	private final int value;

	/**
	 * Create a new instance.
	 * @param upstream the upstream name
	 * @param target the ID of the target whose limit was hit
	 * @param limit the limit, as Consul names it ({@code MaxConcurrentRequests},
	 * {@code MaxPendingRequests}, {@code MaxConnections})
	 * @param value the value of the limit
	 */
	public UpstreamLimitExceededException(String upstream, String target, String limit, int value) {
		super("Upstream '" + upstream + "' (target " + target + ") is at its limit " + limit + " = " + value
				+ "; the call was refused without being sent. Raise UpstreamConfig.Limits." + limit
				+ " in the service-defaults of this service, or reduce the load");
		this.upstream = upstream;
		this.limit = limit;
		this.value = value;
	}

	/**
	 * Return the upstream name.
	 * @return the upstream
	 */
	public String getUpstream() {
		return this.upstream;
	}

	/**
	 * Return the limit that was hit, as Consul names it.
	 * @return {@code MaxConcurrentRequests}, {@code MaxPendingRequests} or
	 * {@code MaxConnections}
	 */
	public String getLimit() {
		return this.limit;
	}

	/**
	 * Return the value of the limit.
	 * @return the value
	 */
	public int getValue() {
		return this.value;
	}

}
