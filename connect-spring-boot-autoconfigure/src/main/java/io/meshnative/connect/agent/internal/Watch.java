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

package io.meshnative.connect.agent.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * Keeps the value of an {@link AgentQuery} current with Consul blocking queries,
 * following Consul's rules:
 * <ul>
 * <li>the first call does not block; later calls send the last {@code X-Consul-Index}
 * (or, for hash-style endpoints, only the {@code X-Consul-ContentHash}) with an explicit
 * {@code wait};</li>
 * <li>an index that goes backwards resets to 0 (a non-blocking call follows); an index of
 * 0 or less is sent as 1;</li>
 * <li>the read timeout exceeds {@code wait + wait/16} (the agent's jitter) plus a
 * margin;</li>
 * <li>a token bucket ({@link WatchRate}, {@link WatchRate#DEFAULT} unless
 * {@link Builder#rateLimit(WatchRate) set}) limits the call rate, so a churning value
 * falls back to about one call per refill interval while a quiet one never waits;</li>
 * <li>errors back off exponentially with jitter, up to a cap, and the backoff resets
 * after a success;</li>
 * <li>after a call that could not reach the agent, the next call does not block: the
 * agent may have been replaced by a new one whose index is lower, which would otherwise
 * hold the call for the whole {@code wait};</li>
 * <li>the change handler runs only when the decoded value differs from the last one it
 * accepted.</li>
 * </ul>
 * Each change the handler accepts is reported to the {@link Listener#onApplied listeners}
 * with its apply latency: from when the change could first be seen to the handler's
 * return. A change can be seen once the answer that carries it arrives, or earlier by as
 * long as the call that fetched it was held back (by the rate limit or a backoff) after
 * it was due, since the change may have been waiting at the agent all that time. A watch
 * holds no thread while it waits: calls are asynchronous and delays are scheduled.
 * {@link #stop()} cancels the call in flight and any scheduled retry.
 *
 * @param <T> the value type
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class Watch<T> implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(Watch.class);

	/**
	 * Largest {@code wait} the agent accepts ({@code max_query_time} default).
	 */
	public static final Duration MAX_WAIT = Duration.ofMinutes(10);

	private final ConsulAgentClient client;

	private final AgentQuery<T> query;

	private final Duration wait;

	private final Duration timeoutMargin;

	private final TokenBucket bucket;

	private final Duration initialBackoff;

	private final Duration maxBackoff;

	private final Consumer<? super T> handler;

	private final Listener listener;

	private final LongSupplier ticker;

	private final Object monitor = new Object();

	private boolean running;

	private long index;

	private @Nullable String hash;

	private boolean fetched;

	private @Nullable T current;

	private int failures;

	private volatile @Nullable Instant lastSuccess;

	private volatile int consecutiveFailures;

	private @Nullable CompletableFuture<?> pending;

	private long dueSince;

	private Watch(Builder<T> builder, Consumer<? super T> handler) {
		this.client = builder.client;
		this.query = builder.query;
		this.wait = builder.wait;
		this.timeoutMargin = builder.timeoutMargin;
		this.ticker = builder.ticker;
		this.bucket = new TokenBucket(builder.rate.burst(), builder.rate.refill(), this.ticker.getAsLong());
		this.initialBackoff = builder.initialBackoff;
		this.maxBackoff = builder.maxBackoff;
		this.handler = handler;
		this.listener = builder.listener;
		AgentResponse<T> initial = builder.startFrom;
		if (initial != null) {
			this.fetched = true;
			this.current = initial.value();
			this.index = Math.max(1, initial.index());
			this.hash = initial.contentHash();
			this.lastSuccess = Instant.now();
		}
	}

	/**
	 * Create a builder for a watch of a query.
	 * @param <T> the value type
	 * @param client the agent client
	 * @param query the query to keep current
	 * @return the builder
	 */
	public static <T> Builder<T> builder(ConsulAgentClient client, AgentQuery<T> query) {
		return new Builder<>(client, query);
	}

	/**
	 * Start watching; the first call is made at once.
	 * @return this watch
	 */
	public Watch<T> start() {
		synchronized (this.monitor) {
			if (this.running) {
				return this;
			}
			this.running = true;
			this.dueSince = this.ticker.getAsLong();
		}
		this.client.watchStarted(this);
		next();
		return this;
	}

	/**
	 * Stop watching: the call in flight is cancelled and no further call is made.
	 * Idempotent.
	 */
	public void stop() {
		CompletableFuture<?> toCancel;
		synchronized (this.monitor) {
			this.running = false;
			toCancel = this.pending;
			this.pending = null;
		}
		this.client.watchStopped(this);
		if (toCancel != null) {
			toCancel.cancel(true);
		}
	}

	@Override
	public void close() {
		stop();
	}

	/**
	 * Return whether the watch runs.
	 * @return whether it runs
	 */
	public boolean isRunning() {
		synchronized (this.monitor) {
			return this.running;
		}
	}

	/**
	 * Return the last value the handler accepted.
	 * @return the value, or {@code null} before the first one
	 */
	public @Nullable T getCurrent() {
		synchronized (this.monitor) {
			return this.current;
		}
	}

	/**
	 * Return when the agent last answered successfully.
	 * @return the time, or {@code null} before the first answer
	 */
	public @Nullable Instant getLastSuccess() {
		return this.lastSuccess;
	}

	/**
	 * Return the number of failed calls since the last success.
	 * @return the consecutive failures, {@code 0} while the agent answers
	 */
	public int getConsecutiveFailures() {
		return this.consecutiveFailures;
	}

	/**
	 * Return the query this watch keeps current.
	 * @return the query
	 */
	public AgentQuery<T> getQuery() {
		return this.query;
	}

	/**
	 * Return the {@code wait} sent with blocking calls.
	 * @return the wait
	 */
	public Duration getWait() {
		return this.wait;
	}

	/**
	 * Return the read timeout of blocking calls: {@code wait + wait/16 + margin}.
	 * @return the read timeout
	 */
	public Duration getBlockingTimeout() {
		return blockingTimeout(this.wait);
	}

	private Duration blockingTimeout(Duration wait) {
		return wait.plus(wait.dividedBy(16)).plus(this.timeoutMargin);
	}

	private void next() {
		long delayNanos = this.bucket.reserve(this.ticker.getAsLong());
		if (delayNanos > 0) {
			schedule(Duration.ofNanos(delayNanos));
		}
		else {
			call();
		}
	}

	private void schedule(Duration delay) {
		synchronized (this.monitor) {
			if (!this.running) {
				return;
			}
			this.pending = CompletableFuture.runAsync(this::next,
					CompletableFuture.delayedExecutor(delay.toNanos(), TimeUnit.NANOSECONDS));
		}
	}

	private void call() {
		WatchSlots slots = this.client.getWatchSlots();
		if (slots == null) {
			send(null, null);
			return;
		}
		CompletableFuture<WatchSlots.Slot> granted = slots.acquire();
		synchronized (this.monitor) {
			if (!this.running) {
				granted.cancel(false);
			}
			else if (!granted.isDone()) {
				this.pending = granted;
			}
		}
		granted.thenAccept((slot) -> send(slots, slot));
	}

	private void send(@Nullable WatchSlots slots, WatchSlots.@Nullable Slot slot) {
		synchronized (this.monitor) {
			if (!this.running) {
				if (slots != null && slot != null) {
					slots.release(slot);
				}
				return;
			}
			boolean blocking;
			long sendIndex = 0;
			String sendHash = null;
			if (this.query.getStyle() == AgentQuery.Style.HASH) {
				sendHash = this.hash;
				blocking = sendHash != null;
			}
			else {
				blocking = this.fetched && this.index > 0;
				sendIndex = blocking ? this.index : 0;
			}
			Duration wait = (slots != null && slot != null) ? slots.waitFor(this.wait, slot) : this.wait;
			Duration timeout = blocking ? blockingTimeout(wait) : this.client.getRequestTimeout();
			if (logger.isDebugEnabled()) {
				logger.debug("Watch " + this.query + ": calling with index=" + sendIndex + " hash=" + sendHash);
			}
			long heldNanos = Math.max(0, this.ticker.getAsLong() - this.dueSince);
			CompletableFuture<AgentResponse<T>> call = this.client.send(this.query, sendIndex, sendHash,
					blocking ? wait : null, timeout);
			this.pending = call;
			call.whenComplete((response, failure) -> {
				if (slots != null && slot != null) {
					slots.release(slot);
				}
				completed(response, failure, heldNanos);
			});
		}
	}

	private void completed(@Nullable AgentResponse<T> response, @Nullable Throwable failure, long heldNanos) {
		if (failure != null || response == null) {
			failed(failure);
			return;
		}
		long arrived = this.ticker.getAsLong();
		T accepted = null;
		boolean change = false;
		boolean recovered;
		synchronized (this.monitor) {
			if (!this.running) {
				return;
			}
			recovered = this.failures > 0;
			if (recovered) {
				logger.info("Watch " + this.query + " recovered after " + this.failures + " failed call(s)");
			}
			this.failures = 0;
			this.consecutiveFailures = 0;
			this.lastSuccess = Instant.now();
			updatePosition(response);
			if (!this.fetched || !Objects.equals(this.current, response.value())) {
				accepted = response.value();
				change = this.fetched;
			}
			this.fetched = true;
		}
		if (accepted != null) {
			if (logger.isDebugEnabled()) {
				logger.debug("Watch " + this.query + ": new value at index " + response.index());
			}
			if (accept(accepted) && change) {
				applied(Duration.ofNanos(heldNanos + (this.ticker.getAsLong() - arrived)));
			}
		}
		if (recovered) {
			this.listener.onRecovered(this.query);
			for (Listener clientListener : this.client.getWatchListeners()) {
				clientListener.onRecovered(this.query);
			}
		}
		due();
		next();
	}

	private void due() {
		synchronized (this.monitor) {
			this.dueSince = this.ticker.getAsLong();
		}
	}

	private void applied(Duration latency) {
		if (logger.isDebugEnabled()) {
			logger
				.debug("Watch " + this.query + ": change applied " + latency.toMillis() + "ms after it could be seen");
		}
		this.listener.onApplied(this.query, latency);
		for (Listener clientListener : this.client.getWatchListeners()) {
			clientListener.onApplied(this.query, latency);
		}
	}

	private void updatePosition(AgentResponse<T> response) {
		if (this.query.getStyle() == AgentQuery.Style.HASH) {
			this.hash = response.contentHash();
			return;
		}
		long received = Math.max(1, response.index());
		if (received < this.index) {
			if (logger.isDebugEnabled()) {
				logger.debug("Watch " + this.query + ": index went backwards (" + this.index + " -> " + received
						+ "); resetting to 0");
			}
			this.index = 0;
		}
		else {
			this.index = received;
		}
	}

	private boolean accept(T value) {
		try {
			this.handler.accept(value);
			synchronized (this.monitor) {
				this.current = value;
			}
			return true;
		}
		catch (RuntimeException ex) {
			logger.warn("Watch " + this.query + ": the new value was rejected (" + ex.getMessage()
					+ "); keeping the last good value");
			this.listener.onRejected(this.query, ex);
			for (Listener clientListener : this.client.getWatchListeners()) {
				clientListener.onRejected(this.query, ex);
			}
			return false;
		}
	}

	private void failed(@Nullable Throwable failure) {
		Throwable cause = ConsulAgentClient.unwrap(failure);
		ConsulAgentException exception = (cause instanceof ConsulAgentException agentException) ? agentException
				: new ConsulAgentException(this.query.describe(), this.client.getAddress().toString(), 0,
						String.valueOf(cause), null, this.client.isServer(), cause);
		int attempt;
		Duration delay;
		synchronized (this.monitor) {
			if (!this.running) {
				return;
			}
			this.failures++;
			attempt = this.failures;
			this.consecutiveFailures = attempt;
			delay = backoff(attempt);
			if (exception.isUnreachable()) {
				this.index = 0;
				this.hash = null;
			}
		}
		if (attempt == 1) {
			logger.warn("Watch " + this.query + " failed, retrying in " + delay.toMillis() + "ms: "
					+ exception.getMessage());
		}
		else if (logger.isDebugEnabled()) {
			logger.debug("Watch " + this.query + " failed " + attempt + " times, retrying in " + delay.toMillis()
					+ "ms: " + exception.getMessage());
		}
		this.listener.onError(this.query, exception, attempt, delay);
		for (Listener clientListener : this.client.getWatchListeners()) {
			clientListener.onError(this.query, exception, attempt, delay);
		}
		due();
		schedule(delay);
	}

	/**
	 * Return the delay before retry {@code attempt}: {@code initial * 2^(attempt-1)},
	 * capped, with "equal jitter" (a random point in the upper half), so never more than
	 * the cap.
	 * @param attempt the number of consecutive failures, from 1
	 * @return the delay
	 */
	Duration backoff(int attempt) {
		long initial = this.initialBackoff.toNanos();
		long cap = this.maxBackoff.toNanos();
		int shift = Math.min(attempt - 1, 30);
		long base = (initial > (cap >> shift)) ? cap : Math.min(cap, initial << shift);
		long half = base / 2;
		return Duration.ofNanos(half + ThreadLocalRandom.current().nextLong(half + 1));
	}

	@Override
	public String toString() {
		return "Watch[" + this.query + "]";
	}

	/**
	 * Callbacks about a watch's failures, for logs and metrics.
	 */
	public interface Listener {

		/**
		 * Called after a failed call, before the retry is scheduled.
		 * @param query the query
		 * @param exception what went wrong
		 * @param consecutiveFailures the number of failures since the last success
		 * @param retryIn the delay before the next call
		 */
		default void onError(AgentQuery<?> query, ConsulAgentException exception, int consecutiveFailures,
				Duration retryIn) {
		}

		/**
		 * Called when the change handler rejected a new value (threw); the last good
		 * value stays current.
		 * @param query the query
		 * @param exception what the handler threw
		 */
		default void onRejected(AgentQuery<?> query, RuntimeException exception) {
		}

		/**
		 * Called after the first successful call that follows failed ones, once the
		 * change handler has seen the answer if it changed; the value may be the same as
		 * before the failures.
		 * @param query the query
		 */
		default void onRecovered(AgentQuery<?> query) {
		}

		/**
		 * Called when the change handler accepted a new value (not the first one, which
		 * is loaded rather than changed), with how long the change took to apply: from
		 * when it could first be seen (the answer that carried it arrived, less the time
		 * the call that fetched it was held back by the rate limit or a backoff) to the
		 * handler's return.
		 * @param query the query
		 * @param latency the apply latency
		 */
		default void onApplied(AgentQuery<?> query, Duration latency) {
		}

	}

	/**
	 * Builder for {@link Watch}.
	 *
	 * @param <T> the value type
	 */
	public static final class Builder<T> {

		private final ConsulAgentClient client;

		private final AgentQuery<T> query;

		private Duration wait = Duration.ofMinutes(5);

		private Duration timeoutMargin = Duration.ofSeconds(5);

		private WatchRate rate = WatchRate.DEFAULT;

		private Duration initialBackoff = Duration.ofSeconds(1);

		private Duration maxBackoff = Duration.ofMinutes(1);

		private Listener listener = new Listener() {
		};

		private @Nullable AgentResponse<T> startFrom;

		private LongSupplier ticker = System::nanoTime;

		private Builder(ConsulAgentClient client, AgentQuery<T> query) {
			this.client = client;
			this.query = query;
		}

		/**
		 * Set the {@code wait} sent with blocking calls: at most {@link #MAX_WAIT}.
		 * @param wait the wait
		 * @return this builder
		 */
		public Builder<T> wait(Duration wait) {
			Assert.isTrue(!wait.isNegative() && !wait.isZero(), "'wait' must be positive");
			Assert.isTrue(wait.compareTo(MAX_WAIT) <= 0, () -> "'wait' must be at most " + MAX_WAIT + " (was " + wait
					+ "); the agent caps blocking queries at max_query_time");
			this.wait = wait;
			return this;
		}

		/**
		 * Set the margin added to {@code wait + wait/16} for the read timeout of blocking
		 * calls.
		 * @param timeoutMargin the margin
		 * @return this builder
		 */
		public Builder<T> timeoutMargin(Duration timeoutMargin) {
			this.timeoutMargin = timeoutMargin;
			return this;
		}

		/**
		 * Set the token bucket that limits the call rate.
		 * @param burst the number of calls that may follow each other without waiting
		 * @param refillInterval the time in which one more call becomes available
		 * @return this builder
		 */
		public Builder<T> rateLimit(int burst, Duration refillInterval) {
			return rateLimit(new WatchRate(burst, refillInterval));
		}

		/**
		 * Set the token bucket that limits the call rate, one of the {@link WatchRate}
		 * kinds; {@link WatchRate#DEFAULT} unless set.
		 * @param rate the rate
		 * @return this builder
		 */
		public Builder<T> rateLimit(WatchRate rate) {
			this.rate = rate;
			return this;
		}

		/**
		 * Set the backoff after failed calls.
		 * @param initial the delay after the first failure
		 * @param max the longest delay
		 * @return this builder
		 */
		public Builder<T> backoff(Duration initial, Duration max) {
			Assert.isTrue(!initial.isNegative() && !initial.isZero(), "'initial' must be positive");
			Assert.isTrue(max.compareTo(initial) >= 0, "'max' must not be less than 'initial'");
			this.initialBackoff = initial;
			this.maxBackoff = max;
			return this;
		}

		/**
		 * Set the listener told about failures and rejected values.
		 * @param listener the listener
		 * @return this builder
		 */
		public Builder<T> listener(Listener listener) {
			this.listener = listener;
			return this;
		}

		/**
		 * Start from an answer already obtained (for example at start-up): the first call
		 * then blocks on its index or hash instead of fetching again, and the handler
		 * runs only for values that differ from it.
		 * @param response the answer to start from
		 * @return this builder
		 */
		public Builder<T> startFrom(AgentResponse<T> response) {
			this.startFrom = response;
			return this;
		}

		/**
		 * Set the source of {@link System#nanoTime()}-like readings that the rate limit
		 * and the apply latency are measured with, for tests.
		 * @param ticker the ticker
		 * @return this builder
		 */
		Builder<T> ticker(LongSupplier ticker) {
			this.ticker = ticker;
			return this;
		}

		/**
		 * Build the watch; it does nothing until {@link Watch#start()}.
		 * @param handler called with each new value; throwing rejects the value and keeps
		 * the last good one
		 * @return the watch
		 */
		public Watch<T> build(Consumer<? super T> handler) {
			return new Watch<>(this, handler);
		}

	}

	/**
	 * A token bucket: {@code capacity} tokens, one more every {@code interval}; each call
	 * takes one.
	 */
	static final class TokenBucket {

		private final int capacity;

		private final long intervalNanos;

		private double tokens;

		private long updated;

		TokenBucket(int capacity, Duration interval, long now) {
			this.capacity = capacity;
			this.intervalNanos = interval.toNanos();
			this.tokens = capacity;
			this.updated = now;
		}

		/**
		 * Take a token if one is available.
		 * @param now the current {@link System#nanoTime()}
		 * @return {@code 0} if a token was taken, else the nanoseconds until one is
		 * available
		 */
		synchronized long reserve(long now) {
			if (this.intervalNanos <= 0) {
				return 0;
			}
			this.tokens = Math.min(this.capacity, this.tokens + (double) (now - this.updated) / this.intervalNanos);
			this.updated = now;
			if (this.tokens >= 1) {
				this.tokens -= 1;
				return 0;
			}
			return (long) Math.ceil((1 - this.tokens) * this.intervalNanos);
		}

	}

}
