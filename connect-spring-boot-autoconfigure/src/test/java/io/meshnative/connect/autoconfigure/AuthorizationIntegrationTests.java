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
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.meshnative.connect.agent.internal.AuthorizeRequest;
import io.meshnative.connect.agent.internal.CaRoots;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.autoconfigure.MeshApplications.MeshApplication;
import io.meshnative.connect.autoconfigure.MeshApplications.Stack;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests of inbound authorization with Consul intentions against a real agent with ACLs
 * disabled (default allow).
 *
 * @author connect-spring-boot authors
 */
class AuthorizationIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private static final ConsulAgentClient client = TestConsulAgentConnectionDetails.client(consul);

	@ParameterizedTest
	@EnumSource(Stack.class)
	void denyIntentionTurns200Into403WithinOneSecondAndDeletingItRestores200(Stack stack) throws IOException {
		String service = "deny-" + stack.name().toLowerCase(Locale.ROOT);
		try (MeshApplication app = MeshApplications.start(stack, consul, service)) {
			int port = app.getPort();
			MeshTestClient cli = caller("cli");
			assertThat(cli.get(port, "/hello").status()).isEqualTo(200);
			consul.getOperator().putConfigEntry(intentions(service, Map.of("Name", "cli", "Action", "deny")));
			await().atMost(Duration.ofSeconds(1))
				.pollInterval(Duration.ofMillis(20))
				.until(() -> cli.get(port, "/hello").status() == 403);
			MeshTestClient.Response denied = cli.get(port, "/hello");
			assertThat(denied.body()).isEqualTo("Forbidden\n");
			assertThat(denied.headers()).containsEntry("connection", "close");
			consul.getOperator().deleteConfigEntry("service-intentions", service);
			await().atMost(Duration.ofSeconds(1))
				.pollInterval(Duration.ofMillis(20))
				.until(() -> cli.get(port, "/hello").status() == 200);
		}
	}

	@ParameterizedTest
	@EnumSource(Stack.class)
	void l7IntentionIsEvaluatedPerRequestWhereTheAgentOnlySaysDeny(Stack stack) throws IOException {
		String service = "l7-" + stack.name().toLowerCase(Locale.ROOT);
		consul.getOperator().putConfigEntry(Map.of("Kind", "service-defaults", "Name", service, "Protocol", "http"));
		try (MeshApplication app = MeshApplications.start(stack, consul, service)) {
			consul.getOperator()
				.putConfigEntry(intentions(service, Map.of("Name", "cli", "Permissions",
						List.of(Map.of("Action", "deny", "HTTP", Map.of("PathPrefix", "/hello"))))));
			assertThat(client.authorize(new AuthorizeRequest(service, spiffeId("cli"), null)).authorized()).isFalse();
			int port = app.getPort();
			await().atMost(Duration.ofSeconds(5))
				.pollInterval(Duration.ofMillis(20))
				.until(() -> caller("cli").get(port, "/hello").status() == 403);
			consul.getOperator()
				.putConfigEntry(intentions(service, Map.of("Name", "cli", "Permissions",
						List.of(Map.of("Action", "allow", "HTTP", Map.of("PathPrefix", "/hello"))))));
			assertThat(client.authorize(new AuthorizeRequest(service, spiffeId("cli"), null)).authorized())
				.as("the agent still says deny for an L7 intention that allows")
				.isFalse();
			await().atMost(Duration.ofSeconds(5))
				.pollInterval(Duration.ofMillis(20))
				.until(() -> caller("cli").get(port, "/hello").status() == 200);
		}
		finally {
			consul.getOperator().deleteConfigEntry("service-intentions", service);
			consul.getOperator().deleteConfigEntry("service-defaults", service);
		}
	}

	@ParameterizedTest
	@EnumSource(Stack.class)
	void filterDecisionEqualsTheAgentsForEveryIntentionCase(Stack stack) throws IOException {
		assertFilterDecisionsEqualTheAgents(client, consul, stack, "matrix-" + stack.name().toLowerCase(Locale.ROOT),
				true);
	}

	/**
	 * For a matrix of intentions (exact and wildcard sources, allow and deny) and two
	 * callers, assert that the filter lets a caller through exactly when the agent's
	 * authorize endpoint says so.
	 * @param client a client of the agent, with a token that may write intentions
	 * @param consul the agent
	 * @param stack the server stack
	 * @param service the service name
	 * @param defaultAllow whether the agent allows when no intention matches
	 * @param extra extra application properties
	 * @throws IOException on a transport failure
	 */
	static void assertFilterDecisionsEqualTheAgents(ConsulAgentClient client, ConsulAgentExtension consul, Stack stack,
			String service, boolean defaultAllow, String... extra) throws IOException {
		List<List<Map<String, Object>>> cases = List.of(Collections.emptyList(), List.of(source("cli", "allow")),
				List.of(source("cli", "deny")), List.of(source("*", "deny")), List.of(source("*", "allow")),
				List.of(source("cli", "allow"), source("*", "deny")),
				List.of(source("cli", "deny"), source("*", "allow")));
		try (MeshApplication app = MeshApplications.start(stack, consul, service, extra)) {
			int port = app.getPort();
			CaRoots roots = client.getCaRoots();
			List<String> checked = new ArrayList<>();
			for (List<Map<String, Object>> sources : cases) {
				if (sources.isEmpty()) {
					consul.getOperator().deleteConfigEntry("service-intentions", service);
				}
				else {
					consul.getOperator()
						.putConfigEntry(Map.of("Kind", "service-intentions", "Name", service, "Sources", sources));
				}
				for (String callerName : List.of("cli", "other")) {
					String callerId = "spiffe://" + roots.trustDomain() + "/ns/default/dc/dc1/svc/" + callerName;
					boolean intended = intended(sources, callerName, defaultAllow);
					int expected = intended ? 200 : 403;
					MeshTestClient caller = MeshTestClient.of(client.getLeafCertificate(callerName), roots);
					await().atMost(Duration.ofSeconds(5))
						.pollInterval(Duration.ofMillis(20))
						.alias(callerName + " -> " + service + " with " + sources)
						.until(() -> client.authorize(new AuthorizeRequest(service, callerId, null))
							.authorized() == intended && caller.get(port, "/hello").status() == expected);
					checked.add(callerName + "=" + expected);
				}
			}
			assertThat(checked).hasSize(cases.size() * 2).contains("cli=200", "cli=403", "other=200", "other=403");
		}
		finally {
			consul.getOperator().deleteConfigEntry("service-intentions", service);
		}
	}

	/**
	 * The decision Consul's precedence rules give: an exact source (precedence 9) before
	 * {@code *} (8), else the default. Waiting for the agent to give this answer makes
	 * sure its intention cache has caught up.
	 */
	private static boolean intended(List<Map<String, Object>> sources, String caller, boolean defaultAllow) {
		for (String name : List.of(caller, "*")) {
			for (Map<String, Object> source : sources) {
				if (name.equals(source.get("Name"))) {
					return "allow".equals(source.get("Action"));
				}
			}
		}
		return defaultAllow;
	}

	static Map<String, Object> source(String name, String action) {
		return Map.of("Name", name, "Action", action);
	}

	static Map<String, Object> intentions(String service, Map<String, Object> source) {
		return Map.of("Kind", "service-intentions", "Name", service, "Sources", List.of(source));
	}

	private static MeshTestClient caller(String name) {
		CaRoots roots = client.getCaRoots();
		return MeshTestClient.of(client.getLeafCertificate(name), roots);
	}

	private static String spiffeId(String service) {
		return "spiffe://" + client.getCaRoots().trustDomain() + "/ns/default/dc/dc1/svc/" + service;
	}

}
