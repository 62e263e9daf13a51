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

/**
 * Told about the routing events of mesh clients that metrics count: retries, failovers,
 * calls that found no healthy endpoint, and connections opened and closed. Every method
 * does nothing by default.
 * <p>
 * Called on the threads that make the calls; must be fast and must not throw.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public interface ConnectClientListener {

	/**
	 * Called before a request is sent again.
	 * @param upstream the upstream name
	 * @param target the ID of the target of the failed attempt
	 * @param reason {@code route} (the route's retry policy: {@code NumRetries} spent on
	 * {@code RetryOnStatusCodes}, {@code RetryOn} or {@code RetryOnConnectFailure}),
	 * {@code transparent} (the attempt could not be sent: connection refused, TLS
	 * handshake refused, connection closed before the request was written; the route's
	 * retries are not spent) or {@code reset} (an idempotent request whose connection was
	 * reset before any response, sent once more)
	 */
	default void retried(String upstream, String target, String reason) {
	}

	/**
	 * Called when the passive health check ejects an endpoint of a target.
	 * @param upstream the upstream name
	 * @param target the ID of the target
	 * @param endpoint the endpoint ({@code address:port})
	 */
	default void ejected(String upstream, String target, String endpoint) {
	}

	/**
	 * Called when a call is refused because a limit of its target was reached.
	 * @param upstream the upstream name
	 * @param target the ID of the target
	 * @param limit the limit, as Consul names it ({@code MaxConcurrentRequests},
	 * {@code MaxPendingRequests}, {@code MaxConnections})
	 */
	default void limitExceeded(String upstream, String target, String limit) {
	}

	/**
	 * Called when an attempt goes to a failover target because the primary target had no
	 * healthy endpoint left to try.
	 * @param upstream the upstream name
	 * @param target the ID of the failover target
	 */
	default void failedOver(String upstream, String target) {
	}

	/**
	 * Called when a call fails because no target of the upstream had a healthy endpoint
	 * (left) or its discovery chain could not be loaded.
	 * @param upstream the upstream name
	 */
	default void noHealthyEndpoint(String upstream) {
	}

	/**
	 * Called when a connection to a server is opened.
	 * @param service the service whose identity the server must present
	 */
	default void connectionOpened(String service) {
	}

	/**
	 * Called when a connection opened earlier is closed.
	 * @param service the service whose identity the server must present
	 */
	default void connectionClosed(String service) {
	}

}
