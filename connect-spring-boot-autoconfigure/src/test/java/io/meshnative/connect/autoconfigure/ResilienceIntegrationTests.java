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
import java.net.URI;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.meshnative.connect.agent.AgentService;
import io.meshnative.connect.agent.CaConfiguration;
import io.meshnative.connect.agent.CaRoots;
import io.meshnative.connect.agent.ConsulAgentClient;
import io.meshnative.connect.agent.LeafCertificate;
import io.meshnative.connect.agent.ServiceRegistration;
import io.meshnative.connect.authz.ConnectCaller;
import io.meshnative.connect.client.ConnectClient;
import io.meshnative.connect.test.ConsulAgentExtension;
import io.meshnative.connect.test.TestCertificateAuthority;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.ssl.pem.PemContent;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.SslInfo;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Resilience of a mesh of two applications against a real agent, under a steady load: a
 * test client calls a frontend (Tomcat, {@code @ConnectClient} {@code RestClient}) that
 * calls a backend (Netty) for every request; half of the load's requests open a new
 * connection, half reuse a kept-alive one, and none is retried.
 *
 * @author connect-spring-boot authors
 */
class ResilienceIntegrationTests {

	private static final int LOAD_THREADS = 4;

	private static final Duration ROTATION_TIMEOUT = Duration.ofSeconds(60);

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension
		.dev("connect { test_ca_leaf_root_change_spread = \"1ns\" }");

	private static ConsulAgentClient client;

	@BeforeAll
	static void createClient() {
		client = ConsulAgentClient.builder(URI.create(consul.getAgent().start().getHttpAddress())).build();
	}

	@AfterAll
	static void closeClient() {
		client.close();
	}

	@Test
	void rootRotationWithCrossSigningUnderLoadLosesNoRequest() throws Exception {
		try (Mesh mesh = Mesh.start("xsign")) {
			CaRoots before = client.getCaRoots();
			List<X509Certificate> oldRoots = MeshTestClient.roots(before);
			MeshTestClient caller = MeshTestClient.of(client.getLeafCertificate("xsign-caller"), before);
			try (MeshLoad load = mesh.load(caller)) {
				awaitAnswers(load, 200);
				TestCertificateAuthority next = TestCertificateAuthority.forConsulTrustDomain(before.trustDomain());
				long rotatedAt = System.nanoTime();
				useRoot(next, false);
				List<X509Certificate> frontendChain = awaitServedLeafSignedBy(caller, mesh.frontendPort(), next);
				List<X509Certificate> backendChain = awaitServedLeafSignedBy(caller, mesh.backendPort(), next);
				String frontendSerial = frontendChain.get(0).getSerialNumber().toString(16);
				await().atMost(ROTATION_TIMEOUT)
					.until(() -> mesh.lastCallerSerialSeenByBackend(load).equals(frontendSerial));
				System.out.println("[measure] cross-signed rotation: both apps serve and present the new leaf "
						+ Duration.ofNanos(System.nanoTime() - rotatedAt).toMillis() + " ms after the CA update");
				awaitAnswers(load, 200);
				load.stop();
				System.out.println("[measure] cross-signed rotation under load: " + load.summary());
				assertThat(load.failures).as("failed requests").isEmpty();
				assertThat(load.newConnections.get()).as("requests on new connections").isPositive();
				assertThat(load.reusedRequests.get()).as("requests on kept-alive connections").isPositive();
				assertThat(frontendChain).as("frontend presents the leaf with the cross-signed root").hasSize(2);
				assertThat(backendChain).as("backend presents the leaf with the cross-signed root").hasSize(2);
				assertThat(frontendChain.get(1).getIssuerX500Principal())
					.isEqualTo(oldRoots.get(0).getSubjectX500Principal());
			}
		}
	}

