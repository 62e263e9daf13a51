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
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agentless.internal.ConsulServers;
import io.meshnative.connect.authz.ConnectCaller;
import io.meshnative.connect.autoconfigure.MeshApplications;
import io.meshnative.connect.autoconfigure.MeshLoad;
import io.meshnative.connect.autoconfigure.MeshTestClient;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.test.ConsulCluster;
import io.meshnative.connect.test.ConsulClusterAgent;
import io.meshnative.connect.test.ConsulClusterExtension;
import io.meshnative.connect.test.ConsulOperator;
import io.meshnative.connect.test.TestCertificateAuthority;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Agentless mode on a real three-server cluster without client agents: the server the
 * application's gRPC channel is connected to is killed under load; no request fails and
 * the application moves to another server, where its {@code WatchRoots} stream and
 * {@code Sign} work (a CA root rotation afterwards reaches the application), and so do
 * its HTTP watches (an intention deny written afterwards is enforced).
 *
 * @author connect-spring-boot authors
 */
class AgentlessServerFailureIntegrationTests {

	@RegisterExtension
	static final ConsulClusterExtension consul = ConsulClusterExtension.of(ConsulCluster.create(3, 0));

	private static final String SERVICE = "agentless-cluster";

	@Test
	void killingTheConnectedServerUnderLoadFailsNoRequest(ConsulCluster cluster) throws Exception {
		ConsulClusterAgent leader = cluster.leader();
		List<ConsulClusterAgent> servers = new ArrayList<>(cluster.getServers());
		servers.remove(leader);
		servers.add(leader);
		ConsulClusterAgent connected = servers.get(0);
		List<String> properties = new ArrayList<>(List.of(MeshApplications.NO_REGISTRATION,
				"connect.consul.mode=agentless", "connect.consul.root-change-spread=1s"));
		for (int i = 0; i < servers.size(); i++) {
			properties.add("connect.consul.servers[" + i + "].http-address=" + servers.get(i).getHttpAddress());
			properties.add("connect.consul.servers[" + i + "].grpc-address=127.0.0.1:" + servers.get(i).getGrpcPort());
		}
		MeshTestClient tester;
		try (ConsulAgentClient client = ConsulAgentClient.builder(URI.create(leader.getHttpAddress())).build()) {
			tester = MeshTestClient.of(client.getLeafCertificate("agentless-cluster-tester"), client.getCaRoots());
		}
		try (ConfigurableApplicationContext app = new SpringApplicationBuilder(Backend.class)
			.web(WebApplicationType.SERVLET)
			.properties(MeshApplications.properties(URI.create(connected.getHttpAddress()), SERVICE,
					properties.toArray(String[]::new)))
			.run()) {
			ConsulServers consulServers = app.getBean(ConsulServers.class);
			assertThat(consulServers.current().grpcPort()).isEqualTo(connected.getGrpcPort());
			int port = MeshApplications.port(app);
			try (MeshLoad load = new MeshLoad(tester, port, "/hello", 2, (response) -> response.status() == 200)
				.start()) {
				await().atMost(Duration.ofSeconds(20)).until(() -> load.answered.get() >= 20);
				cluster.kill(connected);
				long killed = System.nanoTime();
				await().atMost(Duration.ofSeconds(30))
					.until(() -> consulServers.getFailovers() >= 1
							&& consulServers.current().grpcPort() != connected.getGrpcPort());
				long failover = System.nanoTime() - killed;
				long answered = load.answered.get();
				await().atMost(Duration.ofSeconds(20)).until(() -> load.answered.get() >= answered + 50);
				load.stop();
				System.out.println("agentless server_failover_ms=" + Duration.ofNanos(failover).toMillis()
						+ " requests=" + load.answered.get() + " failed=" + load.failures.size());
				assertThat(load.failures).isEmpty();
			}
			ConsulOperator intentions = ConsulOperator.of(cluster.leader().getHttpAddress(), null);
			intentions.putConfigEntry(Map.of("Kind", "service-intentions", "Name", SERVICE, "Sources",
					List.of(Map.of("Name", "agentless-cluster-tester", "Action", "deny"))));
			await().atMost(Duration.ofSeconds(60)).until(() -> tester.get(port, "/hello").status() == 403);
			assertThat(consulServers.httpAddress().getPort()).isNotEqualTo(connected.getHttpPort());
			ConnectIdentityManager manager = app.getBean(ConnectIdentityManager.class);
			TestCertificateAuthority ca = TestCertificateAuthority.forConsulTrustDomain(cluster.getTrustDomain());
			ConsulOperator operator = ConsulOperator.of(cluster.leader().getHttpAddress(), null);
			Map<String, Object> config = new LinkedHashMap<>(operator.getCaConfiguration().config());
			config.put("PrivateKey", ca.getPrivateKeyPem());
			config.put("RootCert", ca.getRootCertPem());
			operator.updateCaConfiguration("consul", config);
			await().atMost(Duration.ofSeconds(60))
				.until(() -> manager.getIdentity().getRoots().contains(ca.getRootCertificate())
						&& signedBy(manager.getIdentity().getLeaf(), ca.getRootCertificate()));
		}
	}

	private static boolean signedBy(X509Certificate certificate, X509Certificate root) {
		try {
			certificate.verify(root.getPublicKey());
			return true;
		}
		catch (Exception ex) {
			return false;
		}
	}

	/**
	 * Answers with the caller's SPIFFE ID.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@RestController
	static class Backend {

		@GetMapping("/hello")
		Map<String, String> hello(ConnectCaller caller) {
			return Map.of("caller", caller.spiffeId());
		}

	}

}
