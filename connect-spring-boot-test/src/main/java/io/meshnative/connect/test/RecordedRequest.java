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

package io.meshnative.connect.test;

import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * A request received by a {@link FakeConsulAgent}.
 *
 * @param method the HTTP method
 * @param path the raw path, without the query
 * @param query the decoded query parameters; a parameter without a value maps to an empty
 * string
 * @param headers the request headers, names in lower case
 * @param body the request body, empty if there was none
 * @param receivedNanos the {@link System#nanoTime()} at which the request arrived
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public record RecordedRequest(String method, String path, Map<String, List<String>> query, Map<String, String> headers,
		String body, long receivedNanos) {

	/**
	 * Return the first value of a query parameter.
	 * @param name the parameter name
	 * @return the value, or {@code null} if the parameter is absent
	 */
	public @Nullable String queryParameter(String name) {
		List<String> values = this.query.get(name);
		return (values != null && !values.isEmpty()) ? values.get(0) : null;
	}

	/**
	 * Return whether the request carries a query parameter.
	 * @param name the parameter name
	 * @return whether the parameter is present
	 */
	public boolean hasQueryParameter(String name) {
		return this.query.containsKey(name);
	}

	/**
	 * Return a header value.
	 * @param name the header name, in any case
	 * @return the value, or {@code null} if the header is absent
	 */
	public @Nullable String header(String name) {
		return this.headers.get(name.toLowerCase(java.util.Locale.ROOT));
	}

}
