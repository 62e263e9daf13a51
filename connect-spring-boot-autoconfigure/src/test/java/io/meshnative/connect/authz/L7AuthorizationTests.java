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

import io.meshnative.connect.agent.ConsulAgentClient;
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
 * every way the permissions cannot be evaluated is a deny, and the default decision is
 * taken from the agent only when the agent says it is the default (CVE-2021-36213).
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

	private static final String L7_ANSWER = "{\"Authorized\":false,\"Reason\":\"Matched L7 intention: "
			+ "default/web => default/db (ID: , Precedence: 9, Permissions: 2)\"}";

	private FakeConsulAgent agent;

	private ConsulAgentClient client;

	private final AtomicReference<FakeResponse> intentions = new AtomicReference<>(
			FakeResponse.json(L7_INTENTIONS).index(5));

	private final AtomicReference<String> probeAnswer = new AtomicReference<>(
			"{\"Authorized\":true,\"Reason\":\"ACLs disabled, access is allowed by default\"}");

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
		if (request.path().equals("/v1/agent/connect/authorize")) {
			return request.body().contains("connect-spring-boot-default-probe")
					? FakeResponse.json(this.probeAnswer.get()) : FakeResponse.json(L7_ANSWER);
		}
		return FakeResponse.status(404, "not scripted");
	}

	@Test
	void permissionsDecideAndAnUnmatchedRequestGetsTheAgentsDefault() {
		try (ConnectAuthorizer authorizer = watching()) {
			assertThat(decide(authorizer, "/api/items").allowed()).isTrue();
			AuthorizationDecision admin = decide(authorizer, "/admin");
			assertThat(admin.allowed()).isFalse();
			assertThat(admin.reason()).startsWith("Matched L7 permission 0 (deny)");
			AuthorizationDecision other = decide(authorizer, "/other");
			assertThat(other.allowed()).isTrue();
			assertThat(other.reason()).contains("the default decision allows");
		}
	}

	@Test
	void defaultDenyWithASingleL7DenyIntentionDoesNotFailOpen_CVE202136213() {
		this.probeAnswer.set("{\"Authorized\":false,\"Reason\":\"Default behavior configured by ACLs\"}");
		try (ConnectAuthorizer authorizer = watching()) {
			assertThat(decide(authorizer, "/admin").allowed()).isFalse();
			AuthorizationDecision other = decide(authorizer, "/other");
			assertThat(other.allowed()).isFalse();
			assertThat(other.reason()).contains("the default decision denies");
		}
	}

	@Test
	void defaultThatTheAgentDoesNotCallTheDefaultIsADeny() {
		this.probeAnswer.set("{\"Authorized\":true,\"Reason\":\"Matched L4 intention: */* => default/db\"}");
		try (ConnectAuthorizer authorizer = watching()) {
			AuthorizationDecision other = decide(authorizer, "/other");
			assertThat(other.allowed()).isFalse();
			assertThat(other.reason()).contains("the default decision is not known");
		}
	}

	@Test
	void defaultThatTheAgentCannotAnswerIsADeny() {
		this.probeAnswer.set("not json");
		try (ConnectAuthorizer authorizer = watching()) {
			assertThat(decide(authorizer, "/other").allowed()).isFalse();
		}
	}

	@Test
	void tokenThatCannotReadIntentionsMakesEveryL7RequestADeny() {
		this.intentions.set(FakeResponse.status(403, "Permission denied: token lacks 'intentions:read'"));
		try (ConnectAuthorizer authorizer = started()) {
			await().atMost(Duration.ofSeconds(30))
				.until(() -> decide(authorizer, "/api/items").reason().contains("intentions:read"));
			assertThat(decide(authorizer, "/api/items").allowed()).isFalse();
			assertThat(decide(authorizer, "/other").allowed()).isFalse();
		}
	}

	@Test
	void intentionsThatCannotBeCompiledMakeEveryL7RequestADeny() {
		this.intentions
			.set(FakeResponse.json(L7_INTENTIONS.replace("\"PathPrefix\":\"/api/\"", "\"PathRegex\":\"([\"")).index(5));
		try (ConnectAuthorizer authorizer = watching()) {
			AuthorizationDecision decision = decide(authorizer, "/api/items");
			assertThat(decision.allowed()).isFalse();
			assertThat(decision.reason()).contains("not a valid regular expression");
		}
	}

	@Test
	void intentionsThatCannotBeReadAtAllMakeEveryL7RequestADeny() {
		this.intentions.set(FakeResponse.json("{\"db\": [ {\"Permissions\": \"oops").index(5));
		try (ConnectAuthorizer authorizer = started()) {
			await().atMost(Duration.ofSeconds(30)).until(() -> intentionCalls() >= 2);
			AuthorizationDecision decision = decide(authorizer, "/api/items");
			assertThat(decision.allowed()).isFalse();
			assertThat(decision.reason()).contains("have not been read yet");
		}
	}

	@Test
	void matchAnswerWithANullListMeansNoIntentions() {
		this.intentions.set(FakeResponse.json("{\"db\":null}").index(5));
		try (ConnectAuthorizer authorizer = watching()) {
			AuthorizationDecision decision = decide(authorizer, "/api/items");
			assertThat(decision.allowed()).isFalse();
			assertThat(decision.reason()).contains("do not show yet");
		}
	}

	@Test
	void requestIsReadOnlyWhenAnL7IntentionApplies() {
		try (FakeConsulAgent l4 = FakeConsulAgent.start();
				ConsulAgentClient l4Client = ConsulAgentClient.builder(URI.create(l4.getHttpAddress())).build();
				ConnectAuthorizer authorizer = new ConnectAuthorizer(l4Client, "db", Duration.ofSeconds(10),
						ConnectAuthorizer.FailureMode.DENY, Duration.ofMinutes(1))) {
			l4.setDispatcher((request) -> FakeResponse.json("{\"Authorized\":false,\"Reason\":\"Matched L4 "
					+ "intention: default/web => default/db (ID: , Precedence: 9, Action: DENY)\"}"));
			AuthorizationDecision decision = authorizer.authorizeRequest(WEB, "0a", () -> {
				throw new AssertionError("the request must not be read for an L4 decision");
			}).join();
			assertThat(decision.allowed()).isFalse();
			assertThat(decision.source()).isEqualTo(AuthorizationDecision.Source.AGENT);
		}
	}

	private ConnectAuthorizer started() {
		ConnectAuthorizer authorizer = new ConnectAuthorizer(this.client, "db", Duration.ofSeconds(10),
				ConnectAuthorizer.FailureMode.DENY, Duration.ofMinutes(1))
			.start();
		return authorizer;
	}

	private ConnectAuthorizer watching() {
		ConnectAuthorizer authorizer = started();
		await().atMost(Duration.ofSeconds(30)).until(authorizer::isWatchingIntentions);
		return authorizer;
	}

	private long intentionCalls() {
		return this.agent.getRequests()
			.stream()
			.filter((request) -> request.path().equals("/v1/connect/intentions/match"))
			.count();
	}

	private static AuthorizationDecision decide(ConnectAuthorizer authorizer, String path) {
		return authorizer
			.authorizeRequest(WEB, "0a",
					() -> L7Request.of("GET", path, false, Collections.emptyList(), (name) -> Collections.emptyList()))
			.join();
	}

}
