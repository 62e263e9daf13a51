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
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.meshnative.connect.identity.SpiffeId;
import org.jspecify.annotations.Nullable;
import reactor.netty.http.client.HttpClient;

import org.springframework.http.HttpMethod;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.ReactorClientHttpRequestFactory;

/**
 * Creates the requests of blocking mesh clients on the shared Reactor Netty client, with
 * the connect and request timeouts the discovery chain chose for the current request (set
 * by the routing interceptor for the duration of one exchange).
 *
 * @author connect-spring-boot authors
 */
final class RoutedRequestFactory implements ClientHttpRequestFactory {

	private static final ThreadLocal<@Nullable Timeouts> current = new ThreadLocal<>();

	private final ConnectUpstreams upstreams;

	private final Map<FactoryKey, ReactorClientHttpRequestFactory> factories = new ConcurrentHashMap<>();

	RoutedRequestFactory(ConnectUpstreams upstreams) {
		this.upstreams = upstreams;
	}

	@Override
	public ClientHttpRequest createRequest(URI uri, HttpMethod httpMethod) throws IOException {
		Timeouts timeouts = current.get();
		if (timeouts == null) {
			throw new IllegalStateException("Mesh request to " + uri + " did not go through the Connect routing "
					+ "interceptor; do not remove the interceptors of a @ConnectClient client");
		}
		HttpClient client = this.upstreams.httpClient(timeouts.expected());
		return this.factories.computeIfAbsent(new FactoryKey(client, timeouts), this::create)
			.createRequest(uri, httpMethod);
	}

	private ReactorClientHttpRequestFactory create(FactoryKey key) {
		Timeouts timeouts = key.timeouts();
		ReactorClientHttpRequestFactory factory = new ReactorClientHttpRequestFactory(key.client());
		if (timeouts.connect() != null) {
			factory.setConnectTimeout(timeouts.connect());
		}
		if (timeouts.request() != null) {
			factory.setReadTimeout(timeouts.request());
		}
		return factory;
	}

	/**
	 * Run an exchange with the given timeouts.
	 * @param <T> the result type
	 * @param timeouts the timeouts
	 * @param exchange the exchange
	 * @return the result
	 * @throws IOException on a transport failure
	 */
	static <T> T with(Timeouts timeouts, Exchange<T> exchange) throws IOException {
		Timeouts previous = current.get();
		current.set(timeouts);
		try {
			return exchange.run();
		}
		finally {
			if (previous != null) {
				current.set(previous);
			}
			else {
				current.remove();
			}
		}
	}

	/**
	 * An exchange that may fail with an {@link IOException}.
	 *
	 * @param <T> the result type
	 */
	@FunctionalInterface
	interface Exchange<T> {

		T run() throws IOException;

	}

	/**
	 * The identity and timeouts of one exchange.
	 *
	 * @param expected the identity the server must present
	 * @param connect the connect timeout, or {@code null} for the client's default
	 * @param request the request (response) timeout, or {@code null} for none
	 */
	record Timeouts(SpiffeId expected, @Nullable Duration connect, @Nullable Duration request) {

	}

	/**
	 * A factory per HTTP client (a new one when the destination's limits change) and
	 * timeouts.
	 *
	 * @param client the HTTP client
	 * @param timeouts the timeouts
	 */
	private record FactoryKey(HttpClient client, Timeouts timeouts) {

	}

}
