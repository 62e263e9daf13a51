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
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.jspecify.annotations.Nullable;

/**
 * A scriptable HTTP server that stands in for a Consul agent in tests of faults a real
 * agent cannot produce on demand: 5xx answers, malformed bodies, an index that goes
 * backwards, slow or hanging answers.
 * <p>
 * Answers come from the queue filled by {@link #enqueue(FakeResponse)}, else from the
 * {@link #setDispatcher dispatcher}, else the {@link #setDefaultResponse default} (which,
 * unless changed, hangs like a blocking query whose result never changes). Every request
 * is recorded.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class FakeConsulAgent implements AutoCloseable {

	private final HttpServer server;

	private final ExecutorService executor = Executors.newCachedThreadPool((runnable) -> {
		Thread thread = new Thread(runnable, "fake-consul-agent");
		thread.setDaemon(true);
		return thread;
	});

	private final CountDownLatch closed = new CountDownLatch(1);

	private final ConcurrentLinkedQueue<FakeResponse> queue = new ConcurrentLinkedQueue<>();

	private final BlockingQueue<RecordedRequest> unread = new LinkedBlockingQueue<>();

	private final List<RecordedRequest> all = new CopyOnWriteArrayList<>();

	private volatile @Nullable Function<RecordedRequest, @Nullable FakeResponse> dispatcher;

	private volatile FakeResponse defaultResponse = FakeResponse.hang();

	private FakeConsulAgent(HttpServer server) {
		this.server = server;
		this.server.setExecutor(this.executor);
		this.server.createContext("/", this::handle);
	}

	/**
	 * Start a fake agent on a free loopback port.
	 * @return the running fake agent
	 */
	public static FakeConsulAgent start() {
		try {
			HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
			FakeConsulAgent agent = new FakeConsulAgent(server);
			server.start();
			return agent;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start the fake Consul agent", ex);
		}
	}

	/**
	 * Return the address to configure as the agent address, for example
	 * {@code http://127.0.0.1:40123}.
	 * @return the address
	 */
	public String getHttpAddress() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort();
	}

	/**
	 * Queue an answer for the next request that arrives.
	 * @param response the answer
	 * @return this fake agent
	 */
	public FakeConsulAgent enqueue(FakeResponse response) {
		this.queue.add(response);
		return this;
	}

	/**
	 * Set a function that answers requests when the queue is empty; it may return
	 * {@code null} to fall back to the default response.
	 * @param dispatcher the dispatcher
	 * @return this fake agent
	 */
	public FakeConsulAgent setDispatcher(Function<RecordedRequest, @Nullable FakeResponse> dispatcher) {
		this.dispatcher = dispatcher;
		return this;
	}

	/**
	 * Set the answer used when neither the queue nor the dispatcher provides one.
	 * @param response the default answer
	 * @return this fake agent
	 */
	public FakeConsulAgent setDefaultResponse(FakeResponse response) {
		this.defaultResponse = response;
		return this;
	}

	/**
	 * Take the oldest request not taken yet, waiting up to the given time for one to
	 * arrive.
	 * @param timeout the longest time to wait
	 * @return the request
	 * @throws IllegalStateException if no request arrives in time
	 */
	public RecordedRequest takeRequest(Duration timeout) {
		try {
			RecordedRequest request = this.unread.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
			if (request == null) {
				throw new IllegalStateException("No request reached the fake Consul agent within " + timeout);
			}
			return request;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting for a request", ex);
		}
	}

	/**
	 * Return every request received so far, oldest first.
	 * @return the requests
	 */
	public List<RecordedRequest> getRequests() {
		return List.copyOf(this.all);
	}

	/**
	 * Return the number of requests received so far.
	 * @return the request count
	 */
	public int getRequestCount() {
		return this.all.size();
	}

	@Override
	public void close() {
		this.closed.countDown();
		this.server.stop(0);
		this.executor.shutdownNow();
	}

	private void handle(HttpExchange exchange) throws IOException {
		try (exchange) {
			RecordedRequest request = record(exchange);
			FakeResponse response = answerFor(request);
			if (response.isHang()) {
				this.closed.await();
				return;
			}
			if (!response.getDelay().isZero()
					&& this.closed.await(response.getDelay().toNanos(), TimeUnit.NANOSECONDS)) {
				return;
			}
			byte[] body = response.getBody().getBytes(StandardCharsets.UTF_8);
			response.getHeaders().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
			exchange.sendResponseHeaders(response.getStatus(), (body.length > 0) ? body.length : -1);
			if (body.length > 0) {
				try (OutputStream out = exchange.getResponseBody()) {
					out.write(body);
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private FakeResponse answerFor(RecordedRequest request) {
		FakeResponse queued = this.queue.poll();
		if (queued != null) {
			return queued;
		}
		Function<RecordedRequest, @Nullable FakeResponse> current = this.dispatcher;
		if (current != null) {
			FakeResponse dispatched = current.apply(request);
			if (dispatched != null) {
				return dispatched;
			}
		}
		return this.defaultResponse;
	}

	private RecordedRequest record(HttpExchange exchange) throws IOException {
		byte[] body;
		try (InputStream in = exchange.getRequestBody()) {
			body = in.readAllBytes();
		}
		Map<String, String> headers = new LinkedHashMap<>();
		exchange.getRequestHeaders()
			.forEach((name, values) -> headers.put(name.toLowerCase(java.util.Locale.ROOT), String.join(",", values)));
		URI uri = exchange.getRequestURI();
		RecordedRequest request = new RecordedRequest(exchange.getRequestMethod(), uri.getRawPath(),
				parseQuery(uri.getRawQuery()), Collections.unmodifiableMap(headers),
				new String(body, StandardCharsets.UTF_8), System.nanoTime());
		this.all.add(request);
		this.unread.add(request);
		return request;
	}

	private static Map<String, List<String>> parseQuery(@Nullable String rawQuery) {
		Map<String, List<String>> query = new LinkedHashMap<>();
		if (rawQuery == null || rawQuery.isEmpty()) {
			return query;
		}
		for (String pair : rawQuery.split("&")) {
			int equals = pair.indexOf('=');
			String name = decode((equals >= 0) ? pair.substring(0, equals) : pair);
			String value = (equals >= 0) ? decode(pair.substring(equals + 1)) : "";
			query.computeIfAbsent(name, (key) -> new ArrayList<>()).add(value);
		}
		return query;
	}

	private static String decode(String value) {
		return java.net.URLDecoder.decode(value, StandardCharsets.UTF_8);
	}

}
