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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.meshnative.connect.agent.internal.DiscoveryChain;
import io.meshnative.connect.discovery.internal.Endpoint;
import io.meshnative.connect.discovery.internal.HeaderModifications;
import io.meshnative.connect.discovery.internal.RouteRequest;
import io.meshnative.connect.discovery.internal.RoutingDecision;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;

/**
 * What the blocking and the reactive routing share: the route request built from an
 * outgoing request, the URI of the chosen endpoint, header changes and failure
 * descriptions.
 *
 * @author connect-spring-boot authors
 */
final class Routing {

	private Routing() {
	}

	static RouteRequest routeRequest(HttpMethod method, URI uri, HttpHeaders requestHeaders) {
		String path = (uri.getRawPath() != null && !uri.getRawPath().isEmpty()) ? uri.getRawPath() : "/";
		return new RouteRequest(method.name(), path, toMap(requestHeaders), queryParameters(uri.getRawQuery()), null);
	}

	/**
	 * Split a raw query into its parameters, in order, values as sent (still encoded). A
	 * parameter without {@code =} has the empty value, as Envoy reads it; empty pairs
	 * ({@code &&}) are skipped.
	 * @param rawQuery the raw query, {@code null} for none
	 * @return the parameters by name
	 */
	static Map<String, List<String>> queryParameters(@Nullable String rawQuery) {
		Map<String, List<String>> query = new LinkedHashMap<>();
		if (rawQuery == null) {
			return query;
		}
		for (String pair : rawQuery.split("&")) {
			if (!pair.isEmpty()) {
				int equals = pair.indexOf('=');
				String name = (equals >= 0) ? pair.substring(0, equals) : pair;
				String value = (equals >= 0) ? pair.substring(equals + 1) : "";
				query.computeIfAbsent(name, (key) -> new ArrayList<>()).add(value);
			}
		}
		return query;
	}

	/**
	 * Return the URI of a request to a chosen endpoint: {@code https}, the endpoint's
	 * address and port, then the path (or the route's rewritten path) and the query
	 * exactly as the application's URI holds them, still percent-encoded. Never decoded
	 * and encoded again, so {@code %2F}, {@code %26} or {@code %3B} stay as they are, and
	 * never normalized ({@code //} and the order of query parameters are kept).
	 * @param original the URI the application built
	 * @param endpoint the endpoint
	 * @param path the rewritten raw path, {@code null} to keep the original's
	 * @return the URI to send the request to
	 */
	static URI targetUri(URI original, Endpoint endpoint, @Nullable String path) {
		String rawPath = (path != null) ? path : original.getRawPath();
		return uri("https", null, endpoint.address(), endpoint.port(), rawPath, original.getRawQuery());
	}

	/**
	 * Assemble a URI from raw components, without encoding anything: the path and query
	 * must already be encoded, and are kept byte for byte. A fragment is never part of a
	 * request, so there is none.
	 * @param scheme the scheme
	 * @param userInfo the raw user info, {@code null} for none
	 * @param host the host, an IPv6 address with or without brackets
	 * @param port the port, {@code -1} for none
	 * @param rawPath the raw path, {@code null} or empty for none
	 * @param rawQuery the raw query, {@code null} for none
	 * @return the URI
	 */
	static URI uri(String scheme, @Nullable String userInfo, String host, int port, @Nullable String rawPath,
			@Nullable String rawQuery) {
		StringBuilder uri = new StringBuilder(scheme).append("://");
		if (userInfo != null) {
			uri.append(userInfo).append('@');
		}
		boolean ipv6 = host.indexOf(':') >= 0 && !host.startsWith("[");
		uri.append(ipv6 ? "[" + host + "]" : host);
		if (port != -1) {
			uri.append(':').append(port);
		}
		if (rawPath != null) {
			uri.append(rawPath);
		}
		if (rawQuery != null) {
			uri.append('?').append(rawQuery);
		}
		return URI.create(uri.toString());
	}

	static void modify(HttpHeaders headers, List<DiscoveryChain.HeaderModifiers> modifiers) {
		if (modifiers.isEmpty()) {
			return;
		}
		Map<String, List<String>> modified = HeaderModifications.apply(modifiers, toMap(headers));
		headers.clear();
		modified.forEach(headers::put);
	}

	static List<String> targetIds(RoutingDecision decision) {
		List<String> ids = new ArrayList<>();
		for (DiscoveryChain.Target target : decision.targets()) {
			ids.add(target.id());
		}
		return ids;
	}

	static String describe(Throwable failure) {
		Throwable root = failure;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return failure.getClass().getSimpleName() + ": "
				+ ((root.getMessage() != null) ? root.getMessage() : root.getClass().getSimpleName());
	}

	private static Map<String, List<String>> toMap(HttpHeaders headers) {
		Map<String, List<String>> map = new LinkedHashMap<>();
		headers.forEach((name, values) -> map.put(name, new ArrayList<>(values)));
		return map;
	}

}
