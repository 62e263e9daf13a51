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

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;

/**
 * The parts of an outgoing HTTP request that a discovery chain routes on.
 * <p>
 * Header lookups through {@link #headers()} are case-insensitive.
 *
 * @param method the HTTP method
 * @param path the request path, without the query (use {@link #queryParameters()})
 * @param headers the request headers (case-insensitive names)
 * @param queryParameters the query parameters
 * @param sourceIp the source IP address, {@code null} when unknown
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public record RouteRequest(String method, String path, Map<String, List<String>> headers,
		Map<String, List<String>> queryParameters, @Nullable String sourceIp) {

	public RouteRequest {
		if (path.indexOf('?') >= 0) {
			throw new IllegalArgumentException("Path must not include a query but was '" + path + "'");
		}
		headers = copy(headers, new TreeMap<>(String.CASE_INSENSITIVE_ORDER));
		queryParameters = copy(queryParameters, new LinkedHashMap<>());
	}

	/**
	 * Create a request without headers, query parameters or source IP.
	 * @param method the HTTP method
	 * @param path the path, without the query
	 * @return the request
	 */
	public static RouteRequest of(String method, String path) {
		return new RouteRequest(method, path, Collections.emptyMap(), Collections.emptyMap(), null);
	}

	/**
	 * Return a copy of this request with a header value added.
	 * @param name the header name
	 * @param value the value, appended to any existing values
	 * @return the new request
	 */
	public RouteRequest withHeader(String name, String value) {
		return new RouteRequest(this.method, this.path,
				append(this.headers, new TreeMap<>(String.CASE_INSENSITIVE_ORDER), name, value), this.queryParameters,
				this.sourceIp);
	}

	/**
	 * Return a copy of this request with a query parameter value added.
	 * @param name the parameter name
	 * @param value the value, appended to any existing values
	 * @return the new request
	 */
	public RouteRequest withQueryParameter(String name, String value) {
		return new RouteRequest(this.method, this.path, this.headers,
				append(this.queryParameters, new LinkedHashMap<>(), name, value), this.sourceIp);
	}

	/**
	 * Return a copy of this request with the given source IP.
	 * @param sourceIp the source IP address
	 * @return the new request
	 */
	public RouteRequest withSourceIp(@Nullable String sourceIp) {
		return new RouteRequest(this.method, this.path, this.headers, this.queryParameters, sourceIp);
	}

	/**
	 * Return the first value of a header.
	 * @param name the header name (case-insensitive)
	 * @return the first value or {@code null}
	 */
	public @Nullable String header(String name) {
		return first(this.headers.get(name));
	}

	/**
	 * Return the first value of a query parameter.
	 * @param name the parameter name
	 * @return the first value or {@code null}
	 */
	public @Nullable String queryParameter(String name) {
		return first(this.queryParameters.get(name));
	}

	private static @Nullable String first(@Nullable List<String> values) {
		return (values == null || values.isEmpty()) ? null : values.get(0);
	}

	private static Map<String, List<String>> append(Map<String, List<String>> map, Map<String, List<String>> copy,
			String name, String value) {
		copy.putAll(map);
		List<String> values = new ArrayList<>(copy.getOrDefault(name, Collections.emptyList()));
		values.add(value);
		copy.put(name, values);
		return copy;
	}

	private static Map<String, List<String>> copy(@Nullable Map<String, List<String>> source,
			Map<String, List<String>> target) {
		if (source != null) {
			source.forEach((name, values) -> target.computeIfAbsent(name, (key) -> new ArrayList<>()).addAll(values));
			target.replaceAll((name, values) -> List.copyOf(values));
		}
		return Collections.unmodifiableMap(target);
	}

}
