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
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
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

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Agentless mode against a real Consul server ({@code consul agent -dev} is a server and
 * serves the public gRPC API on its gRPC port): two applications that talk only to the
 * server, through a recording HTTP forwarder and a recording gRPC interceptor, get their
 * leaves with {@code Sign}, serve mTLS, call each other with {@code @ConnectClient},
 * enforce an intention deny, follow a CA root rotation under load, and never call
 * {@code /v1/agent/}. The platform's registration is done by the test through
 * {@code /v1/catalog/register}, as consul-k8s does.
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

	private static final Set<String> grpcMethods = ConcurrentHashMap.newKeySet();

	private static final List<String> privateKeys = new CopyOnWriteArrayList<>();

	private static RecordingConsulProxy proxy;

	private static ConfigurableApplicationContext backend;

	private static ConfigurableApplicationContext frontend;

	private static MeshTestClient tester;

	@BeforeAll
	static void startApplications() throws Exception {
		proxy = consul.closeAfterAll(RecordingConsulProxy.start(consul.getAddress()));
		backend = start(Backend.class, BACKEND);
		frontend = start(Frontend.class, FRONTEND);
		registerInCatalog(BACKEND, MeshApplications.port(backend));
		registerInCatalog(FRONTEND, MeshApplications.port(frontend));
		try (ConsulAgentClient client = ConsulAgentClient.builder(consul.getAddress()).build()) {
			tester = MeshTestClient.of(client.getLeafCertificate(TESTER), client.getCaRoots());
		}
	}

	@AfterAll
	static void closeApplications() {
		if (frontend != null) {
			frontend.close();
		}
		if (backend != null) {
			backend.close();
		}
	}

	@Test
	@Order(1)
	void signedLeafServesMtlsAndConnectClientCallsThroughTheMesh() throws Exception {
		ConnectIdentity identity = backend.getBean(ConnectIdentityManager.class).getIdentity();
		String trustDomain = consul.getAgent().getTrustDomain();
		assertThat(identity.getSpiffeId()).isEqualTo("spiffe://" + trustDomain + "/ns/default/dc/dc1/svc/" + BACKEND);
		assertThat(identity.getLeaf().getPublicKey().getAlgorithm()).isEqualTo("EC");
		MeshTestClient.Response relayed = await().atMost(Duration.ofSeconds(20))
			.until(() -> tester.get(MeshApplications.port(frontend), "/relay"), (response) -> response.status() == 200);
		assertThat(relayed.body()).contains("spiffe://" + trustDomain + "/ns/default/dc/dc1/svc/" + FRONTEND);
		assertThat(tester.get(MeshApplications.port(backend), "/hello").body())
			.contains("spiffe://" + trustDomain + "/ns/default/dc/dc1/svc/" + TESTER);
		assertThat(consul.getAgent().request("GET", "/v1/catalog/service/" + BACKEND, null))
			.contains("\"ServiceID\": \"" + BACKEND + "-1\"")
			.doesNotContain("\"Node\": \"" + consul.getAgent().getNodeName() + "\"");
	}

	@Test
	@Order(2)
	void intentionDenyTurnsCallsInto403() {
		Map<String, Object> entry = new LinkedHashMap<>();
		entry.put("Kind", "service-intentions");
		entry.put("Name", BACKEND);
		entry.put("Sources", List.of(Map.of("Name", TESTER, "Action", "deny")));
		consul.getOperator().putConfigEntry(entry);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> tester.get(MeshApplications.port(backend), "/hello").status() == 403);
		consul.getOperator().deleteConfigEntry("service-intentions", BACKEND);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> tester.get(MeshApplications.port(backend), "/hello").status() == 200);
	}

	@Test
	@Order(3)
	void rootRotationUnderLoadReachesTheBundleWithoutAFailedRequest() throws Exception {
		TestCertificateAuthority ca = TestCertificateAuthority.forConsulTrustDomain(consul.getAgent().getTrustDomain());
		try (MeshLoad load = new MeshLoad(tester, MeshApplications.port(backend), "/hello", 2,
				(response) -> response.status() == 200)
			.start()) {
			await().atMost(Duration.ofSeconds(10)).until(() -> load.answered.get() >= 20);
			Map<String, Object> config = new LinkedHashMap<>(consul.getOperator().getCaConfiguration().config());
			config.put("PrivateKey", ca.getPrivateKeyPem());
			config.put("RootCert", ca.getRootCertPem());
			consul.getOperator().updateCaConfiguration("consul", config);
			for (ConfigurableApplicationContext context : List.of(backend, frontend)) {
				ConnectIdentityManager manager = context.getBean(ConnectIdentityManager.class);
				await().atMost(Duration.ofSeconds(30))
					.until(() -> manager.getIdentity().getRoots().contains(ca.getRootCertificate())
							&& signedBy(manager.getIdentity().getLeaf(), ca.getRootCertificate()));
			}
			long answered = load.answered.get();
			await().atMost(Duration.ofSeconds(10)).until(() -> load.answered.get() >= answered + 20);
			load.stop();
			assertThat(load.failures).isEmpty();
		}
		assertThat(tester.get(MeshApplications.port(frontend), "/relay").status()).isEqualTo(200);
	}

	@Test
	@Order(4)
	void recordedCallsNeverReachTheAgentApiNorCarryTheKey() {
		frontend.close();
		backend.close();
		List<RecordingConsulProxy.Exchange> exchanges = proxy.getExchanges();
		assertThat(exchanges).extracting(RecordingConsulProxy.Exchange::path)
			.contains("/v1/catalog/datacenters", "/v1/connect/intentions/match", "/v1/health/connect/" + BACKEND)
			.noneMatch((path) -> path.startsWith("/v1/agent/"));
		assertThat(grpcMethods).containsExactlyInAnyOrder("hashicorp.consul.connectca.ConnectCAService/WatchRoots",
				"hashicorp.consul.connectca.ConnectCAService/Sign");
		assertThat(privateKeys).hasSizeGreaterThanOrEqualTo(4);
		for (RecordingConsulProxy.Exchange exchange : exchanges) {
			for (String key : privateKeys) {
				assertThat(exchange.requestBody()).doesNotContain(key);
				assertThat(exchange.responseBody()).doesNotContain(key);
			}
		}
	}

	private static ConfigurableApplicationContext start(Class<?> application, String service) {
		URI address = proxy.getAddress();
		ConfigurableApplicationContext context = new SpringApplicationBuilder(application)
			.web(WebApplicationType.SERVLET)
			.properties(MeshApplications.properties(address, service, "connect.consul.mode=agentless",
					"connect.consul.servers[0].http-address=" + address,
					"connect.consul.servers[0].grpc-address=127.0.0.1:" + consul.getAgent().getGrpcPort(),
					"connect.consul.root-change-spread=1s"))
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

	private static void registerInCatalog(String service, int port) {
		String id = service + "-1";
		consul.getAgent().request("PUT", "/v1/catalog/register", """
				{"Node": "k8s-node-1", "Address": "127.0.0.1",
				 "Service": {"ID": "%s", "Service": "%s", "Address": "127.0.0.1", "Port": %d,
				             "Connect": {"Native": true}},
				 "Check": {"CheckID": "%s-ready", "Name": "Kubernetes Readiness Check", "Status": "passing",
				           "ServiceID": "%s"}}
				""".formatted(id, service, port, id, id));
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
			return new ClientInterceptor() {

				@Override
				public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions callOptions,
						Channel next) {
					grpcMethods.add(method.getFullMethodName());
					return next.newCall(method, callOptions);
				}

			};
		}

	}

	/**
	 * Relays every request to the backend through its discovery chain.
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

	}

	/**
	 * Answers with the caller's SPIFFE ID.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(GrpcRecorder.class)
	@RestController
	static class Backend {

		@GetMapping("/hello")
		Map<String, String> hello(ConnectCaller caller) {
			return Map.of("caller", caller.spiffeId());
		}

	}

}
