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

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.jspecify.annotations.Nullable;

/**
 * A steady load at a fixed rate: a number of threads, each sending one blocking request
 * at a time, paced so that together they send {@code rate} requests per second (a thread
 * that falls behind sends its next request at once, without a burst to catch up). Each
 * request is a {@link Callable} that returns the answer (for example the ID of the
 * instance that answered) or throws; a request fails when it throws. The load never
 * retries. <pre class="code">
 * try (FixedRateLoad load = FixedRateLoad.start("restclient", 6, 150, () -&gt; client.get()...)) {
 *     await().until(() -&gt; load.answered() &gt;= 300);
 *     ...
 *     FixedRateLoad.Result result = load.stop();
 * }
 * </pre>
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class FixedRateLoad implements AutoCloseable {

	private static final int KEPT_FAILURES = 20;

	private final String name;

	private final Callable<String> request;

	private final long periodNanos;

	private final List<Thread> threads = new ArrayList<>();

	private final AtomicLong sent = new AtomicLong();

	private final AtomicLong answered = new AtomicLong();

	private final AtomicLong failed = new AtomicLong();

	private final List<String> failures = Collections.synchronizedList(new ArrayList<>());

	private final ConcurrentMap<String, AtomicLong> answers = new ConcurrentHashMap<>();

	private final ConcurrentMap<String, Long> lastAnswered = new ConcurrentHashMap<>();

	private final long startNanos;

	private volatile boolean running = true;

	private volatile long stopNanos;

	private FixedRateLoad(String name, int threads, double rate, Callable<String> request) {
		this.name = name;
		this.request = request;
		this.periodNanos = (long) (TimeUnit.SECONDS.toNanos(1) * threads / rate);
		this.startNanos = System.nanoTime();
		for (int i = 0; i < threads; i++) {
			long first = this.startNanos + this.periodNanos * i / threads;
			Thread thread = new Thread(() -> run(first), "load-" + name + "-" + i);
			thread.setDaemon(true);
			this.threads.add(thread);
		}
		this.threads.forEach(Thread::start);
	}

	/**
	 * Start a load.
	 * @param name the load's name, for thread names and {@link Result#describe()}
	 * @param threads how many threads send requests
	 * @param rate the requests per second of all threads together
	 * @param request a request: returns the answer, throws when it fails
	 * @return the running load
	 */
	public static FixedRateLoad start(String name, int threads, double rate, Callable<String> request) {
		return new FixedRateLoad(name, threads, rate, request);
	}

	private void run(long first) {
		long next = first;
		while (this.running) {
			long wait = next - System.nanoTime();
			if (wait > 0) {
				LockSupport.parkNanos(wait);
				continue;
			}
			next = Math.max(next + this.periodNanos, System.nanoTime());
			this.sent.incrementAndGet();
			try {
				String answer = this.request.call();
				this.answers.computeIfAbsent(answer, (key) -> new AtomicLong()).incrementAndGet();
				this.lastAnswered.put(answer, System.nanoTime());
				this.answered.incrementAndGet();
			}
			catch (Exception ex) {
				this.failed.incrementAndGet();
				if (this.failures.size() < KEPT_FAILURES) {
					this.failures.add(describe(ex));
				}
			}
		}
	}

	private static String describe(Throwable failure) {
		StringBuilder description = new StringBuilder(failure.toString());
		for (Throwable cause = failure.getCause(); cause != null
				&& cause != cause.getCause(); cause = cause.getCause()) {
			description.append(" <- ").append(cause);
		}
		return description.toString();
	}

	/**
	 * Return how many requests were answered so far.
	 * @return the count
	 */
	public long answered() {
		return this.answered.get();
	}

	/**
	 * Return how many requests failed so far.
	 * @return the count
	 */
	public long failed() {
		return this.failed.get();
	}

	/**
	 * Return how many requests gave an answer so far.
	 * @param answer the answer
	 * @return the count
	 */
	public long answers(String answer) {
		AtomicLong count = this.answers.get(answer);
		return (count != null) ? count.get() : 0;
	}

	/**
	 * Return when a request last gave an answer.
	 * @param answer the answer
	 * @return the {@link System#nanoTime()} it last came, or {@code null} if never
	 */
	public @Nullable Long lastAnswered(String answer) {
		return this.lastAnswered.get(answer);
	}

	/**
	 * Stop sending and wait for the requests in flight to end.
	 * @return what happened
	 */
	public Result stop() {
		if (this.running) {
			this.running = false;
			this.stopNanos = System.nanoTime();
			for (Thread thread : this.threads) {
				try {
					thread.join(TimeUnit.SECONDS.toMillis(60));
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					break;
				}
			}
		}
		Map<String, Long> counts = new TreeMap<>();
		this.answers.forEach((answer, count) -> counts.put(answer, count.get()));
		double seconds = (this.stopNanos - this.startNanos) / 1e9;
		return new Result(this.name, this.sent.get(), this.answered.get(), this.failed.get(),
				List.copyOf(this.failures), counts, seconds);
	}

	/**
	 * Stop the load if it still runs.
	 */
	@Override
	public void close() {
		stop();
	}

	/**
	 * What a load did.
	 *
	 * @param name the load's name
	 * @param sent the requests sent
	 * @param answered the requests answered
	 * @param failed the requests that failed
	 * @param failures the first failures (up to 20), each with its causes
	 * @param answers how many requests got each answer
	 * @param seconds how long the load ran
	 */
	public record Result(String name, long sent, long answered, long failed, List<String> failures,
			Map<String, Long> answers, double seconds) {

		/**
		 * Return the rate the load achieved.
		 * @return requests sent per second
		 */
		public double rate() {
			return (this.seconds > 0) ? this.sent / this.seconds : 0;
		}

		/**
		 * Return a one-line description: sent, failed, rate and the answers.
		 * @return the description
		 */
		public String describe() {
			return String.format(Locale.ROOT, "sent=%d failed=%d rate=%.0f duration=%.1fs answers=%s", this.sent,
					this.failed, rate(), this.seconds, this.answers);
		}

	}

}
