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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ConsulAgentException;
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
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ConnectAuthorizer} against a {@link FakeConsulAgent}: local decisions
 * from the watched intentions without the authorize endpoint on the request path, how the
 * default decision is learned, failure modes, recovery of the intentions watch and
 * per-caller isolation.
 *
 * @author connect-spring-boot authors
 */
class ConnectAuthorizerTests {

	private static final String TRUST_DOMAIN = "11111111-2222-3333-4444-555555555555.consul";

	private static final SpiffeId WEB = SpiffeId.forService(TRUST_DOMAIN, "default", "dc1", "web");

	private static final SpiffeId API = SpiffeId.forService(TRUST_DOMAIN, "default", "dc1", "api");

	private static final String ALLOW_WEB = "{\"db\":[{\"SourceNS\":\"default\",\"SourceName\":\"web\","
			+ "\"DestinationNS\":\"default\",\"DestinationName\":\"db\",\"Action\":\"allow\",\"Precedence\":9},"
			+ "{\"SourceNS\":\"default\",\"SourceName\":\"api\",\"DestinationNS\":\"default\","
			+ "\"DestinationName\":\"db\",\"Action\":\"deny\",\"Precedence\":9}]}";

	private static final String DENY_WEB = ALLOW_WEB.replaceFirst("\"allow\"", "\"deny\"");

	private static final String WILDCARD_L7 = "{\"db\":[{\"SourceNS\":\"default\",\"SourceName\":\"*\","
			+ "\"DestinationNS\":\"default\",\"DestinationName\":\"db\",\"Precedence\":8,\"Permissions\":["
			+ "{\"Action\":\"allow\",\"HTTP\":{\"PathPrefix\":\"/api/\"}}]}]}";

	/**
	 * How long a blocking call to the fake agent takes: it answers with the current
	 * intentions, changed or not, as a blocking query that timed out would.
	 */
	private static final Duration BLOCKING = Duration.ofMillis(100);

	private FakeConsulAgent agent;

	private ConsulAgentClient client;

	private final AtomicReference<FakeResponse> intentions = new AtomicReference<>(
			FakeResponse.json(ALLOW_WEB).index(5));

	private final AtomicReference<FakeResponse> check = new AtomicReference<>(FakeResponse.json("{\"Allowed\":false}"));

	private final AtomicReference<FakeResponse> probe = new AtomicReference<>(
			FakeResponse.json("{\"Authorized\":true,\"Reason\":\"Default behavior configured by ACLs\"}"));

