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

import java.net.URI;
import java.time.Duration;

import javax.net.ssl.SSLHandshakeException;

import io.meshnative.connect.agent.internal.AgentQuery;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ConsulAgentException;
import io.meshnative.connect.identity.ConnectIdentityException;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.test.FakeConsulAgent;
import io.meshnative.connect.test.FakeResponse;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.diagnostics.FailureAnalysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link ConnectIdentityFailureAnalyzer} and
 * {@link MissingServiceNameFailureAnalyzer}, on the exceptions real start-up failures
 * throw.
 *
 * @author connect-spring-boot authors
 */
class ConnectFailureAnalyzersTests {

	private final ConnectIdentityFailureAnalyzer analyzer = new ConnectIdentityFailureAnalyzer();

	@Test
	void agentlessFailureSaysWhatTheServersAnsweredAndTheFix() {
		ConnectIdentityException failure = new ConnectIdentityException(
				"Consul server 10.0.0.1:8502 refused to sign a leaf for spiffe://td.consul/ns/default/dc/dc1/svc/orders: "
						+ "PERMISSION_DENIED (Permission denied). Fix: the ACL token needs service:write on 'orders'",
				null);
		FailureAnalysis analysis = this.analyzer.analyze(failure);
		assertThat(analysis.getDescription()).contains("refused to sign a leaf").doesNotContain("Fix:");
		assertThat(analysis.getAction()).isEqualTo("the ACL token needs service:write on 'orders'");
	}

	@Test
	void agentUnreachable() {
		FailureAnalysis analysis = analyze("http://127.0.0.1:1");
		assertThat(analysis.getDescription())
			.startsWith("Consul Connect could not reach the Consul agent at http://127.0.0.1:1");
		assertThat(analysis.getAction()).contains("Start a Consul agent with Connect enabled at http://127.0.0.1:1")
			.contains("connect.agent.address (or CONSUL_HTTP_ADDR)")
			.contains("connect.agent.startup-timeout");
	}

	@Test
	void aclTokenRefused() {
		try (FakeConsulAgent fake = FakeConsulAgent.start()) {
			fake.setDispatcher((request) -> request.path().endsWith("/ca/roots")
					? FakeResponse.json("{\"ActiveRootID\":\"x\",\"TrustDomain\":\"t.consul\",\"Roots\":[]}")
					: FakeResponse.status(403, "Permission denied: token with AccessorID '00000000' lacks permission"));
			FailureAnalysis analysis = analyze(fake.getHttpAddress());
			assertThat(analysis.getDescription())
				.isEqualTo("The Consul agent at " + fake.getHttpAddress() + " refused the ACL token: GET "
						+ "/v1/agent/connect/ca/leaf/orders answered HTTP 403 (Permission denied: token with "
						+ "AccessorID '00000000' lacks permission).");
			assertThat(analysis.getAction()).contains("service:write")
				.contains("'service \"orders\" { policy = \"write\" }'")
				.contains("connect.agent.token");
		}
	}

	@Test
	void identityNotDeliveredWithinTheStartupTimeout() {
		try (FakeConsulAgent fake = FakeConsulAgent.start()) {
			fake.setDefaultResponse(FakeResponse.status(500, "CA has not finished initializing"));
			FailureAnalysis analysis = analyze(fake.getHttpAddress());
			assertThat(analysis.getDescription())
				.startsWith("The Consul agent at " + fake.getHttpAddress() + " did not deliver this service's identity "
						+ "within connect.agent.startup-timeout")
				.contains("CA has not finished initializing");
			assertThat(analysis.getAction()).contains("Connect CA is initialised")
				.contains("raise connect.agent.startup-timeout");
		}
	}

	@Test
	void agentTlsFailureNamesTheTlsSettings() {
		ConsulAgentException agentFailure = new ConsulAgentException("GET /v1/agent/connect/ca/roots",
				"https://127.0.0.1:8501", 0, "TLS failure (PKIX path building failed)",
				"check the CA the client trusts for the agent (CONSUL_CACERT) against the agent's HTTPS certificate",
				new SSLHandshakeException("PKIX path building failed"));
		FailureAnalysis analysis = this.analyzer.analyze(new ConnectIdentityException("failed", agentFailure));
		assertThat(analysis.getDescription()).contains("TLS failure (PKIX path building failed)");
		assertThat(analysis.getAction()).contains("connect.agent.tls.* (or CONSUL_CACERT)");
	}

	@Test
	void agentlessServerUnreachableNamesTheServerAndTheServersSetting() {
		FailureAnalysis analysis = analyzeAgentless("http://127.0.0.1:1");
		assertThat(analysis.getDescription())
			.startsWith("Consul Connect could not reach the Consul server at http://127.0.0.1:1 to load this "
					+ "service's identity (connection refused).")
			.doesNotContain("agent");
		assertThat(analysis.getAction()).contains("connect.consul.servers[*].http-address")
			.contains("there is no local agent")
			.contains("connect.consul.datacenter")
			.contains("connect.agent.startup-timeout")
			.doesNotContain("Start a Consul agent")
			.doesNotContain("connect.agent.address")
			.doesNotContain("CONSUL_HTTP_ADDR");
	}

