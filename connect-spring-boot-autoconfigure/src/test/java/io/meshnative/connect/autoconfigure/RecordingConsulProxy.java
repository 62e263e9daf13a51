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
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * An HTTP forwarder in front of a real Consul HTTP API that records every exchange
 * (method, path, request and response bodies), so that a test can assert what an
 * application sent to Consul and what it got back.
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
					new String(requestBody, StandardCharsets.UTF_8), response.statusCode(),
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
	 * @param requestBody the request body
	 * @param status the response status
	 * @param responseBody the response body
	 */
	record Exchange(String method, String path, String requestBody, int status, String responseBody) {

	}

}
