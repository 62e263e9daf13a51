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

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.meshnative.connect.test.FakeConsulAgent;
import io.meshnative.connect.test.FakeResponse;
import io.meshnative.connect.test.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link Watch} against a {@link FakeConsulAgent}: each of Consul's
 * blocking-query rules.
 *
 * @author connect-spring-boot authors
 */
class WatchTests {

	private static final Duration TAKE = Duration.ofSeconds(10);

	private FakeConsulAgent agent;

	private ConsulAgentClient client;

	private final List<Watch<?>> watches = new ArrayList<>();

	private final RecordingListener listener = new RecordingListener();

	@BeforeEach
	void setUp() {
		this.agent = FakeConsulAgent.start();
		this.client = ConsulAgentClient.builder(URI.create(this.agent.getHttpAddress()))
			.requestTimeout(Duration.ofSeconds(5))
			.build();
	}

	@AfterEach
	void tearDown() {
		this.watches.forEach(Watch::stop);
		this.client.close();
		this.agent.close();
	}

	@Test
	void firstCallHasNoIndexAndNoWaitThenBlocksOnTheReceivedIndex() {
		this.agent.enqueue(roots("a").index(42));
		List<CaRoots> seen = new CopyOnWriteArrayList<>();
		start(watch(AgentQuery.caRoots()).wait(Duration.ofSeconds(30)).build(seen::add));
		RecordedRequest first = this.agent.takeRequest(TAKE);
		assertThat(first.path()).isEqualTo("/v1/agent/connect/ca/roots");
		assertThat(first.hasQueryParameter("index")).isFalse();
		assertThat(first.hasQueryParameter("wait")).isFalse();
		RecordedRequest second = this.agent.takeRequest(TAKE);
		assertThat(second.queryParameter("index")).isEqualTo("42");
		assertThat(second.queryParameter("wait")).isEqualTo("30s");
		assertThat(seen).extracting(CaRoots::activeRootId).containsExactly("a");
	}

	@Test
	void staleReadsMarkEveryServerReadIncludingBlockingCallsButNoAgentEndpoint() {
		try (ConsulAgentClient stale = ConsulAgentClient.builder(URI.create(this.agent.getHttpAddress()))
			.staleReads(Duration.ofSeconds(10))
			.build()) {
			this.agent.enqueue(FakeResponse.json("[]").index(42));
			this.agent.setDispatcher((request) -> request.path().startsWith("/v1/agent/") ? roots("a") : null);
			start(Watch.builder(stale, AgentQuery.connectHealth("web", true, null, null))
				.wait(Duration.ofSeconds(30))
				.build((value) -> {
				}));
			RecordedRequest first = this.agent.takeRequest(TAKE);
			RecordedRequest blocking = this.agent.takeRequest(TAKE);
			for (RecordedRequest read : List.of(first, blocking)) {
				assertThat(read.path()).isEqualTo("/v1/health/connect/web");
				assertThat(read.hasQueryParameter("stale")).isTrue();
				assertThat(read.queryParameter("max_stale")).isEqualTo("10s");
				assertThat(read.hasQueryParameter("passing")).isTrue();
			}
			assertThat(blocking.queryParameter("index")).isEqualTo("42");
			assertThat(blocking.queryParameter("wait")).isEqualTo("30s");
			stale.getCaRoots();
			RecordedRequest agentRead = this.agent.takeRequest(TAKE);
			assertThat(agentRead.path()).isEqualTo("/v1/agent/connect/ca/roots");
			assertThat(agentRead.query()).doesNotContainKeys("stale", "max_stale");
		}
	}

	@Test
	void staleReadsNeedAPositiveBound() {
		ConsulAgentClient.Builder builder = ConsulAgentClient.builder(URI.create(this.agent.getHttpAddress()));
		assertThatIllegalArgumentException().isThrownBy(() -> builder.staleReads(Duration.ZERO))
			.withMessageContaining("'maxStale' must be positive");
		assertThatIllegalArgumentException().isThrownBy(() -> builder.staleReads(Duration.ofSeconds(-1)));
	}

