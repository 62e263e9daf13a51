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
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.meshnative.connect.agent.internal.AgentQuery;
import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.autoconfigure.MeshApplications.MeshApplication;
import io.meshnative.connect.autoconfigure.MeshApplications.Stack;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.server.reactive.context.ReactiveWebServerApplicationContext;
import org.springframework.boot.web.server.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link MeshApplications} and {@link TestConsulAgentConnectionDetails} against
 * a real agent with ACLs.
 *
 * @author connect-spring-boot authors
 */
class MeshApplicationsIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.devWithAcl();

	@ParameterizedTest
	@EnumSource(Stack.class)
	void startsAnApplicationOfTheStackOnAFreePortThatAMeshCallerReaches(Stack stack) throws IOException {
		String service = "fixture-" + stack.slug();
		String token = consul.getToken();
		try (MeshApplication app = MeshApplications.start(stack, consul, service, "connect.agent.token=" + token,
				"spring.cloud.consul.discovery.acl-token=" + token)) {
			assertThat(app.getContext().isActive()).isTrue();
			assertThat(app.getContext()).isInstanceOf(
					stack.select(ServletWebServerApplicationContext.class, ReactiveWebServerApplicationContext.class));
			assertThat(app.getPort()).isPositive()
				.isEqualTo(((WebServerApplicationContext) app.getContext()).getWebServer().getPort());
			assertThat(app.getContext().getEnvironment().getProperty("connect.service-name")).isEqualTo(service);
			consul.getOperator()
				.putConfigEntry(Map.of("Kind", "service-intentions", "Name", service, "Sources",
						List.of(Map.of("Name", "cli", "Action", "allow"))));
			MeshTestClient.Response response = app.get("cli", "/hello");
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).contains(
					"\"caller\":\"spiffe://" + consul.getAgent().getTrustDomain() + "/ns/default/dc/dc1/svc/cli\"");
			assertThat(app.caller("cli").get(app.getPort(), "/hello").status()).isEqualTo(200);
		}
	}

	@Test
	void closeStopsTheApplication() {
		String token = consul.getToken();
		MeshApplication app = MeshApplications.start(Stack.NETTY, consul, "fixture-closed",
				"connect.agent.token=" + token, MeshApplications.NO_REGISTRATION);
		int port = app.getPort();
		app.close();
		assertThat(app.getContext().isActive()).isFalse();
		assertThatExceptionOfType(IOException.class).isThrownBy(() -> app.caller("cli").get(port, "/hello"));
	}

	@Test
	void propertiesPointAtTheAgentAndGivenOnesOverrideTheDefaults() {
		URI agent = URI.create("http://127.0.0.1:8599");
		Map<String, Object> properties = MeshApplications.properties(agent, "orders", "server.port=8443",
				MeshApplications.NO_REGISTRATION, "extra=a=b");
		assertThat(properties).containsEntry("server.port", "8443")
			.containsEntry("connect.service-name", "orders")
			.containsEntry("connect.agent.address", "http://127.0.0.1:8599")
			.containsEntry("spring.application.name", "orders")
			.containsEntry("spring.cloud.consul.host", "127.0.0.1")
			.containsEntry("spring.cloud.consul.port", 8599)
			.containsEntry("spring.cloud.consul.enabled", "false")
			.containsEntry("spring.main.banner-mode", "off")
			.containsEntry("extra", "a=b");
		assertThat(MeshApplications.properties(agent, "orders")).containsEntry("server.port", "0")
			.doesNotContainKey("spring.cloud.consul.enabled");
	}

	@Test
	void builderAppliesTheStackAndTheProperties() {
		try (ConfigurableApplicationContext context = MeshApplications
			.builder(WebApplicationType.NONE, InboundTestApplications.ServletApp.class, consul.getAddress(),
					"fixture-builder", "connect.enabled=false", MeshApplications.NO_REGISTRATION)
			.run()) {
			assertThat(context).isNotInstanceOf(WebServerApplicationContext.class);
			assertThat(context.getEnvironment().getProperty("connect.agent.address"))
				.isEqualTo(consul.getAddress().toString());
			assertThat(context.getEnvironment().getProperty("connect.enabled")).isEqualTo("false");
		}
	}

	@Test
	void registerConnectNativeAddsAPassingConnectNativeInstance() {
		ConsulAgentClient client = TestConsulAgentConnectionDetails.client(consul);
		MeshApplications.registerConnectNative(client, "fixture-native-1", "fixture-native", 18443);
		try {
			AgentService service = client.getAgentService("fixture-native-1");
			assertThat(service.service()).isEqualTo("fixture-native");
			assertThat(service.port()).isEqualTo(18443);
			assertThat(service.isConnectNative()).isTrue();
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(
						client.query(AgentQuery.connectHealth("fixture-native", true, null, null)).value())
					.singleElement()
					.satisfies((health) -> assertThat(health.isPassing()).isTrue()));
		}
		finally {
			client.deregisterService("fixture-native-1");
		}
	}

	@Test
	void stackSelectsItsValue() {
		assertThat(Stack.TOMCAT.select("servlet", "reactive")).isEqualTo("servlet");
		assertThat(Stack.NETTY.select("servlet", "reactive")).isEqualTo("reactive");
		assertThat(Stack.TOMCAT.type()).isEqualTo(WebApplicationType.SERVLET);
		assertThat(Stack.NETTY.type()).isEqualTo(WebApplicationType.REACTIVE);
		assertThat(Stack.NETTY.slug()).isEqualTo("netty");
	}

	@Test
	void connectionDetailsCarryTheExtensionsAddressAndTokenAndTheClientClosesWithTheExtension() {
		TestConsulAgentConnectionDetails details = TestConsulAgentConnectionDetails.of(consul);
		assertThat(details.getAddress()).isEqualTo(consul.getAddress());
		assertThat(details.getToken()).isNotBlank().isEqualTo(consul.getAgent().getManagementToken());
		assertThat(details.getSslBundle()).isNull();
		try (ConsulAgentClient client = details.createClient()) {
			assertThat(client.getAddress()).isEqualTo(consul.getAddress());
			assertThat(client.getLeafCertificate("with-token").serviceUri()).endsWith("/svc/with-token");
		}
		TestConsulAgentConnectionDetails anonymous = TestConsulAgentConnectionDetails.of(consul.getAddress().toString(),
				null);
		assertThat(anonymous.getToken()).isNull();
		try (ConsulAgentClient client = anonymous.createClient()) {
			assertThatExceptionOfType(RuntimeException.class)
				.isThrownBy(() -> client.getLeafCertificate("without-token"));
		}
		ConsulAgentClient shared = TestConsulAgentConnectionDetails.client(consul);
		assertThat(shared.getCaRoots().roots()).isNotEmpty();
	}

}
