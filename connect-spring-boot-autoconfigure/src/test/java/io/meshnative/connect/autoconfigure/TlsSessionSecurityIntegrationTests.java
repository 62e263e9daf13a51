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
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLSession;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.autoconfigure.MeshApplications.MeshApplication;
import io.meshnative.connect.autoconfigure.MeshApplications.Stack;
import io.meshnative.connect.test.ConsulAgentExtension;
import io.meshnative.connect.test.FakeConsulAgent;
import io.meshnative.connect.test.FakeResponse;
import io.meshnative.connect.test.IssuedCertificate;
import io.meshnative.connect.test.RecordedRequest;
import io.meshnative.connect.test.TestCertificateAuthority;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A resumed TLS session is never a shortcut past authorization (CVE-2022-21654, T-AZ-08,
 * T-RO-09), and one caller's decision is never served to another (T-AZ-06), on Tomcat and
 * on Netty: the filter validates the caller's chain against the current roots and asks
 * for a decision on every request, whatever the TLS layer resumed.
 *
 * @author connect-spring-boot authors
 */
class TlsSessionSecurityIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private static final ConsulAgentClient client = TestConsulAgentConnectionDetails.client(consul);

	@ParameterizedTest
	@EnumSource(Stack.class)
	void resumedSessionIsReauthorizedAfterAnIntentionFlipToDeny_TAZ08(Stack stack) throws IOException {
		String service = "resume-" + stack.name().toLowerCase(Locale.ROOT);
		try (MeshApplication app = L7IntentionsIntegrationTests.start(stack, consul, service)) {
			int port = app.getPort();
			MeshTestClient cli = MeshTestClient.of(client.getLeafCertificate("cli"), client.getCaRoots());
			SSLSession first;
			try (MeshTestClient.Connection connection = cli.open(port, "TLSv1.2")) {
				assertThat(connection.get("/hello").status()).isEqualTo(200);
				first = connection.getSocket().getSession();
			}
			consul.getOperator()
				.putConfigEntry(AuthorizationIntegrationTests.intentions(service,
						AuthorizationIntegrationTests.source("cli", "deny")));
			L7IntentionsIntegrationTests.hits.clear();
			List<String> attempts = new ArrayList<>();
			await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
				try (MeshTestClient.Connection connection = cli.open(port, "TLSv1.2")) {
					String outcome = connection.get("/hello").status() + (resumed(first, connection) ? " resumed" : "");
					attempts.add(outcome);
					return outcome.startsWith("403");
				}
			});
			System.out.println("[resumption] " + stack + " after the flip: " + attempts);
			assertThat(attempts.get(attempts.size() - 1)).as("the refused request ran on a resumed session")
				.isEqualTo("403 resumed");
			assertThat(attempts).allSatisfy((attempt) -> assertThat(attempt).endsWith("resumed"));
		}
		finally {
			consul.getOperator().deleteConfigEntry("service-intentions", service);
		}
	}

	@ParameterizedTest
	@CsvSource({ "TOMCAT, TLSv1.3", "TOMCAT, TLSv1.2", "NETTY, TLSv1.3", "NETTY, TLSv1.2" })
	void keptAliveConnectionIsReauthorizedOnEveryRequest_TAZ08(Stack stack, String protocol) throws IOException {
		String service = "kept-" + stack.name().toLowerCase(Locale.ROOT) + "-" + protocol.substring(5).replace(".", "");
		consul.getOperator()
			.putConfigEntry(AuthorizationIntegrationTests.intentions(service,
					AuthorizationIntegrationTests.source("cli", "allow")));
		try (MeshApplication app = L7IntentionsIntegrationTests.start(stack, consul, service)) {
			int port = app.getPort();
			MeshTestClient cli = MeshTestClient.of(client.getLeafCertificate("cli"), client.getCaRoots());
			await().atMost(Duration.ofSeconds(30))
				.pollInterval(Duration.ofMillis(50))
				.until(() -> cli.get(port, "/hello").status() == 200);
			try (MeshTestClient.Connection connection = cli.open(port, protocol)) {
				assertThat(connection.getSocket().getSession().getProtocol()).isEqualTo(protocol);
				for (int i = 0; i < 3; i++) {
					assertThat(connection.get("/hello").status()).isEqualTo(200);
				}
				consul.getOperator()
					.putConfigEntry(AuthorizationIntegrationTests.intentions(service,
							AuthorizationIntegrationTests.source("cli", "deny")));
				L7IntentionsIntegrationTests.hits.clear();
				List<Integer> statuses = new ArrayList<>();
				await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
					statuses.add(connection.get("/hello").status());
					return statuses.get(statuses.size() - 1) == 403;
				});
				assertThat(statuses.subList(0, statuses.size() - 1))
					.allSatisfy((status) -> assertThat(status).isEqualTo(200));
				assertThat(L7IntentionsIntegrationTests.hits).hasSize(statuses.size() - 1);
			}
		}
		finally {
			consul.getOperator().deleteConfigEntry("service-intentions", service);
		}
	}

	@ParameterizedTest
	@EnumSource(Stack.class)
	void decisionOfOneCallerIsNeverServedToAnother_TAZ06(Stack stack) throws IOException {
		String service = "callers-" + stack.name().toLowerCase(Locale.ROOT);
		consul.getOperator()
			.putConfigEntry(AuthorizationIntegrationTests.intentions(service,
					AuthorizationIntegrationTests.source("cli", "allow")));
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-intentions", "Name", service, "Sources",
					List.of(AuthorizationIntegrationTests.source("cli", "allow"),
							AuthorizationIntegrationTests.source("*", "deny"))));
		try (MeshApplication app = L7IntentionsIntegrationTests.start(stack, consul, service)) {
			int port = app.getPort();
			MeshTestClient cli = MeshTestClient.of(client.getLeafCertificate("cli"), client.getCaRoots());
			MeshTestClient other = MeshTestClient.of(client.getLeafCertificate("other"), client.getCaRoots());
			await().atMost(Duration.ofSeconds(30))
				.pollInterval(Duration.ofMillis(50))
				.until(() -> other.get(port, "/hello").status() == 403);
			L7IntentionsIntegrationTests.hits.clear();
			List<String> outcomes = new ArrayList<>();
			try (MeshTestClient.Connection allowed = cli.open(port)) {
				for (int i = 0; i < 10; i++) {
					outcomes.add("cli " + allowed.get("/hello").status());
					outcomes.add("other " + other.get(port, "/hello").status());
				}
			}
			assertThat(outcomes).containsOnly("cli 200", "other 403").hasSize(20);
			assertThat(L7IntentionsIntegrationTests.hits).hasSize(10);
		}
		finally {
			consul.getOperator().deleteConfigEntry("service-intentions", service);
		}
	}

	@ParameterizedTest
	@EnumSource(Stack.class)
	void resumedSessionIsRevalidatedAfterATrustChange_TAZ08_TRO09(Stack stack) throws Exception {
		String service = "trust-" + stack.name().toLowerCase(Locale.ROOT);
		TestCertificateAuthority before = TestCertificateAuthority
			.create("11111111-2222-3333-4444-555555555555.consul");
		TestCertificateAuthority after = TestCertificateAuthority.create(before.getTrustDomain());
		CountDownLatch trustChanged = new CountDownLatch(1);
		String rootsBefore = roots(before, "before");
		String rootsAfter = roots(after, "after");
		String leafBefore = leaf(before, service);
		String leafAfter = leaf(after, service);
		try (FakeConsulAgent agent = FakeConsulAgent.start()) {
			agent.setDispatcher((request) -> dispatch(request, service, trustChanged, rootsBefore, rootsAfter,
					leafBefore, leafAfter));
			try (MeshApplication app = startAgainst(agent, stack, service)) {
				int port = app.getPort();
				IssuedCertificate caller = before.leaf("cli").issue();
				MeshTestClient cli = MeshTestClient.of(caller.getChain(), caller.getPrivateKey(),
						List.of(before.getRootCertificate(), after.getRootCertificate()));
				SSLSession first;
				try (MeshTestClient.Connection connection = cli.open(port, "TLSv1.2")) {
					assertThat(connection.get("/hello").status()).isEqualTo(200);
					first = connection.getSocket().getSession();
				}
				L7IntentionsIntegrationTests.hits.clear();
				trustChanged.countDown();
				MeshTestClient probe = MeshTestClient.of(after.leaf("probe").issue().getChain(), null,
						List.of(after.getRootCertificate()));
				await().atMost(Duration.ofSeconds(30))
					.pollInterval(Duration.ofMillis(100))
					.until(() -> servesTheNewLeaf(probe, port));
				List<String> outcomes = new ArrayList<>();
				for (int i = 0; i < 3; i++) {
					outcomes.add(attempt(cli, port, first));
				}
				System.out.println("[trust change] " + stack + ": " + outcomes);
				assertThat(outcomes).allSatisfy((outcome) -> assertThat(outcome).matches("403.*|handshake refused"));
				assertThat(L7IntentionsIntegrationTests.hits).isEmpty();
				IssuedCertificate newCaller = after.leaf("cli").issue();
				assertThat(MeshTestClient
					.of(newCaller.getChain(), newCaller.getPrivateKey(),
							List.of(before.getRootCertificate(), after.getRootCertificate()))
					.get(port, "/hello")
					.status()).as("a caller of the new CA is served").isEqualTo(200);
			}
		}
	}

	private static String attempt(MeshTestClient cli, int port, SSLSession first) {
		try (MeshTestClient.Connection connection = cli.open(port, "TLSv1.2")) {
			return connection.get("/hello").status() + (resumed(first, connection) ? " resumed" : " full handshake");
		}
		catch (IOException ex) {
			return "handshake refused";
		}
	}

	private static boolean servesTheNewLeaf(MeshTestClient probe, int port) {
		try (MeshTestClient.Connection connection = probe.open(port)) {
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static boolean resumed(SSLSession first, MeshTestClient.Connection connection) {
		SSLSession session = connection.getSocket().getSession();
		return Arrays.equals(first.getId(), session.getId()) && first.getCreationTime() == session.getCreationTime();
	}

	private static MeshApplication startAgainst(FakeConsulAgent agent, Stack stack, String service) {
		return MeshApplications.start(stack.type(),
				stack.select(L7IntentionsIntegrationTests.ServletApp.class,
						L7IntentionsIntegrationTests.ReactiveApp.class),
				TestConsulAgentConnectionDetails.of(agent.getHttpAddress(), null), service,
				MeshApplications.NO_REGISTRATION);
	}

	private static FakeResponse dispatch(RecordedRequest request, String service, CountDownLatch trustChanged,
			String rootsBefore, String rootsAfter, String leafBefore, String leafAfter) {
		String path = request.path();
		if (path.equals("/v1/agent/connect/ca/roots") || path.equals("/v1/agent/connect/ca/leaf/" + service)) {
			boolean roots = path.endsWith("/roots");
			if (request.hasQueryParameter("index") || request.hasQueryParameter("hash")) {
				if (!awaitLatch(trustChanged) || "2".equals(request.queryParameter("index"))) {
					return FakeResponse.hang();
				}
				return FakeResponse.json(roots ? rootsAfter : leafAfter).index(2);
			}
			return (trustChanged.getCount() == 0) ? FakeResponse.json(roots ? rootsAfter : leafAfter).index(2)
					: FakeResponse.json(roots ? rootsBefore : leafBefore).index(1);
		}
		if (path.equals("/v1/connect/intentions/match")) {
			return request.hasQueryParameter("index") ? FakeResponse.hang()
					: FakeResponse.json("{\"" + service + "\":[]}").index(1);
		}
		if (path.equals("/v1/connect/intentions/check")) {
			return FakeResponse.json("{\"Allowed\":true}");
		}
		return FakeResponse.status(404, "not scripted: " + path);
	}

	private static boolean awaitLatch(CountDownLatch latch) {
		try {
			return latch.await(60, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	private static String roots(TestCertificateAuthority ca, String id) {
		return "{\"ActiveRootID\":\"" + id + "\",\"TrustDomain\":\"" + ca.getTrustDomain() + "\",\"Roots\":[{\"ID\":\""
				+ id + "\",\"Name\":\"" + id + "\",\"RootCert\":" + json(ca.getRootCertPem()) + ",\"Active\":true}]}";
	}

	private static String leaf(TestCertificateAuthority ca, String service) {
		IssuedCertificate leaf = ca.leaf(service)
			.validity(Instant.now().minus(1, ChronoUnit.MINUTES), Instant.now().plus(1, ChronoUnit.HOURS))
			.issue();
		String serial = HexFormat.ofDelimiter(":").formatHex(leaf.getCertificate().getSerialNumber().toByteArray());
		return "{\"SerialNumber\":\"" + serial + "\",\"CertPEM\":" + json(leaf.getChainPem()) + ",\"PrivateKeyPEM\":"
				+ json(leaf.getPrivateKeyPem()) + ",\"Service\":\"" + service + "\",\"ServiceURI\":\""
				+ ca.serviceId(service) + "\",\"ValidAfter\":\"" + Instant.now().minus(1, ChronoUnit.MINUTES)
				+ "\",\"ValidBefore\":\"" + Instant.now().plus(1, ChronoUnit.HOURS) + "\"}";
	}

	private static String json(String text) {
		return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "") + "\"";
	}

}
