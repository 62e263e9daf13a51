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
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.autoconfigure.MeshApplications.MeshApplication;
import io.meshnative.connect.autoconfigure.MeshApplications.Stack;
import io.meshnative.connect.client.ConnectClient;
import io.meshnative.connect.test.ConsulAgentExtension;
import io.meshnative.connect.test.ConsulOperator;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One end-to-end test per server stack against a real agent: inbound mTLS, authorization
 * by intentions, a {@link ConnectClient @ConnectClient} call and a root rotation. It is
 * the real-agent test that the JDK 25 and Boot 4.1 legs of {@code scripts/test} run (see
 * docs/testing.md); the full suite covers each part in depth.
 *
 * @author connect-spring-boot authors
 */
class MeshEndToEndIntegrationTests {

	private static final String BACKEND = "matrix-backend";

	private static final String FRONTEND = "matrix-frontend";

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension
		.dev("connect { test_ca_leaf_root_change_spread = \"1ns\" }");

	private static final ConsulAgentClient client = TestConsulAgentConnectionDetails.client(consul);

	@ParameterizedTest
	@EnumSource(Stack.class)
	void authorizedClientCallsOverMutualTlsAndKeepsCallingThroughARootRotation(Stack stack) throws IOException {
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-intentions", "Name", BACKEND, "Sources",
					List.of(Map.of("Name", FRONTEND, "Action", "allow"), Map.of("Name", "*", "Action", "deny"))));
		try (MeshApplication backend = MeshApplications.start(stack, consul, BACKEND, MeshApplications.NO_REGISTRATION);
				MeshApplication frontend = MeshApplications.start(WebApplicationType.NONE, Frontend.class, consul,
						FRONTEND, MeshApplications.NO_REGISTRATION)) {
			int port = backend.getPort();
			MeshApplications.registerConnectNative(client, "matrix-backend-1", BACKEND, port);
			Frontend caller = frontend.getContext().getBean(Frontend.class);
			String frontendId = "spiffe://" + client.getCaRoots().trustDomain() + "/ns/default/dc/dc1/svc/" + FRONTEND;
			assertThat(caller.call(stack)).contains("\"caller\":\"" + frontendId + "\"");
			assertThat(intruder().get(port, "/hello").status()).as("caller denied by the intentions").isEqualTo(403);
			String rootBefore = client.getCaRoots().activeRootId();
			String servedBefore = servedSerial(port);
			rotateRoot();
			await().atMost(Duration.ofSeconds(45)).until(() -> !client.getCaRoots().activeRootId().equals(rootBefore));
			await().atMost(Duration.ofSeconds(45))
				.pollInterval(Duration.ofMillis(50))
				.until(() -> !servedSerial(port).equals(servedBefore));
			assertThat(caller.call(stack)).contains("\"caller\":\"" + frontendId + "\"");
			assertThat(intruder().get(port, "/hello").status()).isEqualTo(403);
		}
		finally {
			client.deregisterService("matrix-backend-1");
			consul.getOperator().deleteConfigEntry("service-intentions", BACKEND);
		}
	}

	private static MeshTestClient intruder() {
		return MeshTestClient.of(client.getLeafCertificate("matrix-intruder"), client.getCaRoots());
	}

	private static String servedSerial(int port) throws IOException {
		try (MeshTestClient.Connection connection = intruder().open(port)) {
			X509Certificate served = (X509Certificate) connection.getSocket().getSession().getPeerCertificates()[0];
			return served.getSerialNumber().toString(16);
		}
	}

	private static void rotateRoot() {
		ConsulOperator.CaConfiguration current = consul.getOperator().getCaConfiguration();
		int nextBits = "384".equals(String.valueOf(current.config().get("PrivateKeyBits"))) ? 256 : 384;
		Map<String, Object> config = new LinkedHashMap<>(current.config());
		config.put("PrivateKeyType", "ec");
		config.put("PrivateKeyBits", nextBits);
		consul.getOperator().updateCaConfiguration("consul", config);
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Frontend {

		@ConnectClient(BACKEND)
		RestClient restClient;

		@ConnectClient(BACKEND)
		WebClient webClient;

		String call(Stack stack) {
			if (stack == Stack.NETTY) {
				return this.webClient.get().uri("/hello").retrieve().bodyToMono(String.class).block(TIMEOUT);
			}
			return this.restClient.get().uri("/hello").retrieve().body(String.class);
		}

	}

}