	@Test
	void indexGoingBackwardsResetsToZero() {
		this.agent.enqueue(roots("a").index(100));
		this.agent.enqueue(roots("b").index(50));
		this.agent.enqueue(roots("b").index(50));
		List<CaRoots> seen = new CopyOnWriteArrayList<>();
		start(watch(AgentQuery.caRoots()).build(seen::add));
		assertThat(this.agent.takeRequest(TAKE).hasQueryParameter("index")).isFalse();
		assertThat(this.agent.takeRequest(TAKE).queryParameter("index")).isEqualTo("100");
		RecordedRequest afterReset = this.agent.takeRequest(TAKE);
		assertThat(afterReset.hasQueryParameter("index")).as("index reset to 0 after going backwards").isFalse();
		assertThat(this.agent.takeRequest(TAKE).queryParameter("index")).isEqualTo("50");
		assertThat(seen).extracting(CaRoots::activeRootId).containsExactly("a", "b");
	}

	@Test
	void indexZeroOrAbsentIsSentAsOne() {
		this.agent.enqueue(roots("a").index(0));
		this.agent.enqueue(roots("a"));
		start(watch(AgentQuery.caRoots()).build((value) -> {
		}));
		this.agent.takeRequest(TAKE);
		assertThat(this.agent.takeRequest(TAKE).queryParameter("index")).isEqualTo("1");
		assertThat(this.agent.takeRequest(TAKE).queryParameter("index")).isEqualTo("1");
	}

	@Test
	void handlerRunsOnlyWhenTheValueChanged() {
		this.agent.enqueue(roots("a").index(1));
		this.agent.enqueue(roots("a").index(2));
		this.agent.enqueue(roots("a").index(3));
		this.agent.enqueue(roots("b").index(4));
		List<CaRoots> seen = new CopyOnWriteArrayList<>();
		start(watch(AgentQuery.caRoots()).rateLimit(10, Duration.ZERO).build(seen::add));
		await().atMost(TAKE).until(() -> this.agent.getRequestCount() >= 5);
		assertThat(seen).extracting(CaRoots::activeRootId).containsExactly("a", "b");
	}

	@Test
	void serverErrorsBackOffWithGrowingCappedJitteredDelaysAndRecover() {
		for (int i = 0; i < 8; i++) {
			this.agent.enqueue(FakeResponse.status(500, "rpc error: No cluster leader"));
		}
		this.agent.enqueue(roots("a").index(7));
		List<Duration> delays = this.listener.delays;
		List<Integer> attempts = this.listener.attempts;
		List<CaRoots> seen = new CopyOnWriteArrayList<>();
		Watch<CaRoots> watch = start(watch(AgentQuery.caRoots()).backoff(Duration.ofMillis(10), Duration.ofMillis(80))
			.rateLimit(100, Duration.ZERO)
			.listener(this.listener)
			.build(seen::add));
		await().atMost(TAKE).until(() -> !seen.isEmpty());
		assertThat(attempts).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
		assertThat(this.listener.errors.get(0).getMessage()).contains("GET /v1/agent/connect/ca/roots")
			.contains(this.agent.getHttpAddress())
			.contains("HTTP 500")
			.contains("No cluster leader");
		assertThat(delays.get(0)).isBetween(Duration.ofMillis(5), Duration.ofMillis(10));
		assertThat(delays.get(1)).isBetween(Duration.ofMillis(10), Duration.ofMillis(20));
		assertThat(delays.get(2)).isBetween(Duration.ofMillis(20), Duration.ofMillis(40));
		assertThat(delays.subList(3, 8))
			.allSatisfy((delay) -> assertThat(delay).isBetween(Duration.ofMillis(40), Duration.ofMillis(80)));
		assertThat(delays).as("jittered").doesNotHaveDuplicates();
		assertThat(watch.getLastSuccess()).isNotNull();
		assertThat(seen).extracting(CaRoots::activeRootId).containsExactly("a");
	}

	@Test
	void backoffResetsAfterASuccess() {
		Watch<CaRoots> watch = watch(AgentQuery.caRoots()).backoff(Duration.ofSeconds(1), Duration.ofSeconds(64))
			.build((value) -> {
			});
		for (int attempt = 1; attempt <= 7; attempt++) {
			long base = 1000L << (attempt - 1);
			assertThat(watch.backoff(attempt).toMillis()).isBetween(base / 2, base);
		}
		assertThat(watch.backoff(40)).isLessThanOrEqualTo(Duration.ofSeconds(64));
		this.agent.enqueue(FakeResponse.status(500, "boom"));
		this.agent.enqueue(FakeResponse.status(500, "boom"));
		this.agent.enqueue(roots("a").index(3));
		this.agent.enqueue(FakeResponse.status(500, "boom"));
		List<Integer> attempts = this.listener.attempts;
		start(watch(AgentQuery.caRoots()).backoff(Duration.ofMillis(5), Duration.ofMillis(20))
			.rateLimit(100, Duration.ZERO)
			.listener(this.listener)
			.build((value) -> {
			}));
		await().atMost(TAKE).until(() -> attempts.size() >= 3);
		assertThat(attempts).startsWith(1, 2, 1);
	}