	@Test
	void rootRotationWithoutCrossSigningHealsOnceTheNewRootsArriveAndRefusesCallersWithOnlyTheOldRoot()
			throws Exception {
		try (Mesh mesh = Mesh.start("force")) {
			CaRoots before = client.getCaRoots();
			TestCertificateAuthority next = TestCertificateAuthority.forConsulTrustDomain(before.trustDomain());
			LeafCertificate callerLeaf = client.getLeafCertificate("force-caller");
			List<X509Certificate> oldAndNext = new ArrayList<>(MeshTestClient.roots(before));
			oldAndNext.add(next.getRootCertificate());
			MeshTestClient caller = client(callerLeaf, oldAndNext);
			try (MeshLoad load = mesh.load(caller)) {
				awaitAnswers(load, 200);
				long rotatedAt = System.nanoTime();
				useRoot(next, true);
				List<X509Certificate> frontendChain = awaitServedLeafSignedBy(caller, mesh.frontendPort(), next);
				List<X509Certificate> backendChain = awaitServedLeafSignedBy(caller, mesh.backendPort(), next);
				String frontendSerial = frontendChain.get(0).getSerialNumber().toString(16);
				await().atMost(ROTATION_TIMEOUT)
					.until(() -> mesh.lastCallerSerialSeenByBackend(load).equals(frontendSerial));
				long healedAt = System.nanoTime();
				awaitAnswers(load, 200);
				load.stop();
				long transitional = load.failures.size();
				String lastFailure = load.failures.isEmpty() ? "none"
						: Duration.ofNanos(load.failures.get(load.failures.size() - 1).at() - rotatedAt).toMillis()
								+ " ms after the CA update";
				System.out.println("[measure] rotation without cross-signing under load: " + load.summary()
						+ "; healed (both apps serve and present the new leaf) "
						+ Duration.ofNanos(healedAt - rotatedAt).toMillis() + " ms after the CA update; " + transitional
						+ " failed during the change, last failure " + lastFailure
						+ (load.failures.isEmpty() ? "" : "; first: " + load.failures.get(0).what()));
				assertThat(load.failuresSince(healedAt)).as("failed requests once healed").isZero();
				assertThat(frontendChain).as("frontend presents the leaf without a cross-signed root").hasSize(1);
				assertThat(backendChain).as("backend presents the leaf without a cross-signed root").hasSize(1);
				MeshTestClient onlyOldRoots = client(callerLeaf, MeshTestClient.roots(before));
				assertThatExceptionOfType(IOException.class)
					.isThrownBy(() -> onlyOldRoots.get(mesh.frontendPort(), "/relay"));
				assertThat(caller.get(mesh.frontendPort(), "/relay").status()).isEqualTo(200);
			}
		}
	}

	private static void awaitAnswers(MeshLoad load, int more) {
		long target = load.answered.get() + more;
		await().atMost(Duration.ofSeconds(60)).until(() -> load.answered.get() >= target);
	}

	private static MeshTestClient client(LeafCertificate leaf, List<X509Certificate> roots) {
		return MeshTestClient.of(PemContent.of(leaf.certPem()).getCertificates(),
				PemContent.of(leaf.privateKeyPem()).getPrivateKey(), roots);
	}

	private static void useRoot(TestCertificateAuthority ca, boolean forceWithoutCrossSigning) {
		Map<String, Object> config = new LinkedHashMap<>(client.getCaConfiguration().config());
		config.put("PrivateKey", ca.getPrivateKeyPem());
		config.put("RootCert", ca.getRootCertPem());
		client.updateCaConfiguration(
				new CaConfiguration("consul", config, forceWithoutCrossSigning ? Boolean.TRUE : null));
	}

	private static List<X509Certificate> awaitServedLeafSignedBy(MeshTestClient checker, int port,
			TestCertificateAuthority ca) {
		return await().atMost(ROTATION_TIMEOUT)
			.pollInterval(Duration.ofMillis(50))
			.until(() -> servedChain(checker, port), (chain) -> signedBy(chain.get(0), ca.getRootCertificate()));
	}

