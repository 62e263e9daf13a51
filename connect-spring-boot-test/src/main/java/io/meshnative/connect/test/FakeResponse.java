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

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An answer of a {@link FakeConsulAgent}: status, body, headers and an optional delay, or
 * a hang (no answer until the fake agent closes).
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class FakeResponse {

	private final int status;

	private final String body;

	private final Map<String, String> headers;

	private final Duration delay;

	private final boolean hang;

	private FakeResponse(int status, String body, Map<String, String> headers, Duration delay, boolean hang) {
		this.status = status;
		this.body = body;
		this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
		this.delay = delay;
		this.hang = hang;
	}

	/**
	 * Create a {@code 200} answer with a JSON body.
	 * @param json the body
	 * @return the answer
	 */
	public static FakeResponse json(String json) {
		return status(200, json).header("Content-Type", "application/json");
	}

	/**
	 * Create an answer with a status and a plain-text body, the way Consul reports
	 * errors.
	 * @param status the HTTP status
	 * @param body the body
	 * @return the answer
	 */
	public static FakeResponse status(int status, String body) {
		return new FakeResponse(status, body, Collections.emptyMap(), Duration.ZERO, false);
	}

	/**
	 * Create an answer that never comes: the request is held until the fake agent closes.
	 * @return the answer
	 */
	public static FakeResponse hang() {
		return new FakeResponse(0, "", Collections.emptyMap(), Duration.ZERO, true);
	}

	/**
	 * Return a copy with a header added.
	 * @param name the header name
	 * @param value the header value
	 * @return the new answer
	 */
	public FakeResponse header(String name, String value) {
		Map<String, String> copy = new LinkedHashMap<>(this.headers);
		copy.put(name, value);
		return new FakeResponse(this.status, this.body, copy, this.delay, this.hang);
	}

	/**
	 * Return a copy with an {@code X-Consul-Index} header.
	 * @param index the index
	 * @return the new answer
	 */
	public FakeResponse index(long index) {
		return header("X-Consul-Index", Long.toString(index));
	}

	/**
	 * Return a copy with an {@code X-Consul-ContentHash} header.
	 * @param hash the content hash
	 * @return the new answer
	 */
	public FakeResponse contentHash(String hash) {
		return header("X-Consul-ContentHash", hash);
	}

	/**
	 * Return a copy that is sent after a delay.
	 * @param delay the delay
	 * @return the new answer
	 */
	public FakeResponse delay(Duration delay) {
		return new FakeResponse(this.status, this.body, this.headers, delay, this.hang);
	}

	int getStatus() {
		return this.status;
	}

	String getBody() {
		return this.body;
	}

	Map<String, String> getHeaders() {
		return this.headers;
	}

	Duration getDelay() {
		return this.delay;
	}

	boolean isHang() {
		return this.hang;
	}

}