	@Test
	void churnIsBoundedByTheTokenBucket() {
		AtomicLong index = new AtomicLong();
		this.agent.setDispatcher((request) -> {
			long next = index.incrementAndGet();
			return roots("r" + next).index(next);
		});
		AtomicInteger changes = new AtomicInteger();
		Duration refill = Duration.ofMillis(100);
		long started = System.nanoTime();
		start(watch(AgentQuery.caRoots()).rateLimit(2, refill).build((value) -> changes.incrementAndGet()));
		await().atMost(TAKE).until(() -> changes.get() >= 8);
		List<RecordedRequest> requests = this.agent.getRequests();
		long elapsedToEighth = requests.get(7).receivedNanos() - started;
		assertThat(Duration.ofNanos(elapsedToEighth))
			.as("8 calls with a burst of 2 need at least 6 refills of %s", refill)
			.isGreaterThanOrEqualTo(refill.multipliedBy(6).minusMillis(20));
	}

	@Test
	void defaultRateIsTheConfigRateOfABurstOfFiveThenOneCallPer500Ms() {
		assertThat(WatchRate.DEFAULT).isEqualTo(WatchRate.CONFIG).isEqualTo(new WatchRate(5, Duration.ofMillis(500)));
		AtomicLong index = new AtomicLong();
		this.agent.setDispatcher((request) -> {
			long next = index.incrementAndGet();
			return roots("r" + next).index(next);
		});
		AtomicLong ticker = new AtomicLong();
		Watch<CaRoots> watch = Watch.builder(this.client, AgentQuery.caRoots()).ticker(ticker::get).build((value) -> {
		});
		start(watch);
		await().atMost(TAKE).until(() -> this.agent.getRequestCount() >= 5);
		await().during(Duration.ofMillis(700))
			.atMost(TAKE)
			.untilAsserted(() -> assertThat(this.agent.getRequestCount()).as("a burst of 5, then no time has passed")
				.isEqualTo(5));
		ticker.addAndGet(Duration.ofMillis(500).toNanos());
		await().atMost(TAKE).until(() -> this.agent.getRequestCount() >= 6);
		await().during(Duration.ofMillis(700))
			.atMost(TAKE)
			.untilAsserted(() -> assertThat(this.agent.getRequestCount()).as("one call per 500 ms").isEqualTo(6));
	}

	@Test
	void appliedChangeReportsTheHandlerTimePlusTheTimeItsCallWasHeldBack() {
		this.agent.enqueue(roots("a").index(1));
		this.agent.enqueue(FakeResponse.status(500, "boom"));
		this.agent.enqueue(roots("b").index(2));
		AtomicLong offset = new AtomicLong();
		Duration handling = Duration.ofSeconds(3);
		List<CaRoots> seen = new CopyOnWriteArrayList<>();
		start(watch(AgentQuery.caRoots()).backoff(Duration.ofMillis(200), Duration.ofMillis(200))
			.ticker(() -> System.nanoTime() + offset.get())
			.listener(this.listener)
			.build((value) -> {
				if (value.activeRootId().equals("b")) {
					offset.addAndGet(handling.toNanos());
				}
				seen.add(value);
			}));
		await().atMost(TAKE).until(() -> !this.listener.applied.isEmpty());
		assertThat(seen).extracting(CaRoots::activeRootId).containsExactly("a", "b");
		assertThat(this.listener.delays).hasSize(1);
		Duration heldBack = this.listener.delays.get(0);
		assertThat(this.listener.applied).as("the first value is loaded, not applied as a change").hasSize(1);
		assertThat(this.listener.applied.get(0)).as("handler time %s plus backoff %s", handling, heldBack)
			.isGreaterThanOrEqualTo(handling.plus(heldBack))
			.isLessThan(handling.plus(heldBack).plus(TAKE));
	}

