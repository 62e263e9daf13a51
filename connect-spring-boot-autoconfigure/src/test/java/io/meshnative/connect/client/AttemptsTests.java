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

package io.meshnative.connect.client;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Collections;
import java.util.List;

import javax.net.ssl.SSLHandshakeException;

import io.meshnative.connect.discovery.internal.RetryPolicy;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.timeout.ReadTimeoutException;
import org.junit.jupiter.api.Test;
import reactor.netty.channel.AbortedException;
import reactor.netty.http.client.PrematureCloseException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link Attempts}.
 *
 * @author connect-spring-boot authors
 */
class AttemptsTests {

	@Test
	void failuresBeforeAnythingWasSentAreNotSent() {
		assertThat(Attempts.classify(new ConnectException("Connection refused"))).isEqualTo(Attempts.Failure.NOT_SENT);
		assertThat(Attempts.classify(new ConnectTimeoutException("connection timed out")))
			.isEqualTo(Attempts.Failure.NOT_SENT);
		assertThat(Attempts.classify(new SSLHandshakeException("refused"))).isEqualTo(Attempts.Failure.NOT_SENT);
		assertThat(Attempts.classify(AbortedException.beforeSend())).isEqualTo(Attempts.Failure.NOT_SENT);
		assertThat(Attempts.classify(new RuntimeException("wrapped", new IOException(
				"Error while acquiring from reactor.netty.internal.shaded.reactor.pool.SimpleDequePool@2709267b"))))
			.isEqualTo(Attempts.Failure.NOT_SENT);
		assertThat(Attempts.classify(new RuntimeException("wrapped", new ConnectException("Connection refused"))))
			.isEqualTo(Attempts.Failure.NOT_SENT);
	}

	@Test
	void closedOrResetBeforeTheResponseIsAReset() throws Exception {
		assertThat(Attempts.classify(prematureClose("Connection prematurely closed BEFORE response")))
			.isEqualTo(Attempts.Failure.RESET);
		assertThat(Attempts
			.classify(prematureClose("Connection has been closed BEFORE response, while sending request body")))
			.isEqualTo(Attempts.Failure.RESET);
		assertThat(Attempts.classify(new IOException("Connection reset by peer"))).isEqualTo(Attempts.Failure.RESET);
		assertThat(Attempts.classify(new IOException("Broken pipe"))).isEqualTo(Attempts.Failure.RESET);
	}

	@Test
	void otherFailuresAreNeitherNotSentNorReset() throws Exception {
		assertThat(Attempts.classify(prematureClose("Connection prematurely closed DURING response")))
			.isEqualTo(Attempts.Failure.OTHER);
		assertThat(Attempts.classify(new SocketTimeoutException("Read timed out"))).isEqualTo(Attempts.Failure.OTHER);
		assertThat(Attempts.classify(new IllegalStateException("boom"))).isEqualTo(Attempts.Failure.OTHER);
	}

	@Test
	void anAttemptThatWasNotSentIsRetriedWithoutSpendingTheRoutesRetries() {
		Attempts attempts = new Attempts(RetryPolicy.NONE, "POST", true);
		for (int i = 0; i < 5; i++) {
			attempts.sending("10.0.0." + i + ":8443");
			assertThat(attempts.afterFailure("10.0.0." + i + ":8443", new ConnectException("Connection refused")))
				.isEqualTo(Attempts.Retry.TRANSPARENT);
		}
		assertThat(attempts.tried()).hasSize(5);
		assertThat(attempts.describeFailures()).contains("10.0.0.4:8443").contains("Connection refused");
	}

	@Test
	void anIdempotentRequestIsSentOnceMoreAfterAReset() {
		Attempts attempts = new Attempts(RetryPolicy.NONE, "get", true);
		assertThat(attempts.afterFailure("a:1", new IOException("Connection reset by peer")))
			.isEqualTo(Attempts.Retry.RESET);
		assertThat(attempts.afterFailure("b:1", new IOException("Connection reset by peer"))).isNull();
	}

	@Test
	void aNonIdempotentRequestIsNotSentAgainAfterAReset() {
		Attempts attempts = new Attempts(RetryPolicy.NONE, "POST", true);
		assertThat(attempts.afterFailure("a:1", new IOException("Connection reset by peer"))).isNull();
	}

	@Test
	void theResetRetryCanBeTurnedOff() {
		Attempts attempts = new Attempts(RetryPolicy.NONE, "GET", false);
		assertThat(attempts.afterFailure("a:1", new IOException("Connection reset by peer"))).isNull();
	}