	@Test
	void agentlessServerRefusingTheTokenSuggestsAServiceIdentity() {
		try (FakeConsulAgent fake = FakeConsulAgent.start()) {
			fake.setDefaultResponse(FakeResponse.status(403, "Permission denied: token with AccessorID 'a1' lacks it"));
			FailureAnalysis analysis = analyzeAgentless(fake.getHttpAddress());
			assertThat(analysis.getDescription())
				.isEqualTo("The Consul server at " + fake.getHttpAddress() + " refused the ACL token: GET "
						+ "/v1/catalog/datacenters answered HTTP 403 (Permission denied: token with AccessorID 'a1' "
						+ "lacks it).");
			assertThat(analysis.getAction()).contains("connect.agent.token")
				.contains("connect.consul.login")
				.contains("service identity")
				.contains("the login's service identity");
		}
	}

	@Test
	void agentlessServerWithoutLeaderSaysTheServersNeedOne() {
		try (FakeConsulAgent fake = FakeConsulAgent.start()) {
			fake.setDefaultResponse(FakeResponse.status(500, "No cluster leader"));
			FailureAnalysis analysis = analyzeAgentless(fake.getHttpAddress());
			assertThat(analysis.getDescription())
				.startsWith("The Consul server at " + fake.getHttpAddress() + " did not deliver this service's "
						+ "identity within connect.agent.startup-timeout: Consul server at " + fake.getHttpAddress()
						+ " answered GET /v1/catalog/datacenters with HTTP 500: No cluster leader");
			assertThat(analysis.getAction()).contains("the servers have a leader").doesNotContain("agent's");
		}
	}

	@Test
	void agentlessServerAnsweringSomethingElseNamesTheServersSetting() {
		try (FakeConsulAgent fake = FakeConsulAgent.start()) {
			fake.setDefaultResponse(FakeResponse.json("{\"not\": \"a list\"}"));
			FailureAnalysis analysis = analyzeAgentless(fake.getHttpAddress());
			assertThat(analysis.getDescription()).contains("Consul server at " + fake.getHttpAddress())
				.doesNotContain("Consul agent");
			assertThat(analysis.getAction())
				.contains("connect.consul.servers[*].http-address points at a Consul server's HTTP API")
				.doesNotContain("CONSUL_HTTP_ADDR");
		}
	}

	@Test
	void missingServiceName() {
		FailureAnalysis analysis = new MissingServiceNameFailureAnalyzer()
			.analyze(new BeanCreationException("connectIdentityManager", "failed", new MissingServiceNameException()));
		assertThat(analysis.getDescription()).isEqualTo("Consul Connect is enabled but connect.service-name is not "
				+ "set, so there is no service to load a certificate and SPIFFE ID for.");
		assertThat(analysis.getAction()).startsWith("Set connect.service-name to the name of this service")
			.contains("connect.enabled=false");
	}

	/**
	 * Analyze the failure agentless start-up throws when the servers' HTTP API fails:
	 * {@code ServerIdentitySource} asks it for the datacenter with the client agentless
	 * mode builds ({@code server(true)}), and wraps what it threw.
	 * @param address the server's HTTP address
	 * @return the analysis
	 */
	private FailureAnalysis analyzeAgentless(String address) {
		try (ConsulAgentClient client = ConsulAgentClient.builder(URI.create(address))
			.server(true)
			.requestTimeout(Duration.ofSeconds(5))
			.build()) {
			ConsulAgentException serverFailure = assertThatExceptionOfType(ConsulAgentException.class)
				.isThrownBy(() -> client.query(AgentQuery.datacenters()))
				.actual();
			assertThat(serverFailure.isServer()).isTrue();
			ConnectIdentityException failure = new ConnectIdentityException("Could not learn the datacenter of "
					+ address + " from /v1/catalog/datacenters (" + serverFailure.getMessage() + "). Fix: check "
					+ "connect.consul.servers[*].http-address, or set connect.consul.datacenter (still failing after "
					+ "1s, connect.agent.startup-timeout)", serverFailure);
			FailureAnalysis analysis = this.analyzer
				.analyze(new BeanCreationException("connectIdentityManager", "failed", failure));
			assertThat(analysis).isNotNull();
			return analysis;
		}
	}

	private FailureAnalysis analyze(String address) {
		try (ConsulAgentClient client = ConsulAgentClient.builder(URI.create(address)).build();
				ConnectIdentityManager manager = new ConnectIdentityManager(client, "orders", Duration.ofSeconds(1),
						Duration.ofMinutes(5))) {
			ConnectIdentityException failure = assertThatExceptionOfType(ConnectIdentityException.class)
				.isThrownBy(manager::start)
				.actual();
			FailureAnalysis analysis = this.analyzer
				.analyze(new BeanCreationException("connectIdentityManager", "failed", failure));
			assertThat(analysis).isNotNull();
			return analysis;
		}
	}

}