	@Test
	void unchangedAndRejectedValuesAreNotReportedAsApplied() {
		this.agent.enqueue(roots("a").index(1));
		this.agent.enqueue(roots("a").index(2));
		this.agent.enqueue(roots("bad").index(3));
		this.agent.enqueue(roots("c").index(4));
		List<String> appliedQueries = new CopyOnWriteArrayList<>();
		this.client.addWatchListener(new Watch.Listener() {

			@Override
			public void onApplied(AgentQuery<?> query, Duration latency) {
				appliedQueries.add(query.getPath());
			}

		});
		start(watch(AgentQuery.caRoots()).listener(this.listener).build((value) -> {
			if (value.activeRootId().equals("bad")) {
				throw new IllegalArgumentException("malformed");
			}
		}));
		await().atMost(TAKE).until(() -> this.agent.getRequestCount() >= 5);
		assertThat(this.listener.rejected).hasSize(1);
		assertThat(this.listener.applied).as("only c").hasSize(1);
		assertThat(appliedQueries).as("the client's listeners hear it too")
			.containsExactly("/v1/agent/connect/ca/roots");
	}

	@Test
	void hashStyleWatchSendsHashAndNeverIndex() {
		this.agent.enqueue(FakeResponse.json(service("v1")).contentHash("h1").index(99));
		this.agent.enqueue(FakeResponse.json(service("v2")).contentHash("h2"));
		List<AgentService> seen = new CopyOnWriteArrayList<>();
		start(watch(AgentQuery.agentService("web-1")).wait(Duration.ofMinutes(1)).build(seen::add));
		RecordedRequest first = this.agent.takeRequest(TAKE);
		assertThat(first.path()).isEqualTo("/v1/agent/service/web-1");
		assertThat(first.hasQueryParameter("hash")).isFalse();
		RecordedRequest second = this.agent.takeRequest(TAKE);
		assertThat(second.queryParameter("hash")).isEqualTo("h1");
		assertThat(second.queryParameter("wait")).isEqualTo("60s");
		RecordedRequest third = this.agent.takeRequest(TAKE);
		assertThat(third.queryParameter("hash")).isEqualTo("h2");
		assertThat(List.of(first, second, third))
			.allSatisfy((request) -> assertThat(request.hasQueryParameter("index")).isFalse());
		assertThat(seen).extracting((service) -> service.meta().get("version")).containsExactly("v1", "v2");
	}

	@Test
	void stoppedWatchMakesNoFurtherCalls() {
		this.agent.enqueue(roots("a").index(5));
		Watch<CaRoots> watch = start(watch(AgentQuery.caRoots()).build((value) -> {
		}));
		this.agent.takeRequest(TAKE);
		this.agent.takeRequest(TAKE);
		watch.stop();
		assertThat(watch.isRunning()).isFalse();
		int count = this.agent.getRequestCount();
		this.agent.setDefaultResponse(roots("b").index(6));
		await().during(Duration.ofMillis(500)).atMost(TAKE).until(() -> this.agent.getRequestCount() == count);
	}

	@Test
	void stoppedWatchDuringBackoffMakesNoFurtherCalls() {
		this.agent.setDefaultResponse(FakeResponse.status(500, "boom"));
		Watch<CaRoots> watch = start(watch(AgentQuery.caRoots()).backoff(Duration.ofMillis(200), Duration.ofMillis(200))
			.listener(this.listener)
			.build((value) -> {
			}));
		await().atMost(TAKE).until(() -> !this.listener.errors.isEmpty());
		watch.stop();
		int count = this.agent.getRequestCount();
		await().during(Duration.ofMillis(600)).atMost(TAKE).until(() -> this.agent.getRequestCount() == count);
	}

	@Test
	void slowAgentHitsTheReadTimeoutNotAHang() {
		this.agent.enqueue(roots("a").index(5));
		List<ConsulAgentException> errors = this.listener.errors;
		Watch<CaRoots> watch = start(watch(AgentQuery.caRoots()).wait(Duration.ofMillis(320))
			.timeoutMargin(Duration.ofMillis(100))
			.listener(this.listener)
			.build((value) -> {
			}));
		assertThat(watch.getBlockingTimeout()).isEqualTo(Duration.ofMillis(320 + 20 + 100));
		await().atMost(TAKE).until(() -> !errors.isEmpty());
		ConsulAgentException error = errors.get(0);
		assertThat(error.isUnreachable()).isTrue();
		assertThat(error.getMessage()).contains("GET /v1/agent/connect/ca/roots").contains("no answer within 440ms");
	}

