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

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLException;

import com.jayway.jsonpath.JsonPath;
import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.CaRoots;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ServiceRegistration;
import io.meshnative.connect.client.ConnectClientFactory;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.test.ConsulAgentExtension;
import io.meshnative.connect.test.TestCertificateAuthority;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * End-to-end tests of the meters, the {@code connect} endpoint, the health endpoint and
 * the logs of a frontend (Tomcat) calling a backend (Netty) through a real agent.
 *
 * @author connect-spring-boot authors
 */
@ExtendWith(OutputCaptureExtension.class)
class ObservabilityIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension
		.dev("connect { test_ca_leaf_root_change_spread = \"1ns\" }");

	private static final String TOKEN = "5e1f7c2a-0b9d-4c3e-8f61-token-never-logged";

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private static final ConsulAgentClient client = TestConsulAgentConnectionDetails.client(consul);

	@Test
	void metersEndpointHealthAndLogsOfAFrontendBackendPair(CapturedOutput output) throws Exception {
		try (ConfigurableApplicationContext backend = start(InboundTestApplications.ReactiveApp.class,
				WebApplicationType.REACTIVE, "obs-backend");
				ConfigurableApplicationContext frontend = start(InboundTestApplications.ServletApp.class,
						WebApplicationType.SERVLET, "obs-frontend")) {
			register("obs-backend-1", "obs-backend", MeshApplications.port(backend));
			MeterRegistry frontendMeters = frontend.getBean(MeterRegistry.class);
			MeterRegistry backendMeters = backend.getBean(MeterRegistry.class);
			RestClient backendClient = frontend.getBean(ConnectClientFactory.class)
				.restClientBuilder("obs-backend")
				.build();
			assertThat(backendClient.get().uri("/hello").retrieve().body(String.class)).contains("obs-frontend");
			assertThat(backendClient.get().uri("/hello").retrieve().body(String.class)).contains("obs-frontend");
			String target = "obs-backend.default.default.dc1";
			assertThat(frontendMeters.get("connect.client.requests")
				.tags("upstream", "obs-backend", "target", target, "result", "success")
				.timer()
				.count()).isEqualTo(2);
			assertThat(frontendMeters.get("connect.client.connections").tag("service", "obs-backend").gauge().value())
				.isGreaterThanOrEqualTo(1);
			assertThat(counter(backendMeters, "connect.authz.decisions", "result", "allow", "source", "default"))
				.as("no intention names the frontend: the default decision (allow without ACLs)")
				.isEqualTo(2);
			assertThat(backendMeters.get("connect.identity.leaf.expiry").timeGauge().value())
				.isGreaterThan(Duration.ofHours(1).toSeconds());
			assertThat(backendMeters.get("connect.identity.roots").gauge().value()).isGreaterThanOrEqualTo(1);
			CaRoots roots = client.getCaRoots();
			MeshTestClient probe = MeshTestClient.of(client.getLeafCertificate("obs-probe"), roots);
			MeshTestClient.Response connect = probe.get(MeshApplications.port(frontend), "/actuator/connect");
			assertThat(connect.status()).isEqualTo(200);
			String trustDomain = roots.trustDomain();
			assertThat(connect.body())
				.contains("\"spiffeId\":\"spiffe://" + trustDomain + "/ns/default/dc/dc1/svc/obs-frontend\"")
				.contains("\"id\":\"" + roots.activeRootId() + "\"")
				.contains("\"active\":true")
				.contains("\"obs-backend\":{\"chain\":")
				.contains("\"id\":\"" + target + "\"")
				.contains("\"loadBalancer\":\"round_robin\"")
				.contains("\"port\":" + MeshApplications.port(backend))
				.contains("\"serviceId\":\"obs-backend-1\"")
				.doesNotContain("PRIVATE")
				.doesNotContain("privateKey")
				.doesNotContain(TOKEN);
			MeshTestClient.Response health = probe.get(MeshApplications.port(backend), "/actuator/health");
			assertThat(health.status()).isEqualTo(200);
			assertThat((String) JsonPath.read(health.body(), "$.components.connect.status")).isEqualTo("UP");
			assertThat(health.body())
				.contains("\"spiffeId\":\"spiffe://" + trustDomain + "/ns/default/dc/dc1/svc/obs-backend\"")
				.contains("\"leafSerialNumber\":\""
						+ backend.getBean(ConnectIdentityManager.class).getIdentity().getSerialNumber() + "\"")
				.doesNotContain("PRIVATE")
				.doesNotContain(TOKEN);
			assertThatExceptionOfType(SSLException.class)
				.isThrownBy(() -> MeshTestClient.of(null, null, MeshTestClient.roots(roots))
					.get(MeshApplications.port(backend), "/hello"));
			await().atMost(TIMEOUT)
				.until(() -> counter(backendMeters, "connect.tls.handshake.failures", "reason",
						"no-client-certificate") == 1);
			denyAndCount(backendClient, backendMeters);
			rotateAndCount(backend);
			String leafKey = backend.getBean(ConnectIdentityManager.class).getIdentity().getPrivateKey().toString();
			assertThat(output).contains("Connect identity loaded: spiffe://" + trustDomain)
				.contains("Connect identity rotated")
				.doesNotContain(TOKEN)
				.doesNotContain("PRIVATE KEY")
				.doesNotContain(leafKey);
		}
		finally {
			client.deregisterService("obs-backend-1");
		}
	}

	private static void denyAndCount(RestClient backendClient, MeterRegistry backendMeters) {
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-intentions", "Name", "obs-backend", "Sources",
					List.of(Map.of("Name", "obs-frontend", "Action", "deny"))));
		try {
			await().atMost(TIMEOUT)
				.untilAsserted(() -> assertThatExceptionOfType(HttpClientErrorException.class)
					.isThrownBy(() -> backendClient.get().uri("/hello").retrieve().body(String.class)));
			assertThat(counter(backendMeters, "connect.authz.decisions", "result", "deny", "source", "intention"))
				.isGreaterThanOrEqualTo(1);
		}
		finally {
			consul.getOperator().deleteConfigEntry("service-intentions", "obs-backend");
		}
	}

	private static void rotateAndCount(ConfigurableApplicationContext backend) {
		MeterRegistry meters = backend.getBean(MeterRegistry.class);
		TestCertificateAuthority ca = TestCertificateAuthority.forConsulTrustDomain(client.getCaRoots().trustDomain());
		Map<String, Object> config = new LinkedHashMap<>(consul.getOperator().getCaConfiguration().config());
		config.put("PrivateKey", ca.getPrivateKeyPem());
		config.put("RootCert", ca.getRootCertPem());
		consul.getOperator().updateCaConfiguration("consul", config);
		await().atMost(TIMEOUT).untilAsserted(() -> {
			assertThat(counter(meters, "connect.identity.rotations", "kind", "roots")).isGreaterThanOrEqualTo(1);
			assertThat(counter(meters, "connect.identity.rotations", "kind", "leaf")).isGreaterThanOrEqualTo(1);
			assertThat(meters.get("connect.identity.roots").gauge().value()).isGreaterThanOrEqualTo(2);
		});
	}

	@Test
	void failoversRetriesAndCallsWithoutHealthyEndpointAreCounted() {
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-defaults", "Name", "obs-retry", "Protocol", "http"));
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-router", "Name", "obs-retry", "Routes",
					List.of(Map.of("Match", Map.of("HTTP", Map.of("PathPrefix", "/missing")), "Destination",
							Map.of("NumRetries", 2, "RetryOnStatusCodes", List.of(404))))));
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-defaults", "Name", "obs-primary", "Protocol", "http"));
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-resolver", "Name", "obs-primary", "Failover",
					Map.of("*", Map.of("Service", "obs-retry"))));
		try (ConfigurableApplicationContext backend = start(InboundTestApplications.ReactiveApp.class,
				WebApplicationType.REACTIVE, "obs-retry");
				ConfigurableApplicationContext frontend = start(InboundTestApplications.ServletApp.class,
						WebApplicationType.SERVLET, "obs-caller")) {
			register("obs-retry-1", "obs-retry", MeshApplications.port(backend));
			MeterRegistry meters = frontend.getBean(MeterRegistry.class);
			ConnectClientFactory clients = frontend.getBean(ConnectClientFactory.class);
			String target = "obs-retry.default.default.dc1";
			assertThatExceptionOfType(HttpClientErrorException.class)
				.isThrownBy(() -> clients.restClientBuilder("obs-retry")
					.build()
					.get()
					.uri("/missing")
					.retrieve()
					.toBodilessEntity());
			assertThat(counter(meters, "connect.client.retries", "upstream", "obs-retry", "target", target))
				.isEqualTo(2);
			assertThat(meters.get("connect.client.requests")
				.tags("upstream", "obs-retry", "target", target, "result", "client-error")
				.timer()
				.count()).isEqualTo(1);
			assertThat(
					clients.restClientBuilder("obs-primary").build().get().uri("/hello").retrieve().body(String.class))
				.contains("obs-caller");
			assertThat(counter(meters, "connect.client.failovers", "upstream", "obs-primary", "target", target))
				.isEqualTo(1);
			assertThatException().isThrownBy(() -> clients.restClientBuilder("obs-nobody")
				.build()
				.get()
				.uri("/hello")
				.retrieve()
				.body(String.class));
			assertThat(counter(meters, "connect.client.no.healthy.endpoint", "upstream", "obs-nobody")).isEqualTo(1);
			assertThat(meters.get("connect.client.requests")
				.tags("upstream", "obs-nobody", "target", "none", "result", "no-healthy-endpoint")
				.timer()
				.count()).isEqualTo(1);
		}
		finally {
			client.deregisterService("obs-retry-1");
			consul.getOperator().deleteConfigEntry("service-resolver", "obs-primary");
			consul.getOperator().deleteConfigEntry("service-router", "obs-retry");
			consul.getOperator().deleteConfigEntry("service-defaults", "obs-retry");
			consul.getOperator().deleteConfigEntry("service-defaults", "obs-primary");
		}
	}

	private static double counter(MeterRegistry registry, String name, String... tags) {
		io.micrometer.core.instrument.Counter counter = registry.find(name).tags(tags).counter();
		return (counter != null) ? counter.count() : 0;
	}

	private static void register(String id, String name, int port) {
		client.registerService(new ServiceRegistration(id, name, null, null, "127.0.0.1", port, null,
				new AgentService.Connect(true, null), null, ServiceRegistration.Check.passingTtl("30s"), null));
	}

	private static ConfigurableApplicationContext start(Class<?> application, WebApplicationType type, String service) {
		return MeshApplications
			.start(type, application, consul, service, "connect.agent.token=" + TOKEN,
					"management.endpoints.web.exposure.include=health,connect",
					"management.endpoint.health.show-details=always", MeshApplications.NO_REGISTRATION)
			.getContext();
	}

}
