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

package io.meshnative.connect.authz;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import io.meshnative.connect.agent.ConsulAgentClient;
import io.meshnative.connect.test.FakeConsulAgent;
import io.meshnative.connect.test.FakeResponse;
import io.meshnative.connect.test.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ConnectAuthorizer} against a {@link FakeConsulAgent}: TTL mode,
 * failure modes, stale decisions and per-caller isolation.
 *
 * @author connect-spring-boot authors
 */
class ConnectAuthorizerTests {

	private static final String WEB = "spiffe://11111111-2222-3333-4444-555555555555.consul/ns/default/dc/dc1/svc/web";

	private static final String WEB_OTHER_DOMAIN = "spiffe://99999999-2222-3333-4444-555555555555.consul/ns/default/dc/dc1/svc/web";

	private FakeConsulAgent agent;

	private ConsulAgentClient client;

	private final List<String> authorizeBodies = new CopyOnWriteArrayList<>();

	private final AtomicBoolean allow = new AtomicBoolean(true);

	private final AtomicBoolean agentDown = new AtomicBoolean();

	@BeforeEach
	void setUp() {
		this.agent = FakeConsulAgent.start();
		this.agent.setDispatcher(this::dispatch);
		this.client = ConsulAgentClient.builder(URI.create(this.agent.getHttpAddress())).build();
	}

	@AfterEach
	void tearDown() {
		this.client.close();
		this.agent.close();
	}

	private FakeResponse dispatch(RecordedRequest request) {
		if (request.path().equals("/v1/connect/intentions/match")) {
			return FakeResponse.status(403, "Permission denied: token lacks permission 'intentions:read'");
		}
		if (request.path().equals("/v1/agent/connect/authorize")) {
			this.authorizeBodies.add(request.body());
			if (this.agentDown.get()) {
				return FakeResponse.status(500, "rpc error: No cluster leader");
			}
			boolean allowed = this.allow.get() && request.body().contains("11111111");
			return FakeResponse.json("{\"Authorized\":" + allowed + ",\"Reason\":\"test\"}");
		}
		return FakeResponse.status(404, "not scripted");
	}

	@Test
	void withoutIntentionsReadDecisionsExpireAfterTheTtl() {
		try (ConnectAuthorizer authorizer = new ConnectAuthorizer(this.client, "db", Duration.ofMillis(300),
				ConnectAuthorizer.FailureMode.DENY, Duration.ofMinutes(1))
			.start()) {
			assertThat(authorizer.authorize(WEB, "0a").join())
				.extracting(AuthorizationDecision::allowed, AuthorizationDecision::source)
				.containsExactly(true, AuthorizationDecision.Source.AGENT);
			assertThat(authorizer.authorize(WEB, "0a").join().source()).isEqualTo(AuthorizationDecision.Source.CACHE);
			assertThat(authorizer.isWatchingIntentions()).isFalse();
			this.allow.set(false);
			await().atMost(Duration.ofSeconds(5))
				.pollInterval(Duration.ofMillis(50))
				.until(() -> !authorizer.authorize(WEB, "0a").join().allowed());
			assertThat(this.authorizeBodies.get(0)).contains("\"Target\":\"db\"")
				.contains("\"ClientCertURI\":\"" + WEB + "\"")
				.contains("\"ClientCertSerial\":\"0a\"");
		}
	}

	@Test
	void agentDownWithNothingCachedDeniesByDefault() {
		this.agentDown.set(true);
		try (ConnectAuthorizer authorizer = new ConnectAuthorizer(this.client, "db", Duration.ofSeconds(10),
				ConnectAuthorizer.FailureMode.DENY, Duration.ofMinutes(1))) {
			AuthorizationDecision decision = authorizer.authorize(WEB, "0a").join();
			assertThat(decision.allowed()).isFalse();
			assertThat(decision.source()).isEqualTo(AuthorizationDecision.Source.FAILURE_MODE);
			assertThat(decision.reason()).contains("No cluster leader");
		}
	}

	@Test
	void agentDownWithNothingCachedAllowsInAllowMode() {
		this.agentDown.set(true);
		try (ConnectAuthorizer authorizer = new ConnectAuthorizer(this.client, "db", Duration.ofSeconds(10),
				ConnectAuthorizer.FailureMode.ALLOW, Duration.ofMinutes(1))) {
			AuthorizationDecision decision = authorizer.authorize(WEB, "0a").join();
			assertThat(decision.allowed()).isTrue();
			assertThat(decision.source()).isEqualTo(AuthorizationDecision.Source.FAILURE_MODE);
		}
	}

	@Test
	void agentDownAfterTheTtlReusesTheExpiredDecision() {
		try (ConnectAuthorizer authorizer = new ConnectAuthorizer(this.client, "db", Duration.ofMillis(100),
				ConnectAuthorizer.FailureMode.DENY, Duration.ofMinutes(1))) {
			assertThat(authorizer.authorize(WEB, "0a").join().allowed()).isTrue();
			this.agentDown.set(true);
			await().atMost(Duration.ofSeconds(5))
				.pollInterval(Duration.ofMillis(50))
				.until(() -> authorizer.authorize(WEB, "0a")
					.join()
					.source() == AuthorizationDecision.Source.STALE_CACHE);
			assertThat(authorizer.authorize(WEB, "0a").join().allowed()).isTrue();
		}
	}

	@Test
	void oneCallersDecisionIsNeverServedToAnother() {
		try (ConnectAuthorizer authorizer = new ConnectAuthorizer(this.client, "db", Duration.ofSeconds(10),
				ConnectAuthorizer.FailureMode.DENY, Duration.ofMinutes(1))) {
			assertThat(authorizer.authorize(WEB, "0a").join().allowed()).isTrue();
			AuthorizationDecision other = authorizer.authorize(WEB_OTHER_DOMAIN, "0b").join();
			assertThat(other.allowed()).isFalse();
			assertThat(other.source()).isEqualTo(AuthorizationDecision.Source.AGENT);
			assertThat(authorizer.getCacheSize()).isEqualTo(2);
		}
	}

	@Test
	void decisionThatCompletesAtOnceNeverFailsTheRequest() {
		ConsulAgentClient closed = ConsulAgentClient.builder(URI.create("http://127.0.0.1:1")).build();
		closed.close();
		try (ConnectAuthorizer authorizer = new ConnectAuthorizer(closed, "db", Duration.ofSeconds(10),
				ConnectAuthorizer.FailureMode.DENY, Duration.ofMinutes(1))) {
			for (int i = 0; i < 20; i++) {
				AuthorizationDecision decision = authorizer.authorize(WEB, "0a").join();
				assertThat(decision.allowed()).isFalse();
				assertThat(decision.source()).isEqualTo(AuthorizationDecision.Source.FAILURE_MODE);
			}
		}
	}

	@Test
	void concurrentMissesForOneCallerAskTheAgentOnce() {
		this.agent
			.enqueue(FakeResponse.json("{\"Authorized\":true,\"Reason\":\"slow\"}").delay(Duration.ofMillis(300)));
		try (ConnectAuthorizer authorizer = new ConnectAuthorizer(this.client, "db", Duration.ofSeconds(10),
				ConnectAuthorizer.FailureMode.DENY, Duration.ofMinutes(1))) {
			var first = authorizer.authorize(WEB, "0a");
			var second = authorizer.authorize(WEB, "0a");
			assertThat(first.join().allowed()).isTrue();
			assertThat(second.join().allowed()).isTrue();
			assertThat(this.agent.getRequests()).filteredOn((request) -> request.path().endsWith("/authorize"))
				.hasSize(1);
		}
	}

}