	private static List<X509Certificate> servedChain(MeshTestClient checker, int port) throws IOException {
		try (MeshTestClient.Connection connection = checker.open(port)) {
			List<X509Certificate> chain = new ArrayList<>();
			for (Certificate certificate : connection.getSocket().getSession().getPeerCertificates()) {
				chain.add((X509Certificate) certificate);
			}
			return chain;
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

	private static int port(ConfigurableApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	private static Map<String, Object> properties(String service) {
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("server.port", "0");
		properties.put("connect.service-name", service);
		properties.put("connect.agent.address", consul.getAgent().getHttpAddress());
		properties.put("spring.cloud.consul.enabled", "false");
		properties.put("spring.main.banner-mode", "off");
		return properties;
	}

	/**
	 * A frontend and a backend registered as a Connect-native instance with a passing
	 * check.
	 */
	record Mesh(ConfigurableApplicationContext backend, ConfigurableApplicationContext frontend,
			String backendId) implements AutoCloseable {

		static Mesh start(String prefix) {
			String backendName = "res-backend";
			ConfigurableApplicationContext backend = new SpringApplicationBuilder(Backend.class)
				.web(WebApplicationType.REACTIVE)
				.properties(properties(backendName))
				.run();
			String backendId = prefix + "-backend-1";
			client.registerService(new ServiceRegistration(backendId, backendName, null, null, "127.0.0.1",
					port(backend), null, new AgentService.Connect(true, null), null,
					ServiceRegistration.Check.passingTtl("30m"), null));
			Map<String, Object> frontendProperties = properties(prefix + "-frontend");
			ConfigurableApplicationContext frontend = new SpringApplicationBuilder(Frontend.class)
				.web(WebApplicationType.SERVLET)
				.properties(frontendProperties)
				.run();
			return new Mesh(backend, frontend, backendId);
		}

		int frontendPort() {
			return port(this.frontend);
		}

		int backendPort() {
			return port(this.backend);
		}

		MeshLoad load(MeshTestClient caller) {
			String frontendName = this.frontend.getEnvironment().getRequiredProperty("connect.service-name");
			return new MeshLoad(caller, frontendPort(), "/relay", LOAD_THREADS,
					(response) -> response.status() == 200 && response.body().contains("/svc/" + frontendName + "\""))
				.start();
		}

		String lastCallerSerialSeenByBackend(MeshLoad load) {
			MeshTestClient.Response answer = load.lastAnswer();
			if (answer == null) {
				return "";
			}
			int start = answer.body().indexOf("\"serial\":\"");
			return (start < 0) ? "" : answer.body().substring(start + 10, answer.body().indexOf('"', start + 10));
		}

		@Override
		public void close() {
			try {
				this.frontend.close();
			}
			finally {
				try {
					client.deregisterService(this.backendId);
				}
				finally {
					this.backend.close();
				}
			}
		}

	}

	/**
	 * Answers with the caller's SPIFFE ID and the serial number of the certificate it
	 * presented.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@RestController
	static class Backend {

		@Bean
		ReactorResourceFactory reactorResourceFactory() {
			return InboundTestApplications.ownReactorResources();
		}

		@GetMapping("/hello")
		Mono<Map<String, String>> hello(ConnectCaller caller, ServerHttpRequest request) {
			SslInfo ssl = request.getSslInfo();
			X509Certificate[] presented = (ssl != null) ? ssl.getPeerCertificates() : null;
			String serial = (presented != null && presented.length > 0) ? presented[0].getSerialNumber().toString(16)
					: "";
			return Mono.just(Map.of("caller", caller.spiffeId(), "serial", serial));
		}

	}

	/**
	 * Relays every request to the backend through its discovery chain.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@RestController
	static class Frontend {

		private final RestClient backend;

		Frontend(@ConnectClient("res-backend") RestClient backend) {
			this.backend = backend;
		}

		@GetMapping("/relay")
		String relay() {
			String body = this.backend.get().uri("/hello").retrieve().body(String.class);
			return (body != null) ? body : "";
		}

	}

}
