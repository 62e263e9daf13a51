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
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.jspecify.annotations.Nullable;

/**
 * An HTTP proxy in front of a real Consul agent that forwards every request and, once
 * {@link #freeze() frozen}, answers the agent's identity endpoints
 * ({@code /v1/agent/connect/ca/roots} and {@code /v1/agent/connect/ca/leaf/...}) with the
 * last answer it forwarded for the same path: a call without {@code index} gets it at
 * once, a blocking call is held until its {@code wait} ends (or the proxy is thawed) and
 * then gets the same answer, so the same index. This models a client agent cut off from
 * its servers: the app behind it keeps its identity while the cluster rotates the CA. The
 * real agent stays the source of truth for everything else.
 *
 * @author connect-spring-boot authors
 */
final class FreezableAgentProxy implements AutoCloseable {

	private static final Set<String> HOP_BY_HOP = Set.of("connection", "content-length", "date", "expect", "host",
			"http2-settings", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade");

	private static final Pattern WAIT = Pattern.compile("(\\d+)(ms|s|m|h)");

	private final String target;

	private final HttpServer server;

	private final HttpClient http;

	private final ExecutorService executor = Executors.newCachedThreadPool((runnable) -> {
		Thread thread = new Thread(runnable, "freezable-agent-proxy");
		thread.setDaemon(true);
		return thread;
	});

	private final CountDownLatch closed = new CountDownLatch(1);

	private final Map<String, Answer> lastAnswers = new ConcurrentHashMap<>();

	private final AtomicLong frozenAnswers = new AtomicLong();

	private volatile @Nullable CountDownLatch frozen;

	private FreezableAgentProxy(String target, HttpServer server) {
		this.target = target;
		this.server = server;
		this.http = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.followRedirects(HttpClient.Redirect.NEVER)
			.executor(this.executor)
			.build();
		this.server.setExecutor(this.executor);
		this.server.createContext("/", this::handle);
	}

	/**
	 * Start a proxy on a free loopback port.
	 * @param agentAddress the address of the real agent, e.g.
	 * {@code http://127.0.0.1:8500}
	 * @return the running proxy
	 */
	static FreezableAgentProxy start(String agentAddress) {
		try {
			HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
			FreezableAgentProxy proxy = new FreezableAgentProxy(agentAddress, server);
			server.start();
			return proxy;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start the agent proxy", ex);
		}
	}

	String getHttpAddress() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort();
	}

	/**
	 * Answer the identity endpoints from the last forwarded answers from now on.
	 */
	void freeze() {
		this.frozen = new CountDownLatch(1);
	}

	/**
	 * Forward the identity endpoints again; blocking calls held so far are forwarded to
	 * the agent now.
	 */
	void thaw() {
		CountDownLatch latch = this.frozen;
		this.frozen = null;
		if (latch != null) {
			latch.countDown();
		}
	}

	/**
	 * Return how many calls were answered from a frozen answer.
	 * @return the number of frozen answers sent
	 */
	long getFrozenAnswers() {
		return this.frozenAnswers.get();
	}

	@Override
	public void close() {
		thaw();
		this.closed.countDown();
		this.server.stop(0);
		this.executor.shutdownNow();
	}

	private void handle(HttpExchange exchange) throws IOException {
		try (exchange) {
			byte[] body;
			try (InputStream in = exchange.getRequestBody()) {
				body = in.readAllBytes();
			}
			URI uri = exchange.getRequestURI();
			String path = uri.getRawPath();
			boolean identity = path.equals("/v1/agent/connect/ca/roots")
					|| path.startsWith("/v1/agent/connect/ca/leaf/");
			Answer answer = identity ? frozenAnswer(path, uri.getRawQuery()) : null;
			if (answer == null) {
				if (this.closed.getCount() == 0) {
					return;
				}
				answer = forward(exchange, uri, body);
				if (identity) {
					answer = remember(path, answer);
				}
			}
			else {
				this.frozenAnswers.incrementAndGet();
			}
			send(exchange, answer);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private @Nullable Answer frozenAnswer(String path, @Nullable String query) throws InterruptedException {
		CountDownLatch latch = this.frozen;
		Answer last = this.lastAnswers.get(path);
		if (latch == null || last == null) {
			return null;
		}
		if (query != null && query.contains("index=") && latch.await(waitOf(query).toNanos(), TimeUnit.NANOSECONDS)) {
			return null;
		}
		return last;
	}

	/**
	 * Remember an identity answer forwarded while not frozen; a call forwarded before the
	 * freeze that returns after it gets the last answer from before the freeze instead.
	 */
	private Answer remember(String path, Answer forwarded) {
		Answer last = this.lastAnswers.get(path);
		if (this.frozen != null && last != null) {
			this.frozenAnswers.incrementAndGet();
			return last;
		}
		if (forwarded.status() == 200) {
			this.lastAnswers.put(path, forwarded);
		}
		return forwarded;
	}

	private static Duration waitOf(String query) {
		for (String parameter : query.split("&")) {
			if (parameter.startsWith("wait=")) {
				Matcher matcher = WAIT.matcher(parameter.substring(5));
				if (matcher.matches()) {
					long amount = Long.parseLong(matcher.group(1));
					return switch (matcher.group(2)) {
						case "ms" -> Duration.ofMillis(amount);
						case "s" -> Duration.ofSeconds(amount);
						case "m" -> Duration.ofMinutes(amount);
						default -> Duration.ofHours(amount);
					};
				}
			}
		}
		return Duration.ofMinutes(5);
	}

	private Answer forward(HttpExchange exchange, URI uri, byte[] body) throws IOException, InterruptedException {
		String query = (uri.getRawQuery() != null) ? "?" + uri.getRawQuery() : "";
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(this.target + uri.getRawPath() + query))
			.method(exchange.getRequestMethod(), (body.length > 0) ? HttpRequest.BodyPublishers.ofByteArray(body)
					: HttpRequest.BodyPublishers.noBody());
		exchange.getRequestHeaders().forEach((name, values) -> {
			if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
				values.forEach((value) -> request.header(name, value));
			}
		});
		HttpResponse<byte[]> response = this.http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
		return new Answer(response.statusCode(), response.headers().map(), response.body());
	}

	private static void send(HttpExchange exchange, Answer answer) throws IOException {
		answer.headers().forEach((name, values) -> {
			if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
				values.forEach((value) -> exchange.getResponseHeaders().add(name, value));
			}
		});
		exchange.sendResponseHeaders(answer.status(), (answer.body().length > 0) ? answer.body().length : -1);
		if (answer.body().length > 0) {
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(answer.body());
			}
		}
	}

	private record Answer(int status, Map<String, List<String>> headers, byte[] body) {

	}

}
