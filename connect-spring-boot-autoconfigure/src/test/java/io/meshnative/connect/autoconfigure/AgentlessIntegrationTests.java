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
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.grpc.ClientInterceptor;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.authz.ConnectCaller;
import io.meshnative.connect.client.ConnectClient;
import io.meshnative.connect.identity.ConnectIdentity;
import io.meshnative.connect.identity.ConnectIdentityListener;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.test.ConsulAgentExtension;
import io.meshnative.connect.test.TestCertificateAuthority;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Agentless mode against a real Consul server ({@code consul agent -dev} is a server and
 * serves the public gRPC API on its gRPC port), as a demo of the whole story: a Tomcat
 * (servlet) frontend and a Netty (WebFlux) backend of two instances, {@code v1} and
 * {@code v2}, that talk only to the server, through a recording HTTP forwarder and a
 * recording gRPC interceptor. They get their leaves with {@code Sign}, serve mTLS, call
 * each other with {@code @ConnectClient}, the frontend's calls are split between the
 * backend's subsets by a {@code service-splitter} and follow a change of it, they enforce
 * an intention deny, follow a CA root rotation under load, read with {@code stale} and a
 * bounded {@code max_stale}, and never call {@code /v1/agent/}. The platform's
 * registration is done by the test through {@code /v1/catalog/register}, as consul-k8s
 * does.
 *
 * @author connect-spring-boot authors
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentlessIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private static final String FRONTEND = "agentless-frontend";

	private static final String BACKEND = "agentless-backend";

	private static final String TESTER = "agentless-tester";

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	/**
	 * Longest time the frontend may take to follow a change of the splitter: the
	 * discovery-chain watch is a blocking query that the server answers when the entry
	 * changes.
	 */
	private static final Duration SPLIT_CHANGE_BOUND = Duration.ofSeconds(5);

	/**
	 * The paths of the starter's HTTP reads; the others recorded are Spring Cloud
	 * Consul's, which has its own consistency setting.
	 */
	private static final List<String> STARTER_READS = List.of("/v1/health/connect/", "/v1/discovery-chain/",
			"/v1/connect/intentions/", "/v1/config/", "/v1/catalog/datacenters");

	private static final Set<String> grpcMethods = ConcurrentHashMap.newKeySet();

	private static final List<String> privateKeys = new CopyOnWriteArrayList<>();

	private static RecordingConsulProxy proxy;

	private static ConfigurableApplicationContext backendV1;

	private static ConfigurableApplicationContext backendV2;

	private static ConfigurableApplicationContext frontend;

	private static MeshTestClient tester;

	@BeforeAll
	static void startApplications() throws Exception {
		proxy = consul.closeAfterAll(RecordingConsulProxy.start(consul.getAddress()));
		consul.getOperator().putConfigEntry(Map.of("Kind", "service-defaults", "Name", BACKEND, "Protocol", "http"));
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-resolver", "Name", BACKEND, "Subsets",
					Map.of("v1", Map.of("Filter", "Service.Meta.version == v1"), "v2",
							Map.of("Filter", "Service.Meta.version == v2"))));
		split(50, 50);
		backendV1 = start(MeshApplications.Stack.NETTY, Backend.class, BACKEND, "test.version=v1");
		backendV2 = start(MeshApplications.Stack.NETTY, Backend.class, BACKEND, "test.version=v2");
		frontend = start(MeshApplications.Stack.TOMCAT, Frontend.class, FRONTEND);
		registerInCatalog(BACKEND, BACKEND + "-v1", MeshApplications.port(backendV1), "v1");
		registerInCatalog(BACKEND, BACKEND + "-v2", MeshApplications.port(backendV2), "v2");
		registerInCatalog(FRONTEND, FRONTEND + "-1", MeshApplications.port(frontend), "v1");
		try (ConsulAgentClient client = ConsulAgentClient.builder(consul.getAddress()).build()) {
			tester = MeshTestClient.of(client.getLeafCertificate(TESTER), client.getCaRoots());
		}
	}

	@AfterAll
	static void closeApplications() {
		for (ConfigurableApplicationContext context : new ConfigurableApplicationContext[] { frontend, backendV2,
				backendV1 }) {
			if (context != null) {
				context.close();
			}
		}
	}

	@Test
	@Order(1)
	void signedLeavesServeMtlsAndTomcatAndNettyCallEachOtherThroughTheMesh() throws Exception {
		ConnectIdentity identity = backendV1.getBean(ConnectIdentityManager.class).getIdentity();
		String trustDomain = consul.getAgent().getTrustDomain();
		String svc = "spiffe://" + trustDomain + "/ns/default/dc/dc1/svc/";
		assertThat(identity.getSpiffeId()).isEqualTo(svc + BACKEND);
		assertThat(identity.getLeaf().getPublicKey().getAlgorithm()).isEqualTo("EC");
		assertThat(webServer(frontend)).contains("Tomcat");
		assertThat(webServer(backendV1)).contains("Netty");
		assertThat(webServer(backendV2)).contains("Netty");
		MeshTestClient.Response relayed = await().atMost(Duration.ofSeconds(20))
			.until(() -> tester.get(MeshApplications.port(frontend), "/relay"), (response) -> response.status() == 200);
		assertThat(relayed.body()).contains(svc + FRONTEND);
		for (ConfigurableApplicationContext backend : List.of(backendV1, backendV2)) {
			MeshTestClient.Response back = await().atMost(Duration.ofSeconds(20))
				.until(() -> tester.get(MeshApplications.port(backend), "/relay"),
						(response) -> response.status() == 200);
			assertThat(back.body()).as("the Netty backend's call to the Tomcat frontend").contains(svc + BACKEND);
		}
		assertThat(tester.get(MeshApplications.port(backendV1), "/hello").body()).contains(svc + TESTER);
		assertThat(consul.getAgent().request("GET", "/v1/catalog/service/" + BACKEND, null))
			.contains("\"ServiceID\": \"" + BACKEND + "-v1\"")
			.contains("\"ServiceID\": \"" + BACKEND + "-v2\"")
			.doesNotContain("\"Node\": \"" + consul.getAgent().getNodeName() + "\"");
	}

	@Test
	@Order(2)
	void splitterSpreadsTheCallersCallsOverTheSubsetsAndAChangeAppliesWithinTheBound() {
		await().atMost(TIMEOUT)
			.until(() -> tally(20).keySet(), (versions) -> versions.containsAll(List.of("v1", "v2")));
		int calls = 200;
		Map<String, Integer> shares = tally(calls);
		assertThat(shares.keySet()).containsOnly("v1", "v2");
		assertThat(shares.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(calls);
		double v1 = 100.0 * shares.getOrDefault("v1", 0) / calls;
		System.out
			.println("[measure] agentless split 50/50: " + shares + " of " + calls + " calls (" + v1 + " % to v1)");
		assertThat(v1).isBetween(35.0, 65.0);
		long written = System.nanoTime();
		split(100, 0);
		await().atMost(SPLIT_CHANGE_BOUND)
			.pollInterval(Duration.ofMillis(20))
			.until(() -> tally(20), (tally) -> tally.equals(Map.of("v1", 20)));
		Duration applied = Duration.ofNanos(System.nanoTime() - written);
		System.out.println("[measure] agentless split change 50/50 -> 100/0 applied in " + applied.toMillis() + " ms");
		assertThat(tally(calls)).isEqualTo(Map.of("v1", calls));
	}

	@Test
	@Order(3)
	void intentionDenyTurnsCallsInto403() {
		Map<String, Object> entry = new LinkedHashMap<>();
		entry.put("Kind", "service-intentions");
		entry.put("Name", BACKEND);
		entry.put("Sources", List.of(Map.of("Name", TESTER, "Action", "deny")));
		consul.getOperator().putConfigEntry(entry);
		await().atMost(TIMEOUT).until(() -> tester.get(MeshApplications.port(backendV1), "/hello").status() == 403);
		consul.getOperator().deleteConfigEntry("service-intentions", BACKEND);
		await().atMost(TIMEOUT).until(() -> tester.get(MeshApplications.port(backendV1), "/hello").status() == 200);
	}

	@Test
	@Order(4)
	void rootRotationUnderLoadReachesTheBundleWithoutAFailedRequest() throws Exception {
		TestCertificateAuthority ca = TestCertificateAuthority.forConsulTrustDomain(consul.getAgent().getTrustDomain());
		try (MeshLoad load = new MeshLoad(tester, MeshApplications.port(backendV1), "/hello", 2,
				(response) -> response.status() == 200)
			.start()) {
			await().atMost(TIMEOUT).until(() -> load.answered.get() >= 20);
			Map<String, Object> config = new LinkedHashMap<>(consul.getOperator().getCaConfiguration().config());
			config.put("PrivateKey", ca.getPrivateKeyPem());
			config.put("RootCert", ca.getRootCertPem());
			consul.getOperator().updateCaConfiguration("consul", config);
			for (ConfigurableApplicationContext context : List.of(backendV1, backendV2, frontend)) {
				ConnectIdentityManager manager = context.getBean(ConnectIdentityManager.class);
				await().atMost(Duration.ofSeconds(30))
					.until(() -> manager.getIdentity().getRoots().contains(ca.getRootCertificate())
							&& signedBy(manager.getIdentity().getLeaf(), ca.getRootCertificate()));
			}
			long answered = load.answered.get();
			await().atMost(TIMEOUT).until(() -> load.answered.get() >= answered + 20);
			load.stop();
			assertThat(load.failures).isEmpty();
		}
		assertThat(tester.get(MeshApplications.port(frontend), "/relay").status()).isEqualTo(200);
		assertThat(tester.get(MeshApplications.port(backendV2), "/relay").status()).isEqualTo(200);
	}

	@Test
	@Order(5)
	void recordedCallsAreStaleReadsThatNeverReachTheAgentApiNorCarryTheKey() {
		frontend.close();
		backendV2.close();
		backendV1.close();
		List<RecordingConsulProxy.Exchange> exchanges = proxy.getExchanges();
		assertThat(exchanges).extracting(RecordingConsulProxy.Exchange::path)
			.contains("/v1/catalog/datacenters", "/v1/connect/intentions/match", "/v1/health/connect/" + BACKEND,
					"/v1/health/connect/" + FRONTEND, "/v1/discovery-chain/" + BACKEND,
					"/v1/discovery-chain/" + FRONTEND)
			.noneMatch((path) -> path.startsWith("/v1/agent/"));
		List<RecordingConsulProxy.Exchange> reads = exchanges.stream()
			.filter((exchange) -> STARTER_READS.stream().anyMatch(exchange.path()::startsWith))
			.toList();
		assertThat(reads).isNotEmpty().allSatisfy((exchange) -> {
			assertThat(exchange.method()).isEqualTo("GET");
			assertThat(exchange.queryParameterNames()).as(exchange.path() + "?" + exchange.query()).contains("stale");
			assertThat(exchange.queryParameter("max_stale")).as(exchange.path() + "?" + exchange.query())
				.isEqualTo("10s");
		});
		List<RecordingConsulProxy.Exchange> bounded = reads.stream()
			.filter((exchange) -> exchange.status() == 200)
			.filter((exchange) -> exchange.path().startsWith("/v1/health/connect/")
					|| exchange.path().startsWith("/v1/discovery-chain/")
					|| exchange.path().equals("/v1/connect/intentions/match"))
			.toList();
		assertThat(bounded).isNotEmpty()
			.allSatisfy((exchange) -> assertThat(exchange.responseHeader("X-Consul-Effective-Consistency"))
				.as("consistency the server used for " + exchange.path())
				.isEqualTo("stale"));
		Set<String> others = new TreeSet<>();
		exchanges.stream()
			.filter((exchange) -> STARTER_READS.stream().noneMatch(exchange.path()::startsWith))
			.forEach((exchange) -> others.add(exchange.path()));
		System.out.println("[measure] agentless: " + reads.size() + " HTTP reads of the starter (of " + exchanges.size()
				+ " recorded), all with stale&max_stale=10s; " + bounded.size()
				+ " answered with X-Consul-Effective-Consistency: stale; the others (Spring Cloud Consul's): "
				+ others);
		assertThat(grpcMethods).containsExactlyInAnyOrder("hashicorp.consul.connectca.ConnectCAService/WatchRoots",
				"hashicorp.consul.connectca.ConnectCAService/Sign");
		assertThat(privateKeys).hasSizeGreaterThanOrEqualTo(6);
		for (RecordingConsulProxy.Exchange exchange : exchanges) {
			for (String key : privateKeys) {
				assertThat(exchange.requestBody()).doesNotContain(key);
				assertThat(exchange.responseBody()).doesNotContain(key);
			}
		}
	}

	private static Map<String, Integer> tally(int calls) {
		return frontend.getBean(Frontend.class).tally(calls);
	}

	private static void split(int v1, int v2) {
		List<Map<String, Object>> splits = new ArrayList<>();
		if (v1 > 0) {
			splits.add(Map.of("Weight", v1, "ServiceSubset", "v1"));
		}
		if (v2 > 0) {
			splits.add(Map.of("Weight", v2, "ServiceSubset", "v2"));
		}
		consul.getOperator().putConfigEntry(Map.of("Kind", "service-splitter", "Name", BACKEND, "Splits", splits));
	}

	private static String webServer(ConfigurableApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getClass().getSimpleName();
	}

	private static ConfigurableApplicationContext start(MeshApplications.Stack stack, Class<?> application,
			String service, String... properties) {
		URI address = proxy.getAddress();
		List<String> all = new ArrayList<>(
				List.of("connect.consul.mode=agentless", "connect.consul.servers[0].http-address=" + address,
						"connect.consul.servers[0].grpc-address=127.0.0.1:" + consul.getAgent().getGrpcPort(),
						"connect.consul.root-change-spread=1s"));
		all.addAll(List.of(properties));
		ConfigurableApplicationContext context = MeshApplications
			.builder(stack.type(), application, address, service, all.toArray(String[]::new))
			.run();
		ConnectIdentityManager manager = context.getBean(ConnectIdentityManager.class);
		privateKeys.add(pkcs8(manager.getIdentity()));
		manager.addListener(new ConnectIdentityListener() {

			@Override
			public void identityChanged(ConnectIdentity previous, ConnectIdentity current) {
				String key = pkcs8(current);
				if (!privateKeys.contains(key)) {
					privateKeys.add(key);
				}
			}

		});
		return context;
	}

	private static String pkcs8(ConnectIdentity identity) {
		return Base64.getEncoder().encodeToString(identity.getPrivateKey().getEncoded());
	}

	private static void registerInCatalog(String service, String id, int port, String version) {
		consul.getAgent().request("PUT", "/v1/catalog/register", """
				{"Node": "k8s-node-1", "Address": "127.0.0.1",
				 "Service": {"ID": "%s", "Service": "%s", "Address": "127.0.0.1", "Port": %d,
				             "Meta": {"version": "%s"}, "Connect": {"Native": true}},
				 "Check": {"CheckID": "%s-ready", "Name": "Kubernetes Readiness Check", "Status": "passing",
				           "ServiceID": "%s"}}
				""".formatted(id, service, port, version, id, id));
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
	 * Records the full name of every gRPC method the applications call.
	 */
	@Configuration(proxyBeanMethods = false)
	static class GrpcRecorder {

		@Bean
		ClientInterceptor recordingInterceptor() {
			return new GrpcMethodRecorder(grpcMethods);
		}

	}

	/**
	 * The Tomcat frontend: relays to the backend through its discovery chain (split
	 * between the subsets), counts which subset answers, and answers the backend's calls
	 * with the caller's SPIFFE ID.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(GrpcRecorder.class)
	@RestController
	static class Frontend {

		private final RestClient backendClient;

		Frontend(@ConnectClient(BACKEND) RestClient backendClient) {
			this.backendClient = backendClient;
		}

		@GetMapping("/relay")
		String relay() {
			String body = this.backendClient.get().uri("/hello").retrieve().body(String.class);
			return (body != null) ? body : "";
		}

		@GetMapping("/hello")
		Map<String, String> hello(ConnectCaller caller) {
			return Map.of("caller", caller.spiffeId());
		}

		/**
		 * Call the backend's {@code /version} and count the answers.
		 * @param calls the number of calls
		 * @return the number of calls each version answered
		 */
		Map<String, Integer> tally(int calls) {
			Map<String, Integer> tally = new TreeMap<>();
			for (int i = 0; i < calls; i++) {
				String version = this.backendClient.get().uri("/version").retrieve().body(String.class);
				tally.merge(String.valueOf(version), 1, Integer::sum);
			}
			return tally;
		}

	}

	/**
	 * The Netty backend: answers with its version and its caller's SPIFFE ID, and relays
	 * to the frontend with a {@code @ConnectClient} {@link WebClient}.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import({ GrpcRecorder.class, InboundTestApplications.OwnReactorResources.class })
	@RestController
	static class Backend {

		private final WebClient frontendClient;

		private final String version;

		Backend(@ConnectClient(FRONTEND) WebClient frontendClient, @Value("${test.version}") String version) {
			this.frontendClient = frontendClient;
			this.version = version;
		}

		@GetMapping("/hello")
		Mono<Map<String, String>> hello(ConnectCaller caller) {
			return Mono.just(Map.of("caller", caller.spiffeId(), "version", this.version));
		}

		@GetMapping("/version")
		Mono<String> version() {
			return Mono.just(this.version);
		}

		@GetMapping("/relay")
		Mono<String> relay() {
			return this.frontendClient.get().uri("/hello").retrieve().bodyToMono(String.class);
		}

	}

}
