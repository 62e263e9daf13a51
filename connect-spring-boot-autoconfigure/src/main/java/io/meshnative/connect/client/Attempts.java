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
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLException;

import io.meshnative.connect.discovery.internal.RetryPolicy;
import io.netty.handler.timeout.ReadTimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * The attempts of one mesh request and the decision, after each failed attempt, whether
 * and how to try again, as Envoy fed by Consul and gRPC's transparent retry do it:
 * <ul>
 * <li>an attempt that could not be sent (connection refused, connect timeout, TLS
 * handshake refused, connection closed before the request was written) goes to another
 * endpoint without counting against the route's retries;</li>
 * <li>an idempotent request (RFC 9110: GET, HEAD, OPTIONS, TRACE, PUT, DELETE) whose
 * connection was reset or closed before any response arrived is sent once more to another
 * endpoint, unless the upstream turned this off;</li>
 * <li>the route's retries ({@code NumRetries}) are spent on its
 * {@code RetryOnStatusCodes}, on {@code RetryOnConnectFailure} and on the Envoy
 * conditions in {@code RetryOn}: {@code 5xx}, {@code gateway-error}, {@code reset},
 * {@code connect-failure}, {@code retriable-4xx}.</li>
 * </ul>
 * An endpoint is tried at most once per request, except when a status retry goes back to
 * it.
 *
 * @author connect-spring-boot authors
 */
final class Attempts {

	private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE");

	/**
	 * How the message of Reactor Netty's {@code IOException} starts when its connection
	 * pool gave a closed connection twice ({@code DefaultPooledConnectionProvider}).
	 */
	static final String POOL_GAVE_CLOSED_CONNECTIONS = "Error while acquiring from ";

	private final RetryPolicy policy;

	private final boolean idempotent;

	private final Set<String> tried = new LinkedHashSet<>();

	private final Map<String, String> failures = new LinkedHashMap<>();

	private int retriesLeft;

	private boolean resetRetryLeft;

	Attempts(RetryPolicy policy, String method, boolean retryIdempotentOnReset) {
		this.policy = policy;
		this.retriesLeft = policy.numRetries();
		this.idempotent = IDEMPOTENT.contains(method.toUpperCase(Locale.ROOT));
		this.resetRetryLeft = retryIdempotentOnReset && this.idempotent;
	}

	/**
	 * Return the endpoints tried so far.
	 * @return the endpoint keys ({@code address:port})
	 */
	Set<String> tried() {
		return this.tried;
	}

	/**
	 * Record that an attempt goes to an endpoint.
	 * @param endpoint the endpoint key
	 */
	void sending(String endpoint) {
		this.tried.add(endpoint);
	}

	/**
	 * Decide whether a response status is retried; if so the budget is spent and the
	 * endpoint may be tried again.
	 * @param endpoint the endpoint key that answered
	 * @param status the status
	 * @return {@link Retry#ROUTE} to try again, {@code null} to return the response
	 */
	@Nullable Retry afterStatus(String endpoint, int status) {
		if (this.retriesLeft > 0 && retriesOnStatus(status)) {
			this.retriesLeft--;
			this.tried.remove(endpoint);
			return Retry.ROUTE;
		}
		return null;
	}

	/**
	 * Decide whether an attempt that failed without a response is retried.
	 * @param endpoint the endpoint key of the failed attempt
	 * @param failure the failure
	 * @return how to retry, {@code null} to give up with the failure
	 */
	@Nullable Retry afterFailure(String endpoint, Throwable failure) {
		Failure kind = classify(failure);
		this.failures.put(endpoint, Routing.describe(failure));
		if (kind == Failure.NOT_SENT) {
			return Retry.TRANSPARENT;
		}
		if (kind == Failure.RESET) {
			if (this.resetRetryLeft) {
				this.resetRetryLeft = false;
				return Retry.RESET;
			}
			if (this.retriesLeft > 0 && (this.policy.retryOn().contains("reset")
					|| this.policy.retryOn().contains("5xx") || this.policy.retryOn().contains("gateway-error"))) {
				this.retriesLeft--;
				return Retry.ROUTE;
			}
		}
		return null;
	}

	/**
	 * Return a description of the failed attempts, for the exception that ends the
	 * request.
	 * @return the failures, or "no healthy instance" when nothing was tried
	 */
	String describeFailures() {
		return this.failures.isEmpty() ? "no healthy instance" : "every endpoint tried failed: " + this.failures;
	}