	private final AtomicInteger matchCalls = new AtomicInteger();

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
		return switch (request.path()) {
			case "/v1/connect/intentions/match" -> {
				this.matchCalls.incrementAndGet();
				FakeResponse answer = this.intentions.get();
				yield request.hasQueryParameter("index") ? answer.delay(BLOCKING) : answer;
			}
			case "/v1/connect/intentions/check" -> this.check.get();
			case "/v1/agent/connect/authorize" -> this.probe.get();
			default -> FakeResponse.status(404, "not scripted");
		};
	}

	@Test
	void decisionsComeFromTheIntentionsWithoutTheAuthorizeEndpoint() {
		try (ConnectAuthorizer authorizer = started()) {
			assertThat(authorizer.awaitIntentions(Duration.ofSeconds(30))).isTrue();
			await().atMost(Duration.ofSeconds(30)).until(() -> authorizer.getDefaultAllow() != null);
			for (int i = 0; i < 50; i++) {
				assertThat(authorizer.authorize(WEB))
					.extracting(AuthorizationDecision::allowed, AuthorizationDecision::source)
					.containsExactly(true, AuthorizationDecision.Source.INTENTION);
				assertThat(authorizer.authorize(API).allowed()).isFalse();
			}
			AuthorizationDecision stranger = authorizer
				.authorize(SpiffeId.forService(TRUST_DOMAIN, "default", "dc1", "stranger"));
			assertThat(stranger).extracting(AuthorizationDecision::allowed, AuthorizationDecision::source)
				.containsExactly(false, AuthorizationDecision.Source.DEFAULT);
			assertThat(this.agent.getRequests()).noneMatch((request) -> request.path().endsWith("/authorize"));
			assertThat(this.agent.getRequests()).filteredOn((request) -> request.path().endsWith("/check"))
				.allSatisfy((request) -> {
					assertThat(request.queryParameter("destination")).isEqualTo("db");
					assertThat(request.queryParameter("source")).startsWith("connect-spring-boot-default-probe-");
				});
		}
	}

	@Test
	void theDefaultIsLearnedFromTheAuthorizeEndpointOnlyWhenAWildcardSourceHidesIt() {
		this.intentions.set(FakeResponse.json(WILDCARD_L7).index(5));
		try (ConnectAuthorizer authorizer = started()) {
			authorizer.awaitIntentions(Duration.ofSeconds(30));
			await().atMost(Duration.ofSeconds(30)).until(() -> Boolean.TRUE.equals(authorizer.getDefaultAllow()));
			assertThat(decide(authorizer, WEB, "/api/x").source()).isEqualTo(AuthorizationDecision.Source.INTENTION);
			assertThat(decide(authorizer, WEB, "/other"))
				.extracting(AuthorizationDecision::allowed, AuthorizationDecision::source)
				.containsExactly(true, AuthorizationDecision.Source.DEFAULT);
			assertThat(this.agent.getRequests()).noneMatch((request) -> request.path().endsWith("/check"));
			assertThat(this.agent.getRequests()).filteredOn((request) -> request.path().endsWith("/authorize"))
				.allSatisfy((request) -> assertThat(request.body()).contains("/ns/connect-spring-boot-default-probe/"));
		}
	}

	@Test
	void anAuthorizeAnswerThatIsNotTheDefaultLeavesTheDefaultUnknownAndTheFailureModeDecides() {
		this.intentions.set(FakeResponse.json(WILDCARD_L7).index(5));
		this.probe.set(FakeResponse.json("{\"Authorized\":true,\"Reason\":\"Matched L4 intention: */* => db\"}"));
		try (ConnectAuthorizer authorizer = started()) {
			authorizer.awaitIntentions(Duration.ofSeconds(30));
			await().atMost(Duration.ofSeconds(30))
				.until(() -> this.agent.getRequests().stream().anyMatch((r) -> r.path().endsWith("/authorize")));
			assertThat(authorizer.getDefaultAllow()).isNull();
			assertThat(decide(authorizer, WEB, "/other"))
				.extracting(AuthorizationDecision::allowed, AuthorizationDecision::source)
				.containsExactly(false, AuthorizationDecision.Source.FAILURE_MODE);
		}
	}

	@Test
	void whileTheIntentionsWereNeverReadTheFailureModeDecides() {
		this.intentions.set(FakeResponse.status(500, "rpc error: No cluster leader"));
		try (ConnectAuthorizer deny = started();
				ConnectAuthorizer allow = new ConnectAuthorizer(this.client, "db", ConnectAuthorizer.FailureMode.ALLOW,
						Duration.ofMinutes(1))
					.start()) {
			assertThat(deny.awaitIntentions(Duration.ofMillis(300))).isFalse();
			assertThat(deny.authorize(WEB)).extracting(AuthorizationDecision::allowed, AuthorizationDecision::source)
				.containsExactly(false, AuthorizationDecision.Source.FAILURE_MODE);
			assertThat(allow.authorize(WEB)).extracting(AuthorizationDecision::allowed, AuthorizationDecision::source)
				.containsExactly(true, AuthorizationDecision.Source.FAILURE_MODE);
		}
	}

	@Test
	void aRefusedTokenFailsStartupWhenTheFailureModeDenies() {
		this.intentions.set(FakeResponse.status(403, "Permission denied: token lacks 'intentions:read'"));
		try (ConnectAuthorizer deny = started();
				ConnectAuthorizer allow = new ConnectAuthorizer(this.client, "db", ConnectAuthorizer.FailureMode.ALLOW,
						Duration.ofMinutes(1))
					.start()) {
			assertThatExceptionOfType(ConsulAgentException.class)
				.isThrownBy(() -> deny.awaitIntentions(Duration.ofSeconds(30)))
				.withMessageContaining("403");
			assertThat(allow.awaitIntentions(Duration.ofSeconds(30))).isFalse();
			assertThat(allow.authorize(WEB).source()).isEqualTo(AuthorizationDecision.Source.FAILURE_MODE);
		}
	}

	@Test
	void afterA403TheSameIntentionsAreUsedAgainWithinOneWatchRound() {
		try (ConnectAuthorizer authorizer = started()) {
			authorizer.awaitIntentions(Duration.ofSeconds(30));
			assertThat(authorizer.authorize(WEB).source()).isEqualTo(AuthorizationDecision.Source.INTENTION);
			FakeResponse good = FakeResponse.json(ALLOW_WEB).index(5);
			this.intentions.set(FakeResponse.status(403, "ACL not found"));
			await().atMost(Duration.ofSeconds(30))
				.until(() -> authorizer.authorize(WEB).source() == AuthorizationDecision.Source.FAILURE_MODE);
			assertThat(authorizer.isWatchingIntentions()).isFalse();
			int callsBefore = this.matchCalls.get();
			this.intentions.set(good);
			await().atMost(Duration.ofSeconds(30)).until(authorizer::isWatchingIntentions);
			assertThat(this.matchCalls.get() - callsBefore)
				.as("recovered within one watch round (a call already in flight may still see the refusal)")
				.isLessThanOrEqualTo(2);
			assertThat(authorizer.authorize(WEB))
				.extracting(AuthorizationDecision::allowed, AuthorizationDecision::source)
				.containsExactly(true, AuthorizationDecision.Source.INTENTION);
		}
	}

	@Test
	void aTransientFailureKeepsTheLastIntentions() {
		try (ConnectAuthorizer authorizer = started()) {
			authorizer.awaitIntentions(Duration.ofSeconds(30));
			int callsBefore = this.matchCalls.get();
			this.intentions.set(FakeResponse.status(500, "rpc error: No cluster leader"));
			await().atMost(Duration.ofSeconds(30)).until(() -> this.matchCalls.get() > callsBefore);
			assertThat(authorizer.isWatchingIntentions()).isTrue();
			assertThat(authorizer.authorize(WEB).allowed()).isTrue();
		}
	}

	@Test
	void aChangeOfTheIntentionsAppliesToTheNextDecision() {
		try (ConnectAuthorizer authorizer = started()) {
			authorizer.awaitIntentions(Duration.ofSeconds(30));
			AtomicInteger changes = new AtomicInteger();
			authorizer.addListener(new ConnectAuthorizationListener() {

				@Override
				public void decided(AuthorizationDecision decision) {
				}

				@Override
				public void intentionsChanged() {
					changes.incrementAndGet();
				}

			});
			assertThat(authorizer.authorize(WEB).allowed()).isTrue();
			this.intentions.set(FakeResponse.json(DENY_WEB).index(6));
			await().atMost(Duration.ofSeconds(30)).until(() -> !authorizer.authorize(WEB).allowed());
			assertThat(changes.get()).isPositive();
			assertThat(authorizer.authorize(WEB).reason()).contains("Matched L4 intention");
		}
	}

	@Test
	void oneCallersDecisionIsNeverServedToAnother() {
		try (ConnectAuthorizer authorizer = started()) {
			authorizer.awaitIntentions(Duration.ofSeconds(30));
			for (int i = 0; i < 20; i++) {
				assertThat(authorizer.authorize((i % 2 == 0) ? WEB : API).allowed()).isEqualTo(i % 2 == 0);
			}
		}
	}

	@Test
	void aLayer7IntentionDeniesAConnectionAndDecidesARequest() {
		this.intentions.set(FakeResponse.json(WILDCARD_L7.replace("\"*\"", "\"web\"")).index(5));
		try (ConnectAuthorizer authorizer = started()) {
			authorizer.awaitIntentions(Duration.ofSeconds(30));
			assertThat(authorizer.authorize(WEB).allowed()).isFalse();
			assertThat(decide(authorizer, WEB, "/api/x").allowed()).isTrue();
		}
	}

	private ConnectAuthorizer started() {
		return new ConnectAuthorizer(this.client, "db", ConnectAuthorizer.FailureMode.DENY, Duration.ofMinutes(1))
			.start();
	}

	static AuthorizationDecision decide(ConnectAuthorizer authorizer, SpiffeId caller, String target) {
		return authorizer.authorize(caller, L7Request.of("GET", RequestTarget.parse(target), Collections.emptyList(),
				(name) -> Collections.emptyList()));
	}

}