	@Test
	void aResetSpendsTheRoutesRetriesWhenItsConditionsAskForIt() {
		Attempts attempts = new Attempts(new RetryPolicy(1, false, List.of("reset"), Collections.emptyList()), "POST",
				true);
		assertThat(attempts.afterFailure("a:1", new IOException("Connection reset by peer")))
			.isEqualTo(Attempts.Retry.ROUTE);
		assertThat(attempts.afterFailure("b:1", new IOException("Connection reset by peer"))).isNull();
	}

	@Test
	void statusesAreRetriedByTheRoutesCodesAndConditionsWithinItsBudget() {
		Attempts attempts = new Attempts(new RetryPolicy(2, false, List.of("gateway-error"), List.of(429)), "GET",
				true);
		attempts.sending("a:1");
		assertThat(attempts.afterStatus("a:1", 500)).isNull();
		assertThat(attempts.afterStatus("a:1", 503)).isEqualTo(Attempts.Retry.ROUTE);
		assertThat(attempts.tried()).doesNotContain("a:1");
		assertThat(attempts.afterStatus("a:1", 429)).isEqualTo(Attempts.Retry.ROUTE);
		assertThat(attempts.afterStatus("a:1", 503)).isNull();
	}

	@Test
	void fiveXxAndRetriable4xxConditions() {
		Attempts attempts = new Attempts(
				new RetryPolicy(3, false, List.of("5xx", "retriable-4xx"), Collections.emptyList()), "GET", true);
		assertThat(attempts.afterStatus("a:1", 404)).isNull();
		assertThat(attempts.afterStatus("a:1", 409)).isEqualTo(Attempts.Retry.ROUTE);
		assertThat(attempts.afterStatus("a:1", 500)).isEqualTo(Attempts.Retry.ROUTE);
	}

	@Test
	void aTimeoutIsNotRetried() {
		Attempts attempts = new Attempts(new RetryPolicy(3, true, List.of("reset"), Collections.emptyList()), "GET",
				true);
		assertThat(attempts.afterFailure("a:1", new SocketTimeoutException("Read timed out"))).isNull();
	}

	@Test
	void reactorNettysPendingLimitIsMaxPendingRequests() throws Exception {
		// the class Reactor Netty's pool (shaded reactor-pool) fails an acquisition with
		// when pendingAcquireMaxCount borrowers wait already
		Throwable refused = (Throwable) Class
			.forName("reactor.netty.internal.shaded.reactor.pool.PoolAcquirePendingLimitException")
			.getConstructor(int.class)
			.newInstance(1);
		UpstreamLimitExceededException overflow = Attempts.overflow(new IOException("wrapped", refused), "backend",
				"backend.default.default.dc1", 1);
		assertThat(overflow).isNotNull();
		assertThat(overflow.getLimit()).isEqualTo("MaxPendingRequests");
		assertThat(overflow.getUpstream()).isEqualTo("backend");
		assertThat(overflow).hasMessageContaining("Upstream 'backend'").hasMessageContaining("MaxPendingRequests = 1");
		assertThat(Attempts.overflow(new SocketTimeoutException(), "backend", "t", 1)).isNull();
	}

	@Test
	void aResponseTimeoutEndsTheCallNamingTheUpstreamTargetAndEndpoint() {
		SocketTimeoutException timeout = Attempts.timeout(new IOException(ReadTimeoutException.INSTANCE), "backend",
				"backend.default.default.dc1", "127.0.0.1:8443", Duration.ofSeconds(1));
		assertThat(timeout).isNotNull()
			.hasMessage("Upstream 'backend' (target backend.default.default.dc1, endpoint 127.0.0.1:8443) did not "
					+ "answer within the request timeout of 1000 ms")
			.hasRootCauseInstanceOf(ReadTimeoutException.class);
		assertThat(Attempts.timeout(new SocketTimeoutException(), "backend", "t", "e", null))
			.hasMessageContaining("15000 ms");
	}

	@Test
	void connectTimeoutsAndOtherFailuresAreNotResponseTimeouts() throws Exception {
		assertThat(Attempts.timeout(new ConnectTimeoutException("connection timed out"), "backend", "t", "e", null))
			.isNull();
		assertThat(Attempts.timeout(new IOException("Connection reset by peer"), "backend", "t", "e", null)).isNull();
		Throwable poolTimeout = (Throwable) Class
			.forName("reactor.netty.internal.shaded.reactor.pool.PoolAcquireTimeoutException")
			.getConstructor(Duration.class)
			.newInstance(Duration.ofSeconds(15));
		assertThat(Attempts.timeout(poolTimeout, "backend", "t", "e", null)).isNull();
	}

	private static PrematureCloseException prematureClose(String message) throws Exception {
		Constructor<PrematureCloseException> constructor = PrematureCloseException.class
			.getDeclaredConstructor(String.class);
		constructor.setAccessible(true);
		return constructor.newInstance(message);
	}

}
