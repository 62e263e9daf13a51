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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

/**
 * A steady request load for resilience tests: several threads each send requests in a
 * loop, one request in {@value #NEW_CONNECTION_EVERY} on a new connection (a full TLS
 * handshake) and the others on a kept-alive connection. Every request sent is counted; an
 * answer that is not the expected one, and every I/O error, is recorded as a failure with
 * the time it happened. The load never retries.
 *
 * @author connect-spring-boot authors
 */
public final class MeshLoad implements AutoCloseable {

	/**
	 * Number of load threads the resilience tests use.
	 */
	public static final int THREADS = 8;

	/**
	 * One request in this many opens a new connection. With one in two, the full TLS
	 * handshakes of the load client and of the server it calls (both in the test JVM)
	 * took half of the JVM's CPU in a profile, and the load stayed under 100 req/s on two
	 * cores.
	 */
	static final int NEW_CONNECTION_EVERY = 4;

	/**
	 * The failures, in the order they happened.
	 */
	public final List<Failure> failures = new CopyOnWriteArrayList<>();

	/**
	 * Requests sent.
	 */
	public final AtomicLong sent = new AtomicLong();

	/**
	 * Requests answered as expected.
	 */
	public final AtomicLong answered = new AtomicLong();

	/**
	 * Requests sent on a new connection.
	 */
	public final AtomicLong newConnections = new AtomicLong();

	/**
	 * Requests sent on a kept-alive connection.
	 */
	public final AtomicLong reusedRequests = new AtomicLong();

	private final MeshTestClient caller;

	private final int port;

	private final String path;

	private final Predicate<MeshTestClient.Response> expected;

	private final List<Thread> threads = new ArrayList<>();

	private volatile boolean running = true;

	private volatile MeshTestClient.@Nullable Response lastAnswer;

	private long startedAt;

	private long stoppedAt;

	/**
	 * Create a load, not started yet.
	 * @param caller the client the load calls with
	 * @param port the port it calls
	 * @param path the path it calls
	 * @param threads the number of threads
	 * @param expected which answers are the expected ones
	 */
	public MeshLoad(MeshTestClient caller, int port, String path, int threads,
			Predicate<MeshTestClient.Response> expected) {
		this.caller = caller;
		this.port = port;
		this.path = path;
		this.expected = expected;
		for (int i = 0; i < threads; i++) {
			this.threads.add(new Thread(this::run, "mesh-load-" + i));
		}
	}

	/**
	 * Start the load.
	 * @return this load
	 */
	public MeshLoad start() {
		this.startedAt = System.nanoTime();
		this.threads.forEach(Thread::start);
		return this;
	}

	private void run() {
		MeshTestClient.Connection kept = null;
		long i = 0;
		while (this.running) {
			boolean reuse = (i++ % NEW_CONNECTION_EVERY) != 0;
			this.sent.incrementAndGet();
			try {
				if (!reuse) {
					this.newConnections.incrementAndGet();
					check(this.caller.get(this.port, this.path));
				}
				else {
					if (kept == null) {
						kept = this.caller.open(this.port);
					}
					this.reusedRequests.incrementAndGet();
					MeshTestClient.Response response = kept.get(this.path);
					check(response);
					if ("close".equalsIgnoreCase(response.headers().get("connection"))) {
						kept = close(kept);
					}
				}
			}
			catch (IOException | RuntimeException ex) {
				this.failures.add(new Failure(System.nanoTime(), (reuse ? "kept-alive: " : "new connection: ") + ex));
				if (reuse) {
					kept = close(kept);
				}
			}
		}
		close(kept);
	}

	private void check(MeshTestClient.Response response) {
		if (!this.expected.test(response)) {
			this.failures.add(new Failure(System.nanoTime(), "HTTP " + response.status() + ": " + response.body()));
			return;
		}
		this.lastAnswer = response;
		this.answered.incrementAndGet();
	}

	private static MeshTestClient.@Nullable Connection close(MeshTestClient.@Nullable Connection connection) {
		if (connection != null) {
			try {
				connection.close();
			}
			catch (IOException ex) {
				// the connection is dropped either way
			}
		}
		return null;
	}

	MeshTestClient.@Nullable Response lastAnswer() {
		return this.lastAnswer;
	}

	/**
	 * Return the number of failures since a point in time.
	 * @param nanoTime the point in time, from {@link System#nanoTime()}
	 * @return the number of failures
	 */
	public long failuresSince(long nanoTime) {
		return this.failures.stream().filter((failure) -> failure.at() >= nanoTime).count();
	}

	/**
	 * Stop the load and wait for its threads.
	 * @throws InterruptedException if interrupted while waiting
	 */
	public void stop() throws InterruptedException {
		this.running = false;
		for (Thread thread : this.threads) {
			thread.join(30_000);
		}
		if (this.stoppedAt == 0) {
			this.stoppedAt = System.nanoTime();
		}
	}

	/**
	 * Return the rate of requests sent, per second.
	 * @return the rate
	 */
	public double rate() {
		long end = (this.stoppedAt != 0) ? this.stoppedAt : System.nanoTime();
		return this.sent.get() / (Duration.ofNanos(end - this.startedAt).toMillis() / 1000.0);
	}

	/**
	 * Return a summary of the load.
	 * @return the summary
	 */
	public String summary() {
		return String.format(java.util.Locale.ROOT,
				"%d sent, %d answered as expected, %d failed, %d on new connections, %d on kept-alive ones, "
						+ "%.0f req/s over %.1f s with %d threads, 0 retries",
				this.sent.get(), this.answered.get(), this.failures.size(), this.newConnections.get(),
				this.reusedRequests.get(), rate(),
				Duration.ofNanos(((this.stoppedAt != 0) ? this.stoppedAt : System.nanoTime()) - this.startedAt)
					.toMillis() / 1000.0,
				this.threads.size());
	}

	@Override
	public void close() throws InterruptedException {
		stop();
	}

	/**
	 * A failed request.
	 *
	 * @param at when it failed, from {@link System#nanoTime()}
	 * @param what what went wrong
	 */
	public record Failure(long at, String what) {

	}

}
