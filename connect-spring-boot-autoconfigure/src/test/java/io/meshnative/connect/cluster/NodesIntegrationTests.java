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

package io.meshnative.connect.cluster;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.meshnative.connect.agent.internal.AgentQuery;
import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ServiceRegistration;
import io.meshnative.connect.authz.ConnectCaller;
import io.meshnative.connect.client.ConnectClientFactory;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.test.ConsulCluster;
import io.meshnative.connect.test.ConsulClusterAgent;
import io.meshnative.connect.test.ConsulClusterExtension;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Two mesh applications on different nodes of a real Consul cluster (three servers, two
 * client agents): {@code nodes-a} attached to the first client agent, {@code nodes-b} to
 * the second, each registered on its own agent, calling each other over mTLS through
 * {@link ConnectClientFactory}.
 *
 * @author connect-spring-boot authors
 */
class NodesIntegrationTests {

	@RegisterExtension
	static final ConsulClusterExtension consul = ConsulClusterExtension.of(ConsulCluster.create(3, 2));

	private static final String A = "nodes-a";

	private static final String B = "nodes-b";

	/**
	 * The service address {@code nodes-a} is registered with: a loopback address that is
	 * neither client agent's node address.
	 */
	private static final String A_SERVICE_ADDRESS = "127.0.0.1";

	private static final Duration INTENTION_BOUND = Duration.ofSeconds(30);

	private static ConsulClusterAgent agentA;

	private static ConsulClusterAgent agentB;

	private static ConsulAgentClient clientA;

	private static ConsulAgentClient clientB;

	private static ConfigurableApplicationContext appA;

	private static ConfigurableApplicationContext appB;

	@BeforeAll
	static void startApplications() {
		ConsulCluster cluster = consul.getCluster().start();
		agentA = cluster.getClients().get(0);
		agentB = cluster.getClients().get(1);
		assertThat(agentA.getAddress()).isNotEqualTo(agentB.getAddress()).isNotEqualTo(A_SERVICE_ADDRESS);
		clientA = ConsulAgentClient.builder(URI.create(agentA.getHttpAddress())).build();
		clientB = ConsulAgentClient.builder(URI.create(agentB.getHttpAddress())).build();
		appA = start(A, agentA);
		appB = start(B, agentB);
		register(clientA, A, A_SERVICE_ADDRESS, port(appA));
		register(clientB, B, null, port(appB));
	}

	@AfterAll
	static void stopApplications() {
		if (appA != null) {
			appA.close();
		}
		if (appB != null) {
			appB.close();
		}
		if (clientA != null) {
			clientA.close();
		}
		if (clientB != null) {
			clientB.close();
		}
	}

	@Test
	void applicationsOnDifferentClientAgentsCallEachOtherOverMutualTls() {
		Map<String, String> fromA = call(appA, B);
		assertThat(fromA).containsEntry("service", B).containsEntry("caller", spiffeId(A));
		Map<String, String> fromB = call(appB, A);
		assertThat(fromB).containsEntry("service", A).containsEntry("caller", spiffeId(B));
	}

	@Test
	void endpointsAreDialledAtTheServiceAddressElseTheNodeAddress() {
		assertThat(clientA.query(AgentQuery.connectHealth(B, true, null, null)).value()).singleElement()
			.satisfies((entry) -> assertThat(entry.node().address()).isEqualTo(agentB.getAddress()))
			.satisfies((entry) -> assertThat(entry.service().address()).isEmpty());
		assertThat(clientB.query(AgentQuery.connectHealth(A, true, null, null)).value()).singleElement()
			.satisfies((entry) -> assertThat(entry.node().address()).isEqualTo(agentA.getAddress()))
			.satisfies((entry) -> assertThat(entry.service().address()).isEqualTo(A_SERVICE_ADDRESS));
		// The local address of the accepted connection is the address the caller dialled.
		assertThat(call(appA, B)).containsEntry("localAddress", agentB.getAddress());
		assertThat(call(appB, A)).containsEntry("localAddress", A_SERVICE_ADDRESS);
	}

