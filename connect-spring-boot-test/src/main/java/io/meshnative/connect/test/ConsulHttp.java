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

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Requests to a Consul agent's HTTP API, shared by {@link ConsulAgent},
 * {@link ConsulClusterAgent} and {@link ConsulOperator}.
 *
 * @author connect-spring-boot authors
 */
final class ConsulHttp {

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private ConsulHttp() {
	}

	/**
	 * Return an HTTP client with the connect timeout the test support uses.
	 * @return the client
	 */
	static HttpClient client() {
		return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
	}

	/**
	 * Send a request, with a JSON body and an ACL token if given.
	 * @param http the client
	 * @param address the agent's HTTP address
	 * @param method the HTTP method
	 * @param path the path and query
	 * @param jsonBody the JSON body or {@code null}
	 * @param token the ACL token or {@code null}
	 * @return the response
	 * @throws UncheckedIOException if the agent cannot be reached
	 */
	static HttpResponse<String> send(HttpClient http, String address, String method, String path,
			@Nullable String jsonBody, @Nullable String token) {
		return send(http, address, method, path, jsonBody, token, TIMEOUT, address);
	}

	/**
	 * Send a request, with a JSON body and an ACL token if given.
	 * @param http the client
	 * @param address the agent's HTTP address
	 * @param method the HTTP method
	 * @param path the path and query
	 * @param jsonBody the JSON body or {@code null}
	 * @param token the ACL token or {@code null}
	 * @param timeout how long to wait for the response
	 * @param agent the agent's name or address in failure messages
	 * @return the response
	 * @throws UncheckedIOException if the agent cannot be reached or does not answer
	 * within the timeout
	 */
	static HttpResponse<String> send(HttpClient http, String address, String method, String path,
			@Nullable String jsonBody, @Nullable String token, Duration timeout, String agent) {
		HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(address + path))
			.timeout(timeout)
			.method(method, (jsonBody != null) ? HttpRequest.BodyPublishers.ofString(jsonBody)
					: HttpRequest.BodyPublishers.noBody());
		if (jsonBody != null) {
			builder.header("Content-Type", "application/json");
		}
		if (token != null) {
			builder.header("X-Consul-Token", token);
		}
		try {
			return http.send(builder.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(agent + ": " + method + " " + path + " failed: " + ex, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while calling Consul agent " + agent, ex);
		}
	}

	/**
	 * Return the body of a response with status 200.
	 * @param method the HTTP method
	 * @param path the path and query
	 * @param response the response
	 * @return the body
	 * @throws IllegalStateException if the status is not 200
	 */
	static String body(String method, String path, HttpResponse<String> response) {
		if (response.statusCode() != 200) {
			throw new IllegalStateException(
					method + " " + path + " answered HTTP " + response.statusCode() + ": " + response.body().trim());
		}
		return response.body();
	}

}
