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

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.meshnative.connect.identity.SpiffeId;
import io.netty.channel.ChannelOption;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import org.springframework.http.HttpMethod;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.http.client.reactive.ClientHttpRequest;
import org.springframework.http.client.reactive.ClientHttpResponse;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;

/**
 * The connector of {@code WebClient}s bound to upstreams: sends each request on the
 * Reactor Netty client of the identity its endpoint must present, with the connect
 * timeout the discovery chain chose. The routing filter passes both in the user-info part
 * of the request URI, which this connector reads and removes before anything is sent; a
 * URI without it is refused.
 *
 * @author connect-spring-boot authors
 */
final class RoutedClientHttpConnector implements ClientHttpConnector {

	private final ConnectUpstreams upstreams;

	private final Map<Key, ReactorClientHttpConnector> connectors = new ConcurrentHashMap<>();

	RoutedClientHttpConnector(ConnectUpstreams upstreams) {
		this.upstreams = upstreams;
	}

	@Override
	public Mono<ClientHttpResponse> connect(HttpMethod method, URI uri,
			Function<? super ClientHttpRequest, Mono<Void>> requestCallback) {
		String userInfo = uri.getRawUserInfo();
		if (userInfo == null) {
			return Mono.error(new IllegalStateException("Mesh request to " + uri + " did not go through the Connect "
					+ "routing filter; do not remove the filters of a @ConnectClient client"));
		}
		int colon = userInfo.indexOf(':');
		String identity = (colon >= 0) ? userInfo.substring(0, colon) : userInfo;
		SpiffeId expected = SpiffeId.parse(new String(Base64.getUrlDecoder().decode(identity), StandardCharsets.UTF_8));
		Duration connectTimeout = (colon >= 0) ? Duration.ofMillis(Long.parseLong(userInfo.substring(colon + 1)))
				: null;
		ReactorClientHttpConnector connector = this.connectors
			.computeIfAbsent(new Key(this.upstreams.httpClient(expected), connectTimeout), this::createConnector);
		return connector.connect(method, withoutUserInfo(uri), requestCallback);
	}

	private ReactorClientHttpConnector createConnector(Key key) {
		HttpClient client = key.client();
		Duration connectTimeout = key.connectTimeout();
		if (connectTimeout != null) {
			client = client.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis());
		}
		return new ReactorClientHttpConnector(client);
	}

	/**
	 * Return the URI with the identity the endpoint must present and the connect timeout
	 * in its user info; the path and query stay byte for byte as they are.
	 * @param uri the URI of the chosen endpoint
	 * @param expected the identity the endpoint must present
	 * @param connectTimeout the connect timeout, {@code null} for the client's default
	 * @return the URI for this connector
	 */
	static URI encode(URI uri, SpiffeId expected, @Nullable Duration connectTimeout) {
		String userInfo = Base64.getUrlEncoder()
			.withoutPadding()
			.encodeToString(expected.toUri().getBytes(StandardCharsets.UTF_8));
		if (connectTimeout != null) {
			userInfo += ":" + Math.max(1, connectTimeout.toMillis());
		}
		return Routing.uri(uri.getScheme(), userInfo, host(uri), uri.getPort(), uri.getRawPath(), uri.getRawQuery());
	}

	/**
	 * Return the URI without its user info; the path and query stay byte for byte as they
	 * are.
	 * @param uri the URI the routing filter built
	 * @return the URI to send
	 */
	static URI withoutUserInfo(URI uri) {
		return Routing.uri(uri.getScheme(), null, host(uri), uri.getPort(), uri.getRawPath(), uri.getRawQuery());
	}

	private static String host(URI uri) {
		String host = uri.getHost();
		if (host == null) {
			throw new IllegalStateException(
					"Mesh request URI " + uri.getScheme() + "://" + uri.getRawAuthority() + " has no host");
		}
		return host;
	}

	private record Key(HttpClient client, @Nullable Duration connectTimeout) {

	}

}
