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

package io.meshnative.connect.authz.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

/**
 * What L7 intentions look at in a request: the method, the canonical request target (see
 * {@link RequestTarget}) and the headers, with Envoy's pseudo-headers {@code :method},
 * {@code :path} (the path with its query), {@code :authority} and {@code :scheme}.
 * <p>
 * Header names are compared case-insensitively and with {@code _} read as {@code -}, so
 * that {@code x_user} and {@code X-User} are values of the same header: a deny on
 * {@code x-user} sees both, and an allow on it must hold for both. {@code Host} is also
 * reachable as {@code :authority}. The headers are read only when a condition asks for
 * one, so a decision that needs none costs no copy of them.
 *
 * @author connect-spring-boot authors
 */
public final class L7Request {

	/**
	 * The scheme of every request authorized here: the mesh port serves TLS only.
	 */
	static final String SCHEME = "https";

	private final String method;

	private final RequestTarget target;

	private final Iterable<String> names;

	private final Function<String, ? extends Iterable<String>> values;

	private @Nullable Map<String, List<String>> headers;

	private L7Request(String method, RequestTarget target, Iterable<String> names,
			Function<String, ? extends Iterable<String>> values) {
		this.method = method;
		this.target = target;
		this.names = names;
		this.values = values;
	}

	/**
	 * Build a request view.
	 * @param method the request method
	 * @param target the canonical request target
	 * @param names the header names
	 * @param values the values of a header name
	 * @return the request view
	 */
	public static L7Request of(String method, RequestTarget target, Iterable<String> names,
			Function<String, ? extends Iterable<String>> values) {
		return new L7Request(method, target, names, values);
	}

	/**
	 * Return the request method.
	 * @return the method
	 */
	String method() {
		return this.method;
	}

	/**
	 * Return the canonical request target.
	 * @return the target
	 */
	RequestTarget target() {
		return this.target;
	}

	/**
	 * Return the values of a header; never the pseudo-headers, which
	 * {@link IntentionRules} reads from the method and the target.
	 * @param name the header name, in any spelling
	 * @return the values, empty when absent
	 */
	List<String> values(String name) {
		List<String> found = headers().get(headerKey(name));
		return (found != null) ? found : Collections.emptyList();
	}

	private Map<String, List<String>> headers() {
		Map<String, List<String>> read = this.headers;
		if (read == null) {
			read = new LinkedHashMap<>();
			for (String name : this.names) {
				List<String> list = read.computeIfAbsent(headerKey(name), (key) -> new ArrayList<>());
				for (String value : this.values.apply(name)) {
					list.add(value);
				}
			}
			this.headers = read;
		}
		return read;
	}

	/**
	 * Return the key a header name is stored under.
	 * @param name the name
	 * @return the key
	 */
	static String headerKey(@Nullable String name) {
		String key = (name != null) ? name.toLowerCase(Locale.ROOT).replace('_', '-') : "";
		return key.equals(":authority") ? "host" : key;
	}

}
