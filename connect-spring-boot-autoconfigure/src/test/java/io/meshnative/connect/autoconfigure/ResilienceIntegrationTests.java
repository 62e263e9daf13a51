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
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.CaRoots;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.LeafCertificate;
import io.meshnative.connect.agent.internal.ServiceRegistration;
import io.meshnative.connect.authz.ConnectCaller;
import io.meshnative.connect.client.ConnectClient;
import io.meshnative.connect.identity.ConnectIdentity;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.test.ConsulAgentExtension;
import io.meshnative.connect.test.TestCertificateAuthority;
import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.ssl.pem.PemContent;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
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
 * calls a backend (Netty) for every request; one in
 * {@value MeshLoad#NEW_CONNECTION_EVERY} of the load's requests opens a new connection,
 * the others reuse a kept-alive one, and none is retried.
 *
 * @author connect-spring-boot authors
 */
class ResilienceIntegrationTests {

	private static final int LOAD_THREADS = MeshLoad.THREADS;

	private static final int SKEWED_ANSWERS = 500;

	private static final Duration ROTATION_TIMEOUT = Duration.ofSeconds(60);

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension
		.dev("connect { test_ca_leaf_root_change_spread = \"1ns\" }");

	private static final ConsulAgentClient client = TestConsulAgentConnectionDetails.client(consul);

	@Test
	void rootRotationWithCrossSigningUnderLoadLosesNoRequest() throws Exception {
		try (Mesh mesh = Mesh.start("xsign")) {
			CaRoots before = client.getCaRoots();
			MeshTestClient caller = MeshTestClient.of(client.getLeafCertificate("xsign-caller"), before);
			try (MeshLoad load = mesh.load(caller)) {
				awaitAnswers(load, 200);
				TestCertificateAuthority next = TestCertificateAuthority.forConsulTrustDomain(before.trustDomain());
				long rotatedAt = System.nanoTime();
				useRoot(next, false);
				List<X509Certificate> frontendChain = awaitServedLeafSignedBy(caller, mesh.frontendPort(), next);
				List<X509Certificate> backendChain = awaitServedLeafSignedBy(caller, mesh.backendPort(), next);
				String frontendSerial = frontendChain.get(0).getSerialNumber().toString(16);
				await().atMost(ROTATION_TIMEOUT).until(() -> seenSerial(load).equals(frontendSerial));
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
					.isEqualTo(activeRoot(before).getSubjectX500Principal());
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
				await().atMost(ROTATION_TIMEOUT).until(() -> seenSerial(load).equals(frontendSerial));
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

	@Test
	void twoInstancesWithIdentitySkewKeepTalkingBothWays_TRO05() throws Exception {
		try (FreezableAgentProxy proxy = FreezableAgentProxy.start(consul.getAgent().getHttpAddress());
				Pair pair = Pair.start(proxy.getHttpAddress())) {
			CaRoots before = client.getCaRoots();
			List<X509Certificate> oldRoots = MeshTestClient.roots(before);
			MeshTestClient caller = MeshTestClient.of(client.getLeafCertificate("skew-caller"), before);
			ConnectIdentity oldB = pair.identity(pair.b());
			long rotationsOfB = pair.b().getBean(ConnectIdentityManager.class).getRotations();
			try (MeshLoad aToB = pair.load(caller, pair.a(), "b"); MeshLoad bToA = pair.load(caller, pair.b(), "a")) {
				awaitAnswers(aToB, 200);
				awaitAnswers(bToA, 200);
				proxy.freeze();
				TestCertificateAuthority next = TestCertificateAuthority.forConsulTrustDomain(before.trustDomain());
				useRoot(next, false);
				ConnectIdentity newA = await().atMost(ROTATION_TIMEOUT)
					.until(() -> pair.identity(pair.a()), (identity) -> hasNewRootAndLeaf(identity, next));
				awaitServedLeafSignedBy(caller, pair.aPort(), next);
				await().atMost(ROTATION_TIMEOUT).until(() -> seenSerial(aToB).equals(serial(newA)));
				long skewFrom = System.nanoTime();
				long aToBBefore = aToB.sent.get();
				long bToABefore = bToA.sent.get();
				awaitAnswers(aToB, SKEWED_ANSWERS);
				awaitAnswers(bToA, SKEWED_ANSWERS);
				ConnectIdentity skewedB = pair.identity(pair.b());
				String seenByA = seenSerial(bToA);
				X509Certificate servedByB = servedChain(caller, pair.bPort()).get(0);
				long aToBDuringSkew = aToB.sent.get() - aToBBefore;
				long bToADuringSkew = bToA.sent.get() - bToABefore;
				long failedDuringSkew = aToB.failuresSince(skewFrom) + bToA.failuresSince(skewFrom);
				System.out.println("[measure] identity skew: A (new roots, new leaf) and B (old roots, old leaf) "
						+ "talked for " + Duration.ofNanos(System.nanoTime() - skewFrom).toMillis() + " ms: A->B "
						+ aToBDuringSkew + " sent, B->A " + bToADuringSkew + " sent, " + failedDuringSkew
						+ " failed; A trusts " + newA.getRoots().size() + " root(s), B trusts "
						+ skewedB.getRoots().size() + "; " + proxy.getFrozenAnswers()
						+ " identity calls of B answered from the frozen agent");
				assertThat(newA.getRoots()).as("A trusts the new root and still the old one")
					.contains(next.getRootCertificate())
					.containsAll(oldRoots);
				assertThat(newA.getChain()).as("A presents its new leaf with the cross-signed root").hasSize(2);
				assertThat(skewedB.getRoots()).as("B trusts only the old roots").containsExactlyElementsOf(oldRoots);
				assertThat(skewedB.getLeaf()).as("B holds its old leaf").isEqualTo(oldB.getLeaf());
				assertThat(pair.b().getBean(ConnectIdentityManager.class).getRotations())
					.as("changes B applied since the freeze")
					.isEqualTo(rotationsOfB);
				assertThat(signedBy(skewedB.getLeaf(), activeRoot(before))).as("B's leaf is signed by the old root")
					.isTrue();
				assertThat(servedByB).as("B serves its old leaf").isEqualTo(oldB.getLeaf());
				assertThat(seenByA).as("A sees B present its old leaf").isEqualTo(serial(oldB));
				assertThat(proxy.getFrozenAnswers()).as("identity calls of B answered from the frozen agent")
					.isPositive();
				assertThat(aToBDuringSkew).as("A->B requests during the skew").isPositive();
				assertThat(bToADuringSkew).as("B->A requests during the skew").isPositive();
				assertThat(failedDuringSkew).as("failed requests during the skew").isZero();
				proxy.thaw();
				long thawedAt = System.nanoTime();
				ConnectIdentity newB = await().atMost(ROTATION_TIMEOUT)
					.until(() -> pair.identity(pair.b()), (identity) -> hasNewRootAndLeaf(identity, next));
				awaitServedLeafSignedBy(caller, pair.bPort(), next);
				await().atMost(ROTATION_TIMEOUT).until(() -> seenSerial(bToA).equals(serial(newB)));
				System.out.println("[measure] identity skew: B converged (new roots, new leaf served and presented) "
						+ Duration.ofNanos(System.nanoTime() - thawedAt).toMillis() + " ms after its agent came back");
				awaitAnswers(aToB, 200);
				awaitAnswers(bToA, 200);
				aToB.stop();
				bToA.stop();
				System.out.println("[measure] identity skew, A->B: " + aToB.summary());
				System.out.println("[measure] identity skew, B->A: " + bToA.summary());
				assertThat(aToB.failures).as("failed requests A->B").isEmpty();
				assertThat(bToA.failures).as("failed requests B->A").isEmpty();
				assertThat(newB.getRoots()).as("B trusts the new root").contains(next.getRootCertificate());
			}
		}
	}

	private static X509Certificate activeRoot(CaRoots roots) {
		CaRoots.Root active = roots.activeRoot();
		assertThat(active).as("active root").isNotNull();
		return PemContent.of(active.rootCert()).getCertificates().get(0);
	}

	private static String serial(ConnectIdentity identity) {
		return identity.getLeaf().getSerialNumber().toString(16);
	}

	/**
	 * Return the serial number of the certificate the answering application saw its
	 * caller (the relaying application) present, in the last expected answer of the load.
	 */
	private static String seenSerial(MeshLoad load) {
		MeshTestClient.Response answer = load.lastAnswer();
		if (answer == null) {
			return "";
		}
		int start = answer.body().indexOf("\"serial\":\"");
		return (start < 0) ? "" : answer.body().substring(start + 10, answer.body().indexOf('"', start + 10));
	}

	private static boolean hasNewRootAndLeaf(ConnectIdentity identity, TestCertificateAuthority ca) {
		return identity.getRoots().contains(ca.getRootCertificate())
				&& signedBy(identity.getLeaf(), ca.getRootCertificate());
	}

	private static void awaitAnswers(MeshLoad load, int more) {
		long target = load.answered.get() + more;
		await().atMost(Duration.ofSeconds(60)).until(() -> load.answered.get() >= target);
	}

	private static MeshTestClient client(LeafCertificate leaf, List<X509Certificate> roots) {
		return MeshTestClient.of(PemContent.of(leaf.certPem()).getCertificates(), leaf.privateKey(), roots);
	}

	private static void useRoot(TestCertificateAuthority ca, boolean forceWithoutCrossSigning) {
		Map<String, Object> config = new LinkedHashMap<>(consul.getOperator().getCaConfiguration().config());
		config.put("PrivateKey", ca.getPrivateKeyPem());
		config.put("RootCert", ca.getRootCertPem());
		consul.getOperator().updateCaConfiguration("consul", config, forceWithoutCrossSigning);
	}

	private static List<X509Certificate> awaitServedLeafSignedBy(MeshTestClient checker, int port,
			TestCertificateAuthority ca) {
		return await().atMost(ROTATION_TIMEOUT)
			.pollInterval(Duration.ofMillis(250))
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

	private static Map<String, Object> properties(String service) {
		return MeshApplications.properties(consul.getAddress(), service, MeshApplications.NO_REGISTRATION);
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
					MeshApplications.port(backend), null, new AgentService.Connect(true, null), null,
					ServiceRegistration.Check.passingTtl("30m"), null));
			Map<String, Object> frontendProperties = properties(prefix + "-frontend");
			ConfigurableApplicationContext frontend = new SpringApplicationBuilder(Frontend.class)
				.web(WebApplicationType.SERVLET)
				.properties(frontendProperties)
				.run();
			return new Mesh(backend, frontend, backendId);
		}

		int frontendPort() {
			return MeshApplications.port(this.frontend);
		}

		int backendPort() {
			return MeshApplications.port(this.backend);
		}

		MeshLoad load(MeshTestClient caller) {
			String frontendName = this.frontend.getEnvironment().getRequiredProperty("connect.service-name");
			return new MeshLoad(caller, frontendPort(), "/relay", LOAD_THREADS,
					(response) -> response.status() == 200 && response.body().contains("/svc/" + frontendName + "\""))
				.start();
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
	 * Two instances, {@code a} and {@code b}, of one service; each relays every request
	 * to the other (a router sends {@code x-instance: a} or {@code b} to that instance's
	 * subset). {@code b} reaches the agent through the given address.
	 */
	record Pair(ConfigurableApplicationContext a, ConfigurableApplicationContext b) implements AutoCloseable {

		static final String SERVICE = "skew-svc";

		static Pair start(String agentOfB) {
			consul.getOperator()
				.putConfigEntry(Map.of("Kind", "service-defaults", "Name", SERVICE, "Protocol", "http"));
			consul.getOperator()
				.putConfigEntry(Map.of("Kind", "service-resolver", "Name", SERVICE, "Subsets",
						Map.of("a", Map.of("Filter", "Service.Meta.instance == a"), "b",
								Map.of("Filter", "Service.Meta.instance == b"))));
			consul.getOperator()
				.putConfigEntry(
						Map.of("Kind", "service-router", "Name", SERVICE, "Routes", List.of(route("a"), route("b"))));
			ConfigurableApplicationContext a = startPeer("a", "b", consul.getAgent().getHttpAddress());
			ConfigurableApplicationContext b = startPeer("b", "a", agentOfB);
			Pair pair = new Pair(a, b);
			MeshTestClient checker = MeshTestClient.of(client.getLeafCertificate("skew-checker"), client.getCaRoots());
			await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> pair.relays(checker));
			return pair;
		}

		private static Map<String, Object> route(String instance) {
			return Map.of("Match",
					Map.of("HTTP", Map.of("Header", List.of(Map.of("Name", "x-instance", "Exact", instance)))),
					"Destination", Map.of("ServiceSubset", instance));
		}

		private static ConfigurableApplicationContext startPeer(String instance, String peer, String agentAddress) {
			Map<String, Object> properties = properties(SERVICE);
			properties.put("connect.agent.address", agentAddress);
			properties.put("skew.instance", instance);
			properties.put("skew.peer", peer);
			ConfigurableApplicationContext context = new SpringApplicationBuilder(Peer.class)
				.web(WebApplicationType.SERVLET)
				.properties(properties)
				.run();
			client.registerService(new ServiceRegistration("skew-" + instance, SERVICE, null, null, "127.0.0.1",
					MeshApplications.port(context), Map.of("instance", instance), new AgentService.Connect(true, null),
					null, ServiceRegistration.Check.passingTtl("30m"), null));
			return context;
		}

		private boolean relays(MeshTestClient checker) throws IOException {
			return checker.get(aPort(), "/relay").body().contains("\"instance\":\"b\"")
					&& checker.get(bPort(), "/relay").body().contains("\"instance\":\"a\"");
		}

		int aPort() {
			return MeshApplications.port(this.a);
		}

		int bPort() {
			return MeshApplications.port(this.b);
		}

		ConnectIdentity identity(ConfigurableApplicationContext context) {
			return context.getBean(ConnectIdentityManager.class).getIdentity();
		}

		MeshLoad load(MeshTestClient caller, ConfigurableApplicationContext from, String peer) {
			return new MeshLoad(caller, MeshApplications.port(from), "/relay", LOAD_THREADS / 2,
					(response) -> response.status() == 200 && response.body().contains("\"instance\":\"" + peer + "\"")
							&& response.body().contains("/svc/" + SERVICE + "\""))
				.start();
		}

		@Override
		public void close() {
			try {
				this.a.close();
				this.b.close();
			}
			finally {
				client.deregisterService("skew-a");
				client.deregisterService("skew-b");
				consul.getOperator().deleteConfigEntry("service-router", SERVICE);
				consul.getOperator().deleteConfigEntry("service-resolver", SERVICE);
				consul.getOperator().deleteConfigEntry("service-defaults", SERVICE);
			}
		}

	}

	/**
	 * Answers with the caller's SPIFFE ID and the serial number of the certificate it
	 * presented.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(InboundTestApplications.OwnReactorResources.class)
	@RestController
	static class Backend {

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

	/**
	 * One instance of a service that relays {@code /relay} to the other instance
	 * ({@code x-instance} header) and answers {@code /hello} with its own name, the
	 * caller's SPIFFE ID and the serial number of the certificate the caller presented.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@RestController
	static class Peer {

		private final RestClient service;

		private final String instance;

		private final String peer;

		Peer(@ConnectClient(Pair.SERVICE) RestClient service, @Value("${skew.instance}") String instance,
				@Value("${skew.peer}") String peer) {
			this.service = service;
			this.instance = instance;
			this.peer = peer;
		}

		@GetMapping("/relay")
		String relay() {
			String body = this.service.get()
				.uri("/hello")
				.header("x-instance", this.peer)
				.retrieve()
				.body(String.class);
			return (body != null) ? body : "";
		}

		@GetMapping("/hello")
		Map<String, String> hello(ConnectCaller caller, HttpServletRequest request) {
			X509Certificate[] presented = (X509Certificate[]) request
				.getAttribute("jakarta.servlet.request.X509Certificate");
			String serial = (presented != null && presented.length > 0) ? presented[0].getSerialNumber().toString(16)
					: "";
			return Map.of("instance", this.instance, "caller", caller.spiffeId(), "serial", serial);
		}

	}

}
