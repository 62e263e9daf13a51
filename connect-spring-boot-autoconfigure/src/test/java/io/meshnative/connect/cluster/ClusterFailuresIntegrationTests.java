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

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.CaRoots;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ConsulAgentException;
import io.meshnative.connect.agent.internal.DiscoveryChain;
import io.meshnative.connect.agent.internal.ServiceRegistration;
import io.meshnative.connect.authz.ConnectCaller;
import io.meshnative.connect.autoconfigure.MeshLoad;
import io.meshnative.connect.autoconfigure.MeshTestClient;
import io.meshnative.connect.client.ConnectClient;
import io.meshnative.connect.client.ConnectUpstreams;
import io.meshnative.connect.client.internal.UpstreamEndpoints;
import io.meshnative.connect.identity.ConnectIdentity;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.test.ConsulCluster;
import io.meshnative.connect.test.ConsulClusterAgent;
import io.meshnative.connect.test.ConsulClusterExtension;
import io.meshnative.connect.test.ConsulOperator;
import io.meshnative.connect.test.TestCertificateAuthority;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.ssl.pem.PemContent;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Failures of a real Consul cluster (three servers, two client agents) under a steady
 * load between applications on different nodes: a frontend (Tomcat) attached to the first
 * client agent and registered by itself (Spring Cloud Consul, completed by the starter),
 * calling through {@code @ConnectClient} a backend attached to the second client agent.
 * The load goes from the test to the frontend over mTLS ({@link MeshLoad}: one request in
 * {@value MeshLoad#NEW_CONNECTION_EVERY} on a new connection, the others kept alive, no
 * retry), and every request goes on to the backend.
 * <p>
 * Each test injects one failure, asserts that no request failed during it and after it,
 * and measures the recovery once the failure is over: the time until both applications
 * hold the leaf and roots their agents hold ({@code leaf_current_ms}), until an intention
 * written afterwards is enforced by both ({@code intentions_ms}), and until a backend
 * instance registered afterwards is among the frontend's endpoints and gone once
 * deregistered ({@code endpoints_ms}, {@code endpoints_removed_ms}). The cluster and the
 * applications are shared; every test leaves every agent running.
 *
 * @author connect-spring-boot authors
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFailuresIntegrationTests {

	@RegisterExtension
	static final ConsulClusterExtension consul = ConsulClusterExtension.of(ConsulCluster.create(3, 2));

	private static final String FRONTEND = "cf-frontend";

	private static final String FRONTEND_ID = "cf-frontend-1";

	private static final String BACKEND = "cf-backend";

	private static final String BACKEND_ID = "cf-backend-1";

	private static final String SECOND_BACKEND_ID = "cf-backend-2";

	private static final Duration RECOVERY = Duration.ofSeconds(120);

	private static final Duration HOLD = Duration.ofSeconds(5);

	private static final Duration PARTITION = Duration.ofSeconds(12);

	private static final Duration POLL = Duration.ofMillis(100);

	private static ConsulClusterAgent agentA;

	private static ConsulClusterAgent agentB;

	private static ConsulAgentClient clientA;

	private static ConsulAgentClient clientB;

	private static ConfigurableApplicationContext frontend;

	private static ConfigurableApplicationContext backend;

	private static MeshTestClient caller;

	@BeforeAll
	static void startApplications() {
		ConsulCluster cluster = consul.getCluster().start();
		agentA = cluster.getClients().get(0);
		agentB = cluster.getClients().get(1);
		clientA = ConsulAgentClient.builder(URI.create(agentA.getHttpAddress())).build();
		clientB = ConsulAgentClient.builder(URI.create(agentB.getHttpAddress())).build();
		backend = start(Backend.class, BACKEND, agentB, "spring.cloud.consul.enabled=false");
		clientB.registerService(new ServiceRegistration(BACKEND_ID, BACKEND, null, null, null, port(backend), null,
				new AgentService.Connect(true, null), null, ServiceRegistration.Check.passingTtl("30m"), null));
		frontend = start(Frontend.class, FRONTEND, agentA, "spring.cloud.consul.host=127.0.0.1",
				"spring.cloud.consul.port=" + agentA.getHttpPort(),
				"spring.cloud.consul.discovery.instance-id=" + FRONTEND_ID,
				"spring.cloud.consul.discovery.prefer-ip-address=true",
				"spring.cloud.consul.discovery.ip-address=127.0.0.1",
				"spring.cloud.consul.discovery.catalog-services-watch.enabled=false");
		caller = MeshTestClient.of(clientA.getLeafCertificate("cf-caller"), clientA.getCaRoots());
		await().atMost(RECOVERY)
			.pollInterval(Duration.ofMillis(250))
			.ignoreExceptions()
			.until(() -> expected(caller.get(port(frontend), "/relay")));
		await().atMost(RECOVERY).pollInterval(Duration.ofMillis(250)).until(() -> registeredNative(FRONTEND_ID));
	}

	@AfterAll
	static void stopApplications() {
		if (frontend != null) {
			frontend.close();
		}
		if (backend != null) {
			backend.close();
		}
		if (clientA != null) {
			clientA.close();
		}
		if (clientB != null) {
			clientB.close();
		}
	}

	@Test
	@Order(1)
	void leaderKilled() throws Exception {
		run("leader-killed", (cluster, load, figures) -> {
			ConsulClusterAgent leader = cluster.leader();
			long killedAt = System.nanoTime();
			cluster.kill(leader);
			ConsulClusterAgent elected = cluster.leader();
			long electedAt = System.nanoTime();
			assertThat(elected).as("new leader").isNotSameAs(leader);
			figures.put("leader_elected_ms", millis(killedAt, electedAt));
			holdWithoutFailures(load, HOLD);
			return new Recovery(electedAt, () -> cluster.restart(leader));
		});
	}

	@Test
	@Order(2)
	void followerKilledAndRestarted() throws Exception {
		run("follower-killed-restarted", (cluster, load, figures) -> {
			ConsulClusterAgent leader = cluster.leader();
			ConsulClusterAgent follower = cluster.getServers()
				.stream()
				.filter((server) -> server != leader)
				.findFirst()
				.orElseThrow();
			cluster.kill(follower);
			holdWithoutFailures(load, HOLD);
			long restartAt = System.nanoTime();
			cluster.restart(follower);
			long rejoinedAt = System.nanoTime();
			figures.put("rejoined_ms", millis(restartAt, rejoinedAt));
			figures.put("leader_unchanged", (cluster.leader() == leader) ? 1 : 0);
			return new Recovery(rejoinedAt, null);
		});
	}

	@Test
	@Order(3)
	void frontendAgentKilledAndRestartedWithItsData() throws Exception {
		// The agent restores the registration from its data directory.
		run("client-agent-restarted-with-data", (cluster, load, figures) -> restartFrontendAgent(cluster, load, figures,
				() -> cluster.restart(agentA)));
	}

	@Test
	@Order(4)
	void frontendAgentKilledAndRestartedWithoutItsData() throws Exception {
		// Nothing but the application registers it again.
		run("client-agent-restarted-without-data", (cluster, load, figures) -> restartFrontendAgent(cluster, load,
				figures, () -> cluster.restartWithoutData(agentA)));
	}

	private static Recovery restartFrontendAgent(ConsulCluster cluster, MeshLoad load, Map<String, Object> figures,
			Runnable restart) {
		cluster.kill(agentA);
		holdWithoutFailures(load, HOLD);
		long restartAt = System.nanoTime();
		restart.run();
		long backAt = System.nanoTime();
		figures.put("agent_back_ms", millis(restartAt, backAt));
		await().atMost(RECOVERY).pollInterval(POLL).until(() -> registeredNative(FRONTEND_ID));
		figures.put("registration_ms", millis(backAt, System.nanoTime()));
		return new Recovery(backAt, null);
	}

	@Test
	@Order(5)
	void rollingRestartOfAllServers() throws Exception {
		run("rolling-restart-servers", (cluster, load, figures) -> {
			ConsulClusterAgent leader = cluster.leader();
			List<ConsulClusterAgent> order = new ArrayList<>(cluster.getServers());
			order.remove(leader);
			order.add(leader);
			long begin = System.nanoTime();
			long longest = 0;
			for (ConsulClusterAgent server : order) {
				long restartAt = System.nanoTime();
				if (server == leader) {
					cluster.stop(server);
					assertThat(cluster.leader()).as("leader after the old one stopped").isNotSameAs(leader);
					figures.put("leader_elected_ms", millis(restartAt, System.nanoTime()));
				}
				cluster.restart(server);
				longest = Math.max(longest, millis(restartAt, System.nanoTime()));
				awaitAutopilotHealthy(cluster);
			}
			long doneAt = System.nanoTime();
			figures.put("rolling_ms", millis(begin, doneAt));
			figures.put("slowest_server_back_ms", longest);
			return new Recovery(doneAt, null);
		});
	}

	@Test
	@Order(6)
	void caRootRotationWithCrossSigning() throws Exception {
		run("ca-root-rotation-cross-signed", (cluster, load, figures) -> {
			ConsulOperator operator = ConsulOperator.of(cluster.leader().getHttpAddress(), null);
			CaRoots before = clientA.getCaRoots();
			TestCertificateAuthority next = TestCertificateAuthority.forConsulTrustDomain(before.trustDomain());
			Map<String, Object> config = new LinkedHashMap<>(operator.getCaConfiguration().config());
			config.put("PrivateKey", next.getPrivateKeyPem());
			config.put("RootCert", next.getRootCertPem());
			long rotatedAt = System.nanoTime();
			operator.updateCaConfiguration("consul", config, false);
			X509Certificate newRoot = next.getRootCertificate();
			return new Recovery(rotatedAt, null, (identity) -> identity.getRoots().contains(newRoot)
					&& signedBy(identity.getLeaf(), newRoot) && identity.getChain().size() == 2);
		});
	}

	@Test
	@Order(7)
	void backendAgentPartitionedFromTheServers() throws Exception {
		run("client-agent-partitioned", (cluster, load, figures) -> {
			cluster.partition(agentB);
			long partitionedAt = System.nanoTime();
			assertThat(answersFromServers(agentB)).as("the partitioned agent reaches the servers").isFalse();
			holdWithoutFailures(load, PARTITION);
			figures.put("partition_ms", millis(partitionedAt, System.nanoTime()));
			cluster.heal(agentB);
			long healedAt = System.nanoTime();
			await().atMost(RECOVERY).pollInterval(POLL).until(() -> answersFromServers(agentB));
			figures.put("agent_reaches_servers_ms", millis(healedAt, System.nanoTime()));
			return new Recovery(healedAt, null);
		});
	}

	private static void run(String name, Failure failure) throws Exception {
		ConsulCluster cluster = consul.getCluster();
		Map<String, Object> figures = new LinkedHashMap<>();
		long begin = System.nanoTime();
		MeshLoad load = new MeshLoad(caller, port(frontend), "/relay", MeshLoad.THREADS,
				ClusterFailuresIntegrationTests::expected)
			.start();
		try {
			awaitAnswers(load, 200);
			Recovery recovery = failure.inject(cluster, load, figures);
			figures.put("leaf_current_ms", awaitIdentitiesCurrent(recovery.from(), recovery.identity()));
			figures.put("intentions_ms", measureIntentions(cluster, name));
			measureEndpoints(figures);
			if (recovery.restore() != null) {
				recovery.restore().run();
			}
			awaitAnswers(load, 200);
			load.stop();
			System.out.println("[measure] cluster-failure case=" + name + " sent=" + load.sent.get() + " failed="
					+ load.failures.size() + String.format(Locale.ROOT, " rate=%.0f", load.rate()) + " new_connections="
					+ load.newConnections.get() + " kept_alive=" + load.reusedRequests.get() + " "
					+ figures.entrySet()
						.stream()
						.map((entry) -> entry.getKey() + "=" + entry.getValue())
						.collect(Collectors.joining(" "))
					+ " case_ms=" + millis(begin, System.nanoTime()) + " loadavg=\"" + loadAverage() + "\"");
			assertThat(load.failures)
				.as("failed requests (first: %s)", load.failures.isEmpty() ? "none" : load.failures.get(0).what())
				.isEmpty();
			assertThat(load.newConnections.get()).as("requests on new connections").isPositive();
			assertThat(load.reusedRequests.get()).as("requests on kept-alive connections").isPositive();
		}
		catch (AssertionError | RuntimeException ex) {
			throw new AssertionError("Case " + name + " failed: " + ex.getMessage() + "\nload: " + load.summary()
					+ "\nfirst failures: " + load.failures.stream().limit(5).map(MeshLoad.Failure::what).toList() + "\n"
					+ cluster.logTails(25), ex);
		}
		finally {
			load.stop();
		}
	}

	private static void holdWithoutFailures(MeshLoad load, Duration hold) {
		long answered = load.answered.get();
		await().during(hold)
			.atMost(hold.plusSeconds(30))
			.pollInterval(Duration.ofMillis(250))
			.until(load.failures::isEmpty);
		assertThat(load.answered.get()).as("requests answered while the failure lasted").isGreaterThan(answered);
	}

	/**
	 * Wait until both applications hold the leaf and the roots their agents hold (and
	 * that satisfy the case's condition).
	 * @return the milliseconds since the failure ended
	 */
	private static long awaitIdentitiesCurrent(long from, Predicate<ConnectIdentity> condition) {
		await().atMost(RECOVERY)
			.pollInterval(POLL)
			.ignoreExceptions()
			.until(() -> current(frontend, clientA, FRONTEND, condition)
					&& current(backend, clientB, BACKEND, condition));
		return millis(from, System.nanoTime());
	}

	private static boolean current(ConfigurableApplicationContext app, ConsulAgentClient agent, String service,
			Predicate<ConnectIdentity> condition) {
		ConnectIdentity identity = app.getBean(ConnectIdentityManager.class).getIdentity();
		if (!condition.test(identity)
				|| !identity.getSerialNumber().equals(agent.getLeafCertificate(service).serialNumber())) {
			return false;
		}
		Set<X509Certificate> roots = new HashSet<>();
		for (CaRoots.Root root : agent.getCaRoots().roots()) {
			roots.addAll(PemContent.of(root.rootCert()).getCertificates());
		}
		return new HashSet<>(identity.getRoots()).equals(roots);
	}

	/**
	 * Write intentions that deny a caller never seen before at both applications and wait
	 * until both refuse it.
	 * @return the milliseconds from the write until both enforce it
	 */
	private static long measureIntentions(ConsulCluster cluster, String name) throws IOException {
		ConsulClusterAgent leader = cluster.leader();
		String probe = "cf-probe-" + name;
		MeshTestClient prober;
		try (ConsulAgentClient client = ConsulAgentClient.builder(URI.create(leader.getHttpAddress())).build()) {
			prober = MeshTestClient.of(client.getLeafCertificate(probe), client.getCaRoots());
		}
		assertThat(prober.get(port(backend), "/hello").status()).as("probe allowed before the intention")
			.isEqualTo(200);
		ConsulOperator operator = ConsulOperator.of(leader.getHttpAddress(), null);
		long writtenAt = System.nanoTime();
		try {
			for (String destination : List.of(BACKEND, FRONTEND)) {
				operator.putConfigEntry(Map.of("Kind", "service-intentions", "Name", destination, "Sources",
						List.of(Map.of("Name", probe, "Action", "deny"))));
			}
			await().atMost(RECOVERY)
				.pollInterval(POLL)
				.until(() -> prober.get(port(backend), "/hello").status() == 403
						&& prober.get(port(frontend), "/relay").status() == 403);
			return millis(writtenAt, System.nanoTime());
		}
		finally {
			operator.deleteConfigEntry("service-intentions", BACKEND);
			operator.deleteConfigEntry("service-intentions", FRONTEND);
		}
	}

	/**
	 * Register a second backend instance (the same application, at another address) and
	 * deregister it, measuring how long until the frontend's endpoints follow.
	 * @param figures the figures to add to
	 */
	private static void measureEndpoints(Map<String, Object> figures) {
		long registeredAt = System.nanoTime();
		clientB.registerService(
				new ServiceRegistration(SECOND_BACKEND_ID, BACKEND, null, null, "127.0.0.1", port(backend), null,
						new AgentService.Connect(true, null), null, ServiceRegistration.Check.passingTtl("30m"), null));
		await().atMost(RECOVERY).pollInterval(POLL).until(() -> frontendEndpoints().contains(SECOND_BACKEND_ID));
		figures.put("endpoints_ms", millis(registeredAt, System.nanoTime()));
		long deregisteredAt = System.nanoTime();
		clientB.deregisterService(SECOND_BACKEND_ID);
		await().atMost(RECOVERY).pollInterval(POLL).until(() -> !frontendEndpoints().contains(SECOND_BACKEND_ID));
		figures.put("endpoints_removed_ms", millis(deregisteredAt, System.nanoTime()));
		assertThat(frontendEndpoints()).as("the frontend's endpoints of " + BACKEND).containsExactly(BACKEND_ID);
	}

	private static Set<String> frontendEndpoints() {
		UpstreamEndpoints endpoints = frontend.getBean(ConnectUpstreams.class).getUpstreams().get(BACKEND);
		DiscoveryChain chain = (endpoints != null) ? endpoints.getChain() : null;
		if (endpoints == null || chain == null) {
			return Set.of("(not loaded)");
		}
		return chain.targets()
			.keySet()
			.stream()
			.flatMap((target) -> endpoints.getEndpoints(target).stream())
			.map((health) -> health.service().id())
			.collect(Collectors.toSet());
	}

	private static void awaitAutopilotHealthy(ConsulCluster cluster) {
		await().atMost(RECOVERY).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
			// Every server healthy and one may fail: the three voters are back.
			String health = cluster.leader().request("GET", "/v1/operator/autopilot/health", null).replace(" ", "");
			return health.startsWith("{\"Healthy\":true") && health.contains("\"FailureTolerance\":1");
		});
	}

	private static boolean answersFromServers(ConsulClusterAgent agent) {
		try {
			HttpResponse<String> response = agent.send("GET", "/v1/catalog/nodes", null, null, Duration.ofSeconds(3));
			return response.statusCode() == 200;
		}
		catch (UncheckedIOException ex) {
			return false;
		}
	}

	private static boolean registeredNative(String id) {
		try {
			AgentService service = clientA.getAgentService(id);
			AgentService.Connect connect = service.connect();
			return connect != null && Boolean.TRUE.equals(connect.nativeService());
		}
		catch (ConsulAgentException ex) {
			return false;
		}
	}

	private static boolean expected(MeshTestClient.Response response) {
		return response.status() == 200 && response.body().contains("/svc/" + FRONTEND + "\"");
	}

	private static void awaitAnswers(MeshLoad load, int more) {
		long target = load.answered.get() + more;
		await().atMost(RECOVERY).pollInterval(POLL).until(() -> load.answered.get() >= target);
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

	private static long millis(long from, long to) {
		return Duration.ofNanos(to - from).toMillis();
	}

	private static String loadAverage() {
		try {
			return Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).trim();
		}
		catch (IOException ex) {
			return "unknown";
		}
	}

	private static int port(ConfigurableApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	private static ConfigurableApplicationContext start(Class<?> application, String service, ConsulClusterAgent agent,
			String... more) {
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("server.port", "0");
		properties.put("connect.service-name", service);
		properties.put("connect.agent.address", agent.getHttpAddress());
		properties.put("spring.application.name", service);
		properties.put("spring.main.banner-mode", "off");
		for (String pair : more) {
			int equals = pair.indexOf('=');
			properties.put(pair.substring(0, equals), pair.substring(equals + 1));
		}
		return new SpringApplicationBuilder(application).web(WebApplicationType.SERVLET).properties(properties).run();
	}

	/**
	 * One failure: injects it, records figures and returns when it is over.
	 */
	@FunctionalInterface
	interface Failure {

		Recovery inject(ConsulCluster cluster, MeshLoad load, Map<String, Object> figures) throws Exception;

	}

	/**
	 * When a failure ended, what brings the cluster back to its full size afterwards (if
	 * anything), and what the applications' identities must satisfy to be current.
	 *
	 * @param from when the failure ended, from {@link System#nanoTime()}
	 * @param restore what restores the cluster after the measurements, or {@code null}
	 * @param identity the condition on each application's identity
	 */
	record Recovery(long from, @Nullable Runnable restore, Predicate<ConnectIdentity> identity) {

		Recovery(long from, @Nullable Runnable restore) {
			this(from, restore, (identity) -> true);
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

		Frontend(@ConnectClient(BACKEND) RestClient backend) {
			this.backend = backend;
		}

		@GetMapping("/relay")
		String relay() {
			String body = this.backend.get().uri("/hello").retrieve().body(String.class);
			return (body != null) ? body : "";
		}

	}

	/**
	 * Answers with the caller's SPIFFE ID and the local address the caller dialled.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@RestController
	static class Backend {

		@GetMapping("/hello")
		Map<String, String> hello(ConnectCaller caller, HttpServletRequest request) {
			return Map.of("caller", caller.spiffeId(), "localAddress", request.getLocalAddr());
		}

	}

}