	private boolean retriesOnStatus(int status) {
		if (this.policy.retryOnStatusCodes().contains(status)) {
			return true;
		}
		for (String condition : this.policy.retryOn()) {
			boolean matches = switch (condition) {
				case "5xx" -> status >= 500;
				case "gateway-error" -> status == 502 || status == 503 || status == 504;
				case "retriable-4xx" -> status == 409;
				default -> false;
			};
			if (matches) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Classify a failed attempt by how far the request got.
	 * @param failure the failure
	 * @return the kind of failure
	 */
	static Failure classify(Throwable failure) {
		Throwable current = failure;
		boolean reset = false;
		while (current != null) {
			if (current instanceof ConnectException || current instanceof SSLException) {
				return Failure.NOT_SENT;
			}
			String message = (current.getMessage() != null) ? current.getMessage() : "";
			String type = current.getClass().getName();
			if (type.equals("reactor.netty.channel.AbortedException") && message.contains("BEFORE send")) {
				return Failure.NOT_SENT;
			}
			if (current.getClass() == IOException.class && message.startsWith(POOL_GAVE_CLOSED_CONNECTIONS)) {
				// Reactor Netty's pool handed out a connection already closed, and so did
				// the one acquisition it retries: nothing was written (a backend killed
				// with pooled connections to it)
				return Failure.NOT_SENT;
			}
			if (type.equals("reactor.netty.http.client.PrematureCloseException") && message.contains("BEFORE response")
					|| current instanceof IOException && isResetMessage(message)) {
				reset = true;
			}
			current = (current.getCause() != current) ? current.getCause() : null;
		}
		return reset ? Failure.RESET : Failure.OTHER;
	}

	/**
	 * Return the failure as the limit it hit, if a connection pool refused to queue the
	 * request ({@code MaxPendingRequests}).
	 * @param failure the failure
	 * @param upstream the upstream name
	 * @param target the ID of the target the attempt was for
	 * @param pendingLimit the target's {@code MaxPendingRequests}
	 * @return the exception to fail the call with, or {@code null}
	 */
	static @Nullable UpstreamLimitExceededException overflow(Throwable failure, String upstream, String target,
			int pendingLimit) {
		Throwable current = failure;
		while (current != null) {
			if (current instanceof UpstreamLimitExceededException exceeded) {
				return exceeded;
			}
			if (current.getClass().getSimpleName().equals("PoolAcquirePendingLimitException")) {
				return new UpstreamLimitExceededException(upstream, target, "MaxPendingRequests", pendingLimit);
			}
			current = (current.getCause() != current) ? current.getCause() : null;
		}
		return null;
	}

	/**
	 * Return the failure that ends a request as a timeout naming the upstream, if the
	 * attempt timed out waiting for its response (the route's {@code RequestTimeout},
	 * {@code connect.upstreams.<name>.request-timeout} or the default of 15 s): the
	 * timeouts of Reactor Netty and of the JDK say neither which upstream nor which
	 * endpoint.
	 * @param failure the failure of the last attempt
	 * @param upstream the upstream name
	 * @param target the ID of the target the attempt was for
	 * @param endpoint the endpoint key ({@code address:port}) of the attempt
	 * @param requestTimeout the request timeout of the call, {@code null} for the default
	 * @return the timeout to fail the call with, its cause the failure, or {@code null}
	 * if the attempt did not time out waiting for its response
	 */
	static @Nullable SocketTimeoutException timeout(Throwable failure, String upstream, String target, String endpoint,
			@Nullable Duration requestTimeout) {
		Throwable current = failure;
		while (current != null) {
			if (current instanceof ConnectException) {
				return null;
			}
			if (current instanceof SocketTimeoutException || current instanceof ReadTimeoutException
					|| (current instanceof TimeoutException
							&& !current.getClass().getSimpleName().equals("PoolAcquireTimeoutException"))) {
				Duration timeout = (requestTimeout != null) ? requestTimeout : MeshHttpClients.DEFAULT_RESPONSE_TIMEOUT;
				SocketTimeoutException named = new SocketTimeoutException(
						"Upstream '" + upstream + "' (target " + target + ", endpoint " + endpoint
								+ ") did not answer within the request timeout of " + timeout.toMillis() + " ms");
				named.initCause(failure);
				return named;
			}
			current = (current.getCause() != current) ? current.getCause() : null;
		}
		return null;
	}

	private static boolean isResetMessage(String message) {
		String lower = message.toLowerCase(Locale.ROOT);
		return lower.contains("connection reset") || lower.contains("broken pipe");
	}

	/**
	 * How far a failed attempt got.
	 */
	enum Failure {

		/**
		 * The request was not sent: the connection or the TLS handshake failed, or the
		 * connection closed before the request was written.
		 */
		NOT_SENT,

		/**
		 * The connection was reset or closed after the request was (maybe partly) sent
		 * and before any response arrived.
		 */
		RESET,

		/**
		 * Anything else (a timeout, a failure while reading the response).
		 */
		OTHER

	}

	/**
	 * Why a request is sent again.
	 */
	enum Retry {

		/**
		 * The attempt could not be sent; the route's retries are not spent.
		 */
		TRANSPARENT("transparent"),

		/**
		 * An idempotent request whose connection was reset before any response.
		 */
		RESET("reset"),

		/**
		 * A retry of the route's retry policy.
		 */
		ROUTE("route");

		private final String tag;

		Retry(String tag) {
			this.tag = tag;
		}

		String tag() {
			return this.tag;
		}

	}

}
