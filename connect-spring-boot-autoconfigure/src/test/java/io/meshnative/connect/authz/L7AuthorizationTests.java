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
import java.util.Collections;
import java.util.concurrent.atomic.AtomicReference;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.authz.internal.L7Request;
import io.meshnative.connect.authz.internal.RequestTarget;
import io.meshnative.connect.identity.SpiffeId;
import io.meshnative.connect.test.FakeConsulAgent;
import io.meshnative.connect.test.FakeResponse;
import io.meshnative.connect.test.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for the L7 path of {@link ConnectAuthorizer} against a {@link FakeConsulAgent}:
 * permissions decide per request, an unmatched request gets the default decision, and
 * every way the permissions cannot be evaluated fails closed (CVE-2021-36213).
 *
 * @author connect-spring-boot authors
 */
class L7AuthorizationTests {

	private static final SpiffeId WEB = SpiffeId.forService("11111111-2222-3333-4444-555555555555.consul", "default",
			"dc1", "web");

	private static final String L7_INTENTIONS = "{\"db\":[{\"SourceNS\":\"default\",\"SourceName\":\"web\","
			+ "\"DestinationNS\":\"default\",\"DestinationName\":\"db\",\"Precedence\":9,\"Permissions\":["
			+ "{\"Action\":\"deny\",\"HTTP\":{\"PathExact\":\"/admin\"}},"
			+ "{\"Action\":\"allow\",\"HTTP\":{\"PathPrefix\":\"/api/\"}}]}]}";

	private FakeConsulAgent agent;

	private ConsulAgentClient client;

	private final AtomicReference<FakeResponse> intentions = new AtomicReference<>(
			FakeResponse.json(L7_INTENTIONS).index(5));

	private final AtomicReference<String> checkAnswer = new AtomicReference<>("{\"Allowed\":true}");

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
			return request.hasQueryParameter("index") ? FakeResponse.hang() : this.intentions.get();
		}
		if (request.path().equals("/v1/connect/intentions/check")) {
			return FakeResponse.json(this.checkAnswer.get());
		}
		return FakeResponse.status(404, "not scripted");
	}

	@Test
	void permissionsDecideAndAnUnmatchedRequestGetsTheDefault() {
		try (ConnectAuthorizer authorizer = watching()) {
			assertThat(decide(authorizer, "/api/items").allowed()).isTrue();
			AuthorizationDecision admin = decide(authorizer, "/admin");
			assertThat(admin.allowed()).isFalse();
			assertThat(admin.reason()).startsWith("Matched L7 permission 0 (deny)");
			AuthorizationDecision other = decide(authorizer, "/other");
			assertThat(other.allowed()).isTrue();
			assertThat(other.source()).isEqualTo(AuthorizationDecision.Source.DEFAULT);
			assertThat(other.reason()).contains("the default decision allows");
		}
	}

	@Test
	void defaultDenyWithASingleL7DenyIntentionDoesNotFailOpen_CVE202136213() {
		this.checkAnswer.set("{\"Allowed\":false}");
		try (ConnectAuthorizer authorizer = watching()) {
			assertThat(decide(authorizer, "/admin").allowed()).isFalse();
			AuthorizationDecision other = decide(authorizer, "/other");
			assertThat(other.allowed()).isFalse();
			assertThat(other.reason()).contains("the default decision denies");
		}
	}

	@Test
	void aDefaultThatCannotBeLearnedLeavesUnmatchedRequestsToTheFailureMode() {
		this.checkAnswer.set("not json");
		try (ConnectAuthorizer authorizer = watching()) {
			await().atMost(Duration.ofSeconds(30))
				.until(() -> this.agent.getRequests().stream().anyMatch((r) -> r.path().endsWith("/check")));
			AuthorizationDecision other = decide(authorizer, "/other");
			assertThat(other.allowed()).isFalse();
			assertThat(other.source()).isEqualTo(AuthorizationDecision.Source.FAILURE_MODE);
			assertThat(decide(authorizer, "/api/items").allowed()).as("the permissions still decide").isTrue();
		}
	}

	@Test
	void aPermissionThatCannotBeCompiledFailsClosed() {
		this.intentions
			.set(FakeResponse.json(L7_INTENTIONS.replace("\"PathPrefix\":\"/api/\"", "\"PathRegex\":\"([\"")).index(5));
		try (ConnectAuthorizer authorizer = watching()) {
			AuthorizationDecision decision = decide(authorizer, "/api/items");
			assertThat(decision.source()).as("an allow that cannot be evaluated never matches")
				.isEqualTo(AuthorizationDecision.Source.DEFAULT);
			assertThat(decide(authorizer, "/admin").allowed()).isFalse();
		}
	}

	@Test
	void intentionsThatCannotBeReadAtAllLeaveEveryRequestToTheFailureMode() {
		this.intentions.set(FakeResponse.json("{\"db\": [ {\"Permissions\": \"oops").index(5));
		try (ConnectAuthorizer authorizer = started()) {
			await().atMost(Duration.ofSeconds(30)).until(() -> intentionCalls() >= 2);
			AuthorizationDecision decision = decide(authorizer, "/api/items");
			assertThat(decision.allowed()).isFalse();
			assertThat(decision.source()).isEqualTo(AuthorizationDecision.Source.FAILURE_MODE);
			assertThat(decision.reason()).contains("have not been read yet");
		}
	}

	@Test
	void matchAnswerWithANullListMeansNoIntentions() {
		this.intentions.set(FakeResponse.json("{\"db\":null}").index(5));
		try (ConnectAuthorizer authorizer = watching()) {
			await().atMost(Duration.ofSeconds(30)).until(() -> authorizer.getDefaultAllow() != null);
			AuthorizationDecision decision = decide(authorizer, "/api/items");
			assertThat(decision.allowed()).isTrue();
			assertThat(decision.source()).isEqualTo(AuthorizationDecision.Source.DEFAULT);
		}
	}

	private ConnectAuthorizer started() {
		return new ConnectAuthorizer(this.client, "db", ConnectAuthorizer.FailureMode.DENY, Duration.ofMinutes(1))
			.start();
	}

	private ConnectAuthorizer watching() {
		ConnectAuthorizer authorizer = started();
		assertThat(authorizer.awaitIntentions(Duration.ofSeconds(30))).isTrue();
		await().atMost(Duration.ofSeconds(30))
			.until(() -> authorizer.getDefaultAllow() != null
					|| this.agent.getRequests().stream().anyMatch((r) -> r.path().endsWith("/check")));
		return authorizer;
	}

	private long intentionCalls() {
		return this.agent.getRequests()
			.stream()
			.filter((request) -> request.path().equals("/v1/connect/intentions/match"))
			.count();
	}

	private static AuthorizationDecision decide(ConnectAuthorizer authorizer, String path) {
		return authorizer.authorize(WEB, L7Request.of("GET", RequestTarget.parse(path), Collections.emptyList(),
				(name) -> Collections.emptyList()));
	}

}
