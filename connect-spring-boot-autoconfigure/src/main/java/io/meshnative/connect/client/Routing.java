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

import io.meshnative.connect.agent.DiscoveryChain;
import io.meshnative.connect.discovery.Endpoint;
import io.meshnative.connect.discovery.HeaderModifications;
import io.meshnative.connect.discovery.RouteRequest;
import io.meshnative.connect.discovery.RoutingDecision;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.web.util.UriComponentsBuilder;

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
		Map<String, List<String>> query = new LinkedHashMap<>();
		UriComponentsBuilder.fromUri(uri)
			.build()
			.getQueryParams()
			.forEach((name, values) -> query.put(name, new ArrayList<>(values)));
		String path = (uri.getRawPath() != null && !uri.getRawPath().isEmpty()) ? uri.getRawPath() : "/";
		return new RouteRequest(method.name(), path, toMap(requestHeaders), query, null);
	}

	static URI targetUri(URI original, Endpoint endpoint, @Nullable String path) {
		return UriComponentsBuilder.fromUri(original)
			.scheme("https")
			.host(endpoint.address())
			.port(endpoint.port())
			.replacePath((path != null) ? path : original.getRawPath())
			.build(true)
			.toUri();
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