	@Test
	void eachApplicationHoldsTheLeafOfItsOwnAgent() {
		String serialA = appA.getBean(ConnectIdentityManager.class).getIdentity().getSerialNumber();
		String serialB = appB.getBean(ConnectIdentityManager.class).getIdentity().getSerialNumber();
		// Each agent signs and caches a leaf per service of its own; asking the other
		// agent
		// for the same service yields another certificate.
		assertThat(serialA).isEqualTo(clientA.getLeafCertificate(A).serialNumber())
			.isNotEqualTo(clientB.getLeafCertificate(A).serialNumber());
		assertThat(serialB).isEqualTo(clientB.getLeafCertificate(B).serialNumber())
			.isNotEqualTo(clientA.getLeafCertificate(B).serialNumber());
	}

	@Test
	void intentionWrittenThroughAServerAppliesToCallsBetweenClientAgents() {
		ConsulCluster cluster = consul.getCluster();
		ConsulClusterAgent leader = cluster.leader();
		ConsulClusterAgent server = cluster.getServers()
			.stream()
			.filter((candidate) -> candidate != leader)
			.findFirst()
			.orElse(leader);
		assertThat(call(appA, B)).containsEntry("service", B);
		try {
			long written = System.nanoTime();
			server.request("PUT", "/v1/config", "{\"Kind\":\"service-intentions\",\"Name\":\"" + B
					+ "\",\"Sources\":[{\"Name\":\"" + A + "\",\"Action\":\"deny\"}]}");
			await().atMost(INTENTION_BOUND)
				.pollInterval(Duration.ofMillis(50))
				.untilAsserted(() -> assertThatExceptionOfType(HttpClientErrorException.Forbidden.class)
					.isThrownBy(() -> call(appA, B)));
			long denied = System.nanoTime();
			System.out.println("[measure] intention deny written on " + server.getNodeName() + " (leader "
					+ leader.getNodeName() + ") enforced by " + B + " on " + agentB.getNodeName() + " for " + A + " on "
					+ agentA.getNodeName() + " after " + Duration.ofNanos(denied - written).toMillis() + " ms (bound "
					+ INTENTION_BOUND.toSeconds() + " s)");
			assertThat(call(appB, A)).containsEntry("service", A);
		}
		finally {
			long deleted = System.nanoTime();
			server.request("DELETE", "/v1/config/service-intentions/" + B, null);
			await().atMost(INTENTION_BOUND)
				.pollInterval(Duration.ofMillis(50))
				.ignoreExceptions()
				.untilAsserted(() -> assertThat(call(appA, B)).containsEntry("service", B));
			System.out.println("[measure] intention deny deleted, calls allowed again after "
					+ Duration.ofNanos(System.nanoTime() - deleted).toMillis() + " ms");
		}
	}

	@SuppressWarnings("unchecked")
	private static Map<String, String> call(ConfigurableApplicationContext from, String upstream) {
		RestClient client = from.getBean(ConnectClientFactory.class).restClientBuilder(upstream).build();
		return client.get().uri("/hello").retrieve().body(Map.class);
	}

	private static String spiffeId(String service) {
		return "spiffe://" + consul.getCluster().getTrustDomain() + "/ns/default/dc/dc1/svc/" + service;
	}

	private static void register(ConsulAgentClient client, String service, @Nullable String address, int port) {
		client.registerService(new ServiceRegistration(service + "-1", service, null, null, address, port, null,
				new AgentService.Connect(true, null), null, ServiceRegistration.Check.passingTtl("30m"), null));
	}

	private static int port(ConfigurableApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	private static ConfigurableApplicationContext start(String service, ConsulClusterAgent agent) {
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("server.port", "0");
		properties.put("connect.service-name", service);
		properties.put("connect.agent.address", agent.getHttpAddress());
		properties.put("spring.cloud.consul.enabled", "false");
		properties.put("spring.main.banner-mode", "off");
		return new SpringApplicationBuilder(MeshApp.class).web(WebApplicationType.SERVLET).properties(properties).run();
	}

	/**
	 * A mesh application: {@code GET /hello} answers with its service name, the caller's
	 * SPIFFE ID and the local address the caller's connection reached.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@RestController
	static class MeshApp {

		private final ConnectIdentityManager identity;

		MeshApp(ConnectIdentityManager identity) {
			this.identity = identity;
		}

		@GetMapping("/hello")
		Map<String, String> hello(ConnectCaller caller, HttpServletRequest request) {
			return Map.of("service", this.identity.getService(), "caller", caller.spiffeId(), "localAddress",
					request.getLocalAddr());
		}

	}

}
