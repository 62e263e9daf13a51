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

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import io.meshnative.connect.test.ConsulAgent;
import io.meshnative.connect.test.FixedRateLoad;
import io.meshnative.connect.test.JavaProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Instances of a backend service ({@link DepartureBackend}, each in its own JVM) and one
 * departure case under a steady load: after 3 s of load a new instance starts and, while
 * it comes up, the oldest one is stopped with {@code SIGTERM} or killed with
 * {@code SIGKILL}; the load runs on until the new instance has answered and 3 s more. A
 * graceful stop must fail no request, a kill at most 1 % of those sent; the load must
 * reach 50 req/s. Shared by the starter's and connect-proxy's departure tests (this
 * module's test jar carries it).
 *
 * @author connect-spring-boot authors
 */
public final class Departures implements AutoCloseable {

	/**
	 * Threads of the load.
	 */
	public static final int THREADS = 6;

	/**
	 * Requests per second of the load, all threads together.
	 */
	public static final double RATE = 150;

	private final ConsulAgent agent;

	private final String service;

	private final List<Backend> backends = new ArrayList<>();

	private int nextId = 1;

	/**
	 * Create instances of a service registered with an agent.
	 * @param agent the agent
	 * @param service the service name
	 */
	public Departures(ConsulAgent agent, String service) {
		this.agent = agent;
		this.service = service;
	}

	/**
	 * Start instances and wait until each passes its check.
	 * @param count how many
	 */
	public void startBackends(int count) {
		List<Backend> started = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			started.add(startBackend());
		}
		started.forEach(this::awaitPassing);
	}

	/**
	 * Run one departure case and assert its outcome; prints a {@code [measure] departure}
	 * line.
	 * @param arm the caller's name, in the measure line
	 * @param departure how the instance leaves
	 * @param request one request, which returns the ID of the instance that answered
	 * @param resent how many requests the caller sent once more (printed)
	 */
	public void run(String arm, Departure departure, Callable<String> request, LongSupplier resent) {
		await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> request.call() != null);
		List<Backend> before = List.copyOf(this.backends);
		try (FixedRateLoad load = FixedRateLoad.start(arm, THREADS, RATE, request)) {
			await().atMost(Duration.ofSeconds(60))
				.until(() -> load.answered() >= 3 * RATE && before.stream().allMatch((b) -> load.answers(b.id()) > 0));
			long resentBefore = resent.getAsLong();
			Backend leaving = before.get(0);
			Backend joining = startBackend();
			departure.apply(leaving.process());
			this.backends.remove(leaving);
			long stopped = System.nanoTime();
			awaitPassing(joining);
			long passing = System.nanoTime();
			await().atMost(Duration.ofSeconds(60)).until(() -> {
				Long last = load.lastAnswered(joining.id());
				return last != null && last > stopped && System.nanoTime() - passing >= TimeUnit.SECONDS.toNanos(3);
			});
			FixedRateLoad.Result result = load.stop();
			System.out.printf("[measure] departure arm=%s case=%s %s resent=%d (stopped %s, joined %s)%n", arm,
					departure.slug(), result.describe(), resent.getAsLong() - resentBefore, leaving.id(), joining.id());
			result.failures().forEach((failure) -> System.out.println("[measure] departure failure: " + failure));
			assertThat(result.rate())
				.as("rate achieved (the target is %s req/s; the machine is too loaded below 50)", RATE)
				.isGreaterThanOrEqualTo(50);
			if (departure == Departure.GRACEFUL) {
				assertThat(result.failed()).as("failed requests: %s", result.failures()).isZero();
			}
			else {
				assertThat(result.failed()).as("failed requests: %s", result.failures())
					.isLessThanOrEqualTo(result.sent() / 100);
			}
			assertThat(result.answers()).containsKey(joining.id());
		}
		finally {
			if (departure == Departure.SIGKILL) {
				this.agent.request("PUT", "/v1/agent/service/deregister/" + before.get(0).id(), null);
			}
		}
	}

	@Override
	public void close() {
		this.backends.forEach((backend) -> backend.process().close());
	}

	private Backend startBackend() {
		String id = this.service + "-" + this.nextId++;
		Backend backend = new Backend(id,
				DepartureBackend.start(URI.create(this.agent.getHttpAddress()), this.service, id));
		this.backends.add(backend);
		return backend;
	}

	private void awaitPassing(Backend backend) {
		await().atMost(Duration.ofSeconds(120))
			.pollInterval(Duration.ofMillis(200))
			.until(() -> passing(backend.id()) || !backend.process().isAlive());
		assertThat(backend.process().isAlive()).as("%s is running (log: %s)", backend.id(), backend.process().getLog())
			.isTrue();
	}

	private boolean passing(String id) {
		return this.agent.request("GET", "/v1/health/connect/" + this.service + "?passing", null)
			.contains("\"" + id + "\"");
	}

	/**
	 * How an instance leaves.
	 */
	public enum Departure {

		/**
		 * {@code SIGTERM}: Spring's graceful shutdown.
		 */
		GRACEFUL,

		/**
		 * {@code SIGKILL}: the process ends at once.
		 */
		SIGKILL;

		String slug() {
			return name().toLowerCase(Locale.ROOT);
		}

		void apply(JavaProcess process) {
			if (this == GRACEFUL) {
				process.terminate(60);
			}
			else {
				process.kill();
			}
		}

	}

	/**
	 * A backend instance.
	 *
	 * @param id its instance ID
	 * @param process its JVM
	 */
	record Backend(String id, JavaProcess process) {

	}

}
