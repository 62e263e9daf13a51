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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.grpc.ClientInterceptor;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.authz.ConnectCaller;
import io.meshnative.connect.identity.ConnectIdentity;
import io.meshnative.connect.identity.ConnectIdentityException;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.test.ConsulAgent;
import io.meshnative.connect.test.TestCertificateAuthority;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Agentless mode against a real Consul server that serves its HTTP API over HTTPS and its
 * public gRPC API over TLS ({@code ports.grpc_tls}), both with a certificate signed by a
 * private CA: the application trusts that CA, gets its leaf with {@code Sign} over TLS
 * and serves mTLS; with the wrong CA for gRPC, start-up fails.
 *
 * @author connect-spring-boot authors
 */
class AgentlessTlsIntegrationTests {

	private static final ConsulAgent agent = ConsulAgent.devWithHttps(false);

	private static final String SERVICE = "agentless-tls";

	private static final String TESTER = "agentless-tls-tester";

	private static final Set<String> grpcMethods = ConcurrentHashMap.newKeySet();

	@BeforeAll
	static void startAgent() {
		agent.start();
	}

	@AfterAll
	static void stopAgent() {
		agent.stop();
	}

	@Test
	void signsOverGrpcTlsAndServesMtls() throws Exception {
		try (ConfigurableApplicationContext context = start("connect.consul.grpc-ca-file=" + agent.getCaFile())) {
			ConnectIdentity identity = context.getBean(ConnectIdentityManager.class).getIdentity();
			String svc = "spiffe://" + agent.getTrustDomain() + "/ns/default/dc/dc1/svc/";
			assertThat(identity.getSpiffeId()).isEqualTo(svc + SERVICE);
			assertThat(identity.getLeaf().getPublicKey().getAlgorithm()).isEqualTo("EC");
			assertThat(grpcMethods).contains("hashicorp.consul.connectca.ConnectCAService/Sign");
			registerInCatalog(MeshApplications.port(context));
			MeshTestClient tester;
			try (ConsulAgentClient client = ConsulAgentClient.builder(URI.create(agent.getHttpAddress())).build()) {
				tester = MeshTestClient.of(client.getLeafCertificate(TESTER), client.getCaRoots());
			}
			MeshTestClient.Response response = await().atMost(Duration.ofSeconds(20))
				.until(() -> tester.get(MeshApplications.port(context), "/hello"), (answer) -> answer.status() == 200);
			assertThat(response.body()).contains(svc + TESTER);
		}
	}

	@Test
	void wrongGrpcCaFailsStartUpNamingTheServer(@TempDir Path directory) throws Exception {
		TestCertificateAuthority other = TestCertificateAuthority.create(agent.getTrustDomain());
		Path wrongCa = Files.writeString(directory.resolve("wrong-ca.pem"), other.getRootCertPem(),
				StandardCharsets.US_ASCII);
		Throwable failure = catchThrowable(
				() -> start("connect.consul.grpc-ca-file=" + wrongCa, "connect.agent.startup-timeout=5s").close());
		assertThat(failure).isNotNull();
		ConnectIdentityException identityFailure = findCause(failure, ConnectIdentityException.class);
		assertThat(identityFailure).as("start-up failure %s", failure).isNotNull();
		FailureAnalysis analysis = new ConnectIdentityFailureAnalyzer().analyze(failure);
		assertThat(analysis).isNotNull();
		System.out.println("[measure] agentless gRPC TLS with the wrong CA: " + analysis.getDescription()
				+ " / Action: " + analysis.getAction());
		assertThat(analysis.getDescription()).contains("127.0.0.1:" + agent.getGrpcTlsPort())
			.contains("the TLS handshake with the server failed")
			.contains("connect.consul.grpc-ca-file");
	}

	private static ConfigurableApplicationContext start(String... properties) {
		URI https = URI.create(agent.getHttpsAddress());
		String[] all = new String[properties.length + 6];
		all[0] = "connect.consul.mode=agentless";
		all[1] = "connect.consul.servers[0].http-address=" + https;
		all[2] = "connect.consul.servers[0].grpc-address=https://127.0.0.1:" + agent.getGrpcTlsPort();
		all[3] = "connect.agent.tls.ca-file=" + agent.getCaFile();
		all[4] = "spring.cloud.consul.port=" + agent.getHttpPort();
		all[5] = "connect.consul.root-change-spread=1s";
		System.arraycopy(properties, 0, all, 6, properties.length);
		return MeshApplications.builder(WebApplicationType.SERVLET, App.class, https, SERVICE, all).run();
	}

	private static void registerInCatalog(int port) {
		agent.request("PUT", "/v1/catalog/register", """
				{"Node": "k8s-node-1", "Address": "127.0.0.1",
				 "Service": {"ID": "%s-1", "Service": "%s", "Address": "127.0.0.1", "Port": %d,
				             "Connect": {"Native": true}},
				 "Check": {"CheckID": "%s-1-ready", "Name": "Kubernetes Readiness Check", "Status": "passing",
				           "ServiceID": "%s-1"}}
				""".formatted(SERVICE, SERVICE, port, SERVICE, SERVICE));
	}

	private static <T extends Throwable> @Nullable T findCause(Throwable failure, Class<T> type) {
		for (@Nullable
		Throwable candidate = failure; candidate != null; candidate = candidate.getCause()) {
			if (type.isInstance(candidate)) {
				return type.cast(candidate);
			}
		}
		return null;
	}

	/**
	 * A servlet application that answers {@code GET /hello} with its caller's SPIFFE ID
	 * and records the gRPC methods it calls.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@RestController
	static class App {

		@GetMapping("/hello")
		Map<String, String> hello(ConnectCaller caller) {
			return Map.of("caller", caller.spiffeId());
		}

		@Bean
		ClientInterceptor recordingInterceptor() {
			return new GrpcMethodRecorder(grpcMethods);
		}

	}

}
