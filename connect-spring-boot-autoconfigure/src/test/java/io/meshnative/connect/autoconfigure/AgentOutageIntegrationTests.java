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
import java.math.BigInteger;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.meshnative.connect.agent.internal.CaRoots;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.test.ConsulAgent;
import io.meshnative.connect.test.ConsulOperator;
import io.meshnative.connect.test.TestCertificateAuthority;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An agent outage under load: the agent of a frontend (Tomcat) and a backend (Netty) is
 * stopped for {@link #OUTAGE} and a new agent is started at the same address with the
 * same CA material (cluster ID, root key and certificate). Decisions go on from the
 * intentions read before the outage, identities, chains and endpoints from the last good
 * ones: the known caller keeps being served, and a caller never seen before is refused by
 * the deny intention written for it before the outage and counted
 * ({@code connect.authz.decisions} with {@code source=intention}); once the agent is back
 * (a new dev agent, without that intention), the watches recover, the new agent's leaves
 * (new keys) are served and the new caller is allowed, and no request of the known caller
 * failed.
 *
 * @author connect-spring-boot authors
 */
class AgentOutageIntegrationTests {

	static final Duration OUTAGE = Duration.ofSeconds(60);

	private static final String CLUSTER_ID = "0a0a0a0a-1111-2222-3333-444444444444";

	private static final TestCertificateAuthority ca = TestCertificateAuthority
		.forConsulTrustDomain(CLUSTER_ID + ".consul");

	private static ConsulAgent agent;

	private static ConsulAgentClient client;

	@BeforeAll
	static void startAgent() {
		agent = ConsulAgent
			.dev("connect { ca_config { cluster_id = \"" + CLUSTER_ID + "\" private_key = \""
					+ hcl(ca.getPrivateKeyPem()) + "\" root_cert = \"" + hcl(ca.getRootCertPem()) + "\" } }")
			.start();
		client = ConsulAgentClient.builder(URI.create(agent.getHttpAddress())).build();
	}

	@AfterAll
	static void stopAgent() {
		client.close();
		agent.stop();
	}

	@Test
	void knownCallersAreServedThroughAnAgentOutageAndTheNewAgentsLeavesAreServedAfterwards() throws Exception {
		CaRoots roots = client.getCaRoots();
		assertThat(MeshTestClient.roots(roots)).containsExactly(ca.getRootCertificate());
		try (ConfigurableApplicationContext backend = start(ResilienceIntegrationTests.Backend.class,
				WebApplicationType.REACTIVE, "res-backend")) {
			int backendPort = MeshApplications.port(backend);
			register(backendPort);
			try (ConfigurableApplicationContext frontend = start(ResilienceIntegrationTests.Frontend.class,
					WebApplicationType.SERVLET, "outage-frontend")) {
				int frontendPort = MeshApplications.port(frontend);
				MeshTestClient known = MeshTestClient.of(client.getLeafCertificate("outage-caller"), roots);
				MeshTestClient newcomer = MeshTestClient.of(client.getLeafCertificate("outage-newcomer"), roots);
				ConsulOperator.of(agent.getHttpAddress(), null)
					.putConfigEntry(Map.of("Kind", "service-intentions", "Name", "outage-frontend", "Sources",
							List.of(Map.of("Name", "outage-newcomer", "Action", "deny"))));
				await().atMost(Duration.ofSeconds(30))
					.until(() -> newcomer.get(frontendPort, "/relay").status() == 403);
				X509Certificate frontendLeaf = served(known, frontendPort);
				X509Certificate backendLeaf = served(known, backendPort);
				try (MeshLoad load = new MeshLoad(known, frontendPort, "/relay", MeshLoad.THREADS,
						(response) -> response.status() == 200 && response.body().contains("/svc/outage-frontend\""))
					.start()) {
					await().atMost(Duration.ofSeconds(60)).until(() -> load.answered.get() >= 200);
					long answeredBefore = load.answered.get();
					agent.stop();
					long stoppedAt = System.nanoTime();
					MeterRegistry meters = frontend.getBean(MeterRegistry.class);
					double deniedBefore = deniedByIntention(meters);
					assertThat(newcomer.get(frontendPort, "/relay").status())
						.as("a caller never seen before, denied by an intention written before the outage")
						.isEqualTo(403);
					assertThat(deniedByIntention(meters))
						.as("decided from the last intentions, not by the failure mode")
						.isEqualTo(deniedBefore + 1);
					await().during(OUTAGE)
						.atMost(OUTAGE.plusSeconds(30))
						.until(() -> load.failures.isEmpty() && load.answered.get() > answeredBefore);
					long answeredDuringOutage = load.answered.get() - answeredBefore;
					agent.startOnSamePorts(serviceDefinition(backendPort));
					long restartedAt = System.nanoTime();
					System.out.println("[measure] agent outage: " + Duration.ofNanos(restartedAt - stoppedAt).toMillis()
							+ " ms, " + answeredDuringOutage + " requests of the known caller answered during it");
					assertThat(MeshTestClient.roots(client.getCaRoots())).containsExactly(ca.getRootCertificate());
					X509Certificate newFrontendLeaf = await().atMost(Duration.ofMinutes(3))
						.until(() -> served(known, frontendPort), (leaf) -> !leaf.equals(frontendLeaf));
					long frontendAt = System.nanoTime();
					X509Certificate newBackendLeaf = await().atMost(Duration.ofMinutes(3))
						.until(() -> served(known, backendPort), (leaf) -> !leaf.equals(backendLeaf));
					long backendAt = System.nanoTime();
					String newFrontendSerial = newFrontendLeaf.getSerialNumber().toString(16);
					await().atMost(Duration.ofMinutes(1)).until(() -> {
						MeshTestClient.Response last = load.lastAnswer();
						return last != null && last.body().contains("\"serial\":\"" + newFrontendSerial + "\"");
					});
					await().atMost(Duration.ofMinutes(3))
						.until(() -> newcomer.get(frontendPort, "/relay").status() == 200);
					long newcomerAt = System.nanoTime();
					long answeredAfterRecovery = load.answered.get();
					await().atMost(Duration.ofSeconds(60))
						.until(() -> load.answered.get() >= answeredAfterRecovery + 200);
					load.stop();
					System.out.println("[measure] after the agent returned: frontend served a new leaf after "
							+ Duration.ofNanos(frontendAt - restartedAt).toMillis() + " ms, backend after "
							+ Duration.ofNanos(backendAt - restartedAt).toMillis()
							+ " ms, the new caller was allowed after "
							+ Duration.ofNanos(newcomerAt - restartedAt).toMillis() + " ms; load: " + load.summary());
					assertThat(load.failures).as("failed requests of the known caller").isEmpty();
					assertThat(newFrontendLeaf.getPublicKey()).as("new frontend key")
						.isNotEqualTo(frontendLeaf.getPublicKey());
					assertThat(newBackendLeaf.getPublicKey()).as("new backend key")
						.isNotEqualTo(backendLeaf.getPublicKey());
					newFrontendLeaf.verify(ca.getRootCertificate().getPublicKey());
					newBackendLeaf.verify(ca.getRootCertificate().getPublicKey());
					assertThat(new BigInteger(newFrontendSerial, 16)).isEqualTo(newFrontendLeaf.getSerialNumber());
				}
			}
		}
	}

	private static double deniedByIntention(MeterRegistry meters) {
		Counter counter = meters.find("connect.authz.decisions")
			.tags("result", "deny", "source", "intention")
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	private static String hcl(String pem) {
		return pem.replace("\r", "").replace("\n", "\\n");
	}

	private static String serviceDefinition(int backendPort) {
		return "service { id = \"outage-backend-1\" name = \"res-backend\" address = \"127.0.0.1\" port = "
				+ backendPort + " connect { native = true } check { ttl = \"30m\" status = \"passing\" } }";
	}

	private static void register(int backendPort) {
		MeshApplications.registerConnectNative(client, "outage-backend-1", "res-backend", backendPort);
	}

	private static X509Certificate served(MeshTestClient caller, int port) throws IOException {
		try (MeshTestClient.Connection connection = caller.open(port)) {
			return (X509Certificate) connection.getSocket().getSession().getPeerCertificates()[0];
		}
	}

	private static ConfigurableApplicationContext start(Class<?> application, WebApplicationType type, String service) {
		return MeshApplications
			.start(type, application, TestConsulAgentConnectionDetails.of(agent.getHttpAddress(), null), service,
					MeshApplications.NO_REGISTRATION)
			.getContext();
	}

}
