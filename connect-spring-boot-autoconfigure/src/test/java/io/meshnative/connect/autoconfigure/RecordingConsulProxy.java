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

package io.meshnative.connect.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.jspecify.annotations.Nullable;

/**
 * An HTTP forwarder in front of a real Consul HTTP API that records every exchange
 * (method, path, query, request and response bodies, response headers), so that a test
 * can assert what an application sent to Consul and what it got back.
 *
 * @author connect-spring-boot authors
 */
final class RecordingConsulProxy implements AutoCloseable {

	private static final Set<String> HOP_BY_HOP = Set.of("connection", "content-length", "date", "expect", "host",
			"http2-settings", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade");

	private final URI target;

	private final HttpServer server;

	private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	private final ExecutorService executor = Executors.newCachedThreadPool((runnable) -> {
		Thread thread = new Thread(runnable, "recording-consul-proxy");
		thread.setDaemon(true);
		return thread;
	});

	private final List<Exchange> exchanges = new CopyOnWriteArrayList<>();

	private RecordingConsulProxy(URI target) throws IOException {
		this.target = target;
		this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 100);
		this.server.setExecutor(this.executor);
		this.server.createContext("/", this::forward);
		this.server.start();
	}

	static RecordingConsulProxy start(URI target) throws IOException {
		return new RecordingConsulProxy(target);
	}

	URI getAddress() {
		return URI.create("http://127.0.0.1:" + this.server.getAddress().getPort());
	}

	List<Exchange> getExchanges() {
		return List.copyOf(this.exchanges);
	}

	private void forward(HttpExchange exchange) throws IOException {
		try (exchange) {
			byte[] requestBody;
			try (InputStream in = exchange.getRequestBody()) {
				requestBody = in.readAllBytes();
			}
			URI uri = exchange.getRequestURI();
			HttpRequest.Builder request = HttpRequest
				.newBuilder(URI.create(this.target.toString().replaceAll("/$", "") + uri.getRawPath()
						+ ((uri.getRawQuery() != null) ? "?" + uri.getRawQuery() : "")))
				.method(exchange.getRequestMethod(), (requestBody.length > 0)
						? HttpRequest.BodyPublishers.ofByteArray(requestBody) : HttpRequest.BodyPublishers.noBody());
			exchange.getRequestHeaders().forEach((name, values) -> {
				if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
					values.forEach((value) -> request.header(name, value));
				}
			});
			HttpResponse<byte[]> response;
			try {
				response = this.http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				exchange.sendResponseHeaders(502, -1);
				return;
			}
			catch (IOException ex) {
				exchange.sendResponseHeaders(502, -1);
				return;
			}
			this.exchanges.add(new Exchange(exchange.getRequestMethod(), uri.getRawPath(),
					(uri.getRawQuery() != null) ? uri.getRawQuery() : "",
					new String(requestBody, StandardCharsets.UTF_8), response.statusCode(), response.headers().map(),
					new String(response.body(), StandardCharsets.UTF_8)));
			response.headers().map().forEach((name, values) -> {
				if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
					values.forEach((value) -> exchange.getResponseHeaders().add(name, value));
				}
			});
			byte[] body = response.body();
			exchange.sendResponseHeaders(response.statusCode(), (body.length > 0) ? body.length : -1);
			if (body.length > 0) {
				try (OutputStream out = exchange.getResponseBody()) {
					out.write(body);
				}
			}
		}
	}

	@Override
	public void close() {
		this.server.stop(0);
		this.executor.shutdownNow();
	}

	/**
	 * One recorded exchange.
	 *
	 * @param method the method
	 * @param path the path, without the query
	 * @param query the raw query string, empty when there is none
	 * @param requestBody the request body
	 * @param status the response status
	 * @param responseHeaders the response headers from Consul
	 * @param responseBody the response body
	 */
	record Exchange(String method, String path, String query, String requestBody, int status,
			Map<String, List<String>> responseHeaders, String responseBody) {

		/**
		 * Return the names of the query parameters.
		 * @return the names, in order
		 */
		List<String> queryParameterNames() {
			List<String> names = new ArrayList<>();
			if (!this.query.isEmpty()) {
				for (String pair : this.query.split("&")) {
					int equals = pair.indexOf('=');
					names.add((equals >= 0) ? pair.substring(0, equals) : pair);
				}
			}
			return names;
		}

		/**
		 * Return the value of a query parameter.
		 * @param name the name
		 * @return the first value (URL-decoded), empty when the parameter has none,
		 * {@code null} when it is absent
		 */
		@Nullable String queryParameter(String name) {
			if (this.query.isEmpty()) {
				return null;
			}
			for (String pair : this.query.split("&")) {
				int equals = pair.indexOf('=');
				String key = (equals >= 0) ? pair.substring(0, equals) : pair;
				if (key.equals(name)) {
					return (equals >= 0) ? URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8) : "";
				}
			}
			return null;
		}

		/**
		 * Return the first value of a response header.
		 * @param name the header name, in any case
		 * @return the value, or {@code null} when absent
		 */
		@Nullable String responseHeader(String name) {
			for (Map.Entry<String, List<String>> header : this.responseHeaders.entrySet()) {
				if (header.getKey().equalsIgnoreCase(name) && !header.getValue().isEmpty()) {
					return header.getValue().get(0);
				}
			}
			return null;
		}

	}

}