	@Test
	void callThatCannotReachTheAgentMakesTheNextCallNonBlocking() {
		this.agent.enqueue(roots("a").index(100));
		this.agent.enqueue(FakeResponse.hang());
		this.agent.enqueue(roots("a").index(3));
		start(watch(AgentQuery.caRoots()).wait(Duration.ofMillis(320))
			.timeoutMargin(Duration.ofMillis(100))
			.build((value) -> {
			}));
		assertThat(this.agent.takeRequest(TAKE).hasQueryParameter("index")).isFalse();
		assertThat(this.agent.takeRequest(TAKE).queryParameter("index")).isEqualTo("100");
		RecordedRequest afterFailure = this.agent.takeRequest(TAKE);
		assertThat(afterFailure.hasQueryParameter("index"))
			.as("a new agent at the same address would hold index=100 for the whole wait")
			.isFalse();
		assertThat(afterFailure.hasQueryParameter("wait")).isFalse();
		assertThat(this.agent.takeRequest(TAKE).queryParameter("index")).isEqualTo("3");
	}

	@Test
	void rejectedValueKeepsTheLastGoodOne() {
		this.agent.enqueue(roots("good").index(1));
		this.agent.enqueue(roots("bad").index(2));
		List<RuntimeException> rejected = this.listener.rejected;
		Watch<CaRoots> watch = start(watch(AgentQuery.caRoots()).listener(this.listener).build((value) -> {
			if (value.activeRootId().equals("bad")) {
				throw new IllegalArgumentException("malformed");
			}
		}));
		await().atMost(TAKE).until(() -> !rejected.isEmpty());
		assertThat(watch.getCurrent()).isNotNull();
		assertThat(watch.getCurrent().activeRootId()).isEqualTo("good");
	}

	@Test
	void malformedBodyIsAnErrorThatNamesTheEndpoint() {
		this.agent.enqueue(FakeResponse.json("{not json").index(3));
		List<ConsulAgentException> errors = this.listener.errors;
		start(watch(AgentQuery.caRoots()).listener(this.listener).build((value) -> {
		}));
		await().atMost(TAKE).until(() -> !errors.isEmpty());
		assertThat(errors.get(0).getStatus()).isEqualTo(200);
		assertThat(errors.get(0).getMessage()).contains("could not be decoded").contains("/v1/agent/connect/ca/roots");
	}

	@Test
	void waitAboveTheAgentMaximumIsRejected() {
		Watch.Builder<CaRoots> builder = watch(AgentQuery.caRoots());
		org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
			.isThrownBy(() -> builder.wait(Duration.ofMinutes(11)))
			.withMessageContaining("max_query_time");
	}

	private <T> Watch.Builder<T> watch(AgentQuery<T> query) {
		return Watch.builder(this.client, query)
			.backoff(Duration.ofMillis(20), Duration.ofMillis(100))
			.rateLimit(100, Duration.ZERO);
	}

	private <T> Watch<T> start(Watch<T> watch) {
		this.watches.add(watch);
		return watch.start();
	}

	private static FakeResponse roots(String activeRootId) {
		return FakeResponse.json("{\"ActiveRootID\":\"" + activeRootId
				+ "\",\"TrustDomain\":\"11111111-2222-3333-4444-555555555555.consul\",\"Roots\":[{\"ID\":\""
				+ activeRootId + "\",\"Name\":\"Consul CA Root Cert\",\"RootCert\":\"pem\",\"Active\":true}]}");
	}

	private static String service(String version) {
		return "{\"ID\":\"web-1\",\"Service\":\"web\",\"Port\":8443,\"Meta\":{\"version\":\"" + version
				+ "\"},\"Connect\":{\"Native\":true},\"ContentHash\":\"ignored\"}";
	}

	/**
	 * Records what a watch reports.
	 */
	static final class RecordingListener implements Watch.Listener {

		final List<ConsulAgentException> errors = new CopyOnWriteArrayList<>();

		final List<Integer> attempts = new CopyOnWriteArrayList<>();

		final List<Duration> delays = new CopyOnWriteArrayList<>();

		final List<RuntimeException> rejected = new CopyOnWriteArrayList<>();

		final List<Duration> applied = new CopyOnWriteArrayList<>();

		@Override
		public void onError(AgentQuery<?> query, ConsulAgentException exception, int consecutiveFailures,
				Duration retryIn) {
			this.errors.add(exception);
			this.attempts.add(consecutiveFailures);
			this.delays.add(retryIn);
		}

		@Override
		public void onRejected(AgentQuery<?> query, RuntimeException exception) {
			this.rejected.add(exception);
		}

		@Override
		public void onApplied(AgentQuery<?> query, Duration latency) {
			this.applied.add(latency);
		}

	}

}
