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
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import io.meshnative.connect.agent.internal.CaRoots;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.autoconfigure.MeshApplications.MeshApplication;
import io.meshnative.connect.autoconfigure.MeshApplications.Stack;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.test.util.TestSocketUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * A separate management port ({@code management.server.port}) is not a mesh port: on
 * Tomcat and on Netty, with a real agent and Spring Cloud Consul registration, the
 * actuator there answers plain HTTP without the authorization filter, the health check
 * Spring Cloud Consul registers on it passes (so the Connect-native instance receives
 * traffic), and the application's port still requires a client certificate and
 * intentions.
 *
 * @author connect-spring-boot authors
 */
class ManagementPortIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private static final String TOMCAT_REACTIVE_MANAGEMENT = "org.springframework.boot.tomcat.autoconfigure.actuate.web."
			+ "server.TomcatReactiveManagementContextAutoConfiguration";

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private static final ConsulAgentClient client = TestConsulAgentConnectionDetails.client(consul);

	@ParameterizedTest
	@EnumSource(Stack.class)
	void managementPortIsOutsideTheMeshAndTheRegisteredCheckPasses(Stack stack) throws Exception {
		String service = "mgmt-" + stack.name().toLowerCase(Locale.ROOT);
		int managementPort = TestSocketUtils.findAvailableTcpPort();
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-intentions", "Name", service, "Sources",
					List.of(Map.of("Name", "mgmt-denied", "Action", "deny"))));
		try (MeshApplication app = MeshApplications.start(stack, consul, service, properties(stack, managementPort))) {
			HttpResponse<String> health = plainGet(managementPort, "/actuator/health");
			assertThat(health.statusCode()).as("health on the management port over plain HTTP").isEqualTo(200);
			assertThat(health.body()).contains("\"status\":\"UP\"");
			String instanceId = await().atMost(TIMEOUT)
				.until(() -> connectNativeInstanceOf(service), (id) -> id != null);
			await().atMost(TIMEOUT).untilAsserted(() -> {
				List<Map<String, Object>> checks = valuesOf(consul.getAgent().request("GET", "/v1/agent/checks", null))
					.stream()
					.filter((check) -> instanceId.equals(check.get("ServiceID")))
					.toList();
				assertThat(checks).as("checks of %s", instanceId)
					.extracting((check) -> check.get("Type"), (check) -> check.get("Status"))
					.containsExactly(tuple("http", "passing"));
			});
			// The agent syncs the check to the catalog (which the health API reads)
			// asynchronously: wait for that view too.
			await().atMost(TIMEOUT).untilAsserted(() -> {
				List<String> healthy = JsonPath.read(
						consul.getAgent().request("GET", "/v1/health/connect/" + service + "?passing=true", null),
						"$[*].Service.ID");
				assertThat(healthy).as("passing Connect-capable instances of %s", service).containsExactly(instanceId);
			});
			int meshPort = app.getPort();
			assertThat(meshPort).isNotEqualTo(managementPort);
			CaRoots roots = client.getCaRoots();
			MeshTestClient anonymous = MeshTestClient.of(null, null, MeshTestClient.roots(roots));
			assertThatExceptionOfType(IOException.class).as("mesh port without a client certificate")
				.isThrownBy(() -> anonymous.get(meshPort, "/hello"));
			assertThat(
					MeshTestClient.of(client.getLeafCertificate("mgmt-denied"), roots).get(meshPort, "/hello").status())
				.as("mesh port, caller denied by an intention")
				.isEqualTo(403);
			assertThat(MeshTestClient.of(client.getLeafCertificate("mgmt-allowed"), roots)
				.get(meshPort, "/hello")
				.status()).as("mesh port, caller allowed (default allow)").isEqualTo(200);
		}
		finally {
			consul.getOperator().deleteConfigEntry("service-intentions", service);
		}
	}

	/**
	 * Properties of the recommended set-up: the management server bound to loopback, and
	 * the check Spring Cloud Consul registers aimed at loopback too (the agent runs on
	 * the same host; by default the check would use the host's address, which a
	 * loopback-bound server does not answer).
	 */
	private static String[] properties(Stack stack, int managementPort) {
		List<String> properties = new ArrayList<>(List.of("management.server.port=" + managementPort,
				"management.server.address=127.0.0.1", "management.endpoints.web.exposure.include=health",
				"spring.cloud.consul.discovery.health-check-url=http://127.0.0.1:" + managementPort
						+ "/actuator/health",
				"spring.cloud.consul.discovery.health-check-interval=1s"));
		if (stack == Stack.NETTY) {
			// this test class path holds Tomcat and Netty, and both define the reactive
			// management context factory; an application has one server only
			properties.add("spring.autoconfigure.exclude=" + TOMCAT_REACTIVE_MANAGEMENT);
		}
		return properties.toArray(String[]::new);
	}

	private static @Nullable String connectNativeInstanceOf(String service) {
		List<String> ids = valuesOf(consul.getAgent().request("GET", "/v1/agent/services", null)).stream()
			.filter((instance) -> service.equals(instance.get("Service")))
			.filter((instance) -> instance.get("Connect") instanceof Map<?, ?> connect
					&& Boolean.TRUE.equals(connect.get("Native")))
			.map((instance) -> (String) instance.get("ID"))
			.toList();
		return (ids.size() == 1) ? ids.get(0) : null;
	}

	private static List<Map<String, Object>> valuesOf(String jsonObject) {
		return JsonPath.read(jsonObject, "$.*");
	}

	private static HttpResponse<String> plainGet(int port, String path) throws Exception {
		HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.timeout(Duration.ofSeconds(10))
			.build();
		return http.send(request, HttpResponse.BodyHandlers.ofString());
	}

}
