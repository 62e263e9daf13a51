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

package io.meshnative.connect.sample;

import java.time.Duration;

import io.meshnative.connect.test.ConsulAgent;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests that an instance Spring Cloud Consul registers with an HTTP check on the mTLS
 * port ends up with one passing TCP check on a real agent, and stays passing: Consul
 * 1.16.1 keeps running a replaced check of another type under the same check ID, which
 * turned the instance critical after every passing TCP probe until the registrar
 * deregistered the instance before registering it again.
 *
 * @author connect-spring-boot authors
 */
class ConnectNativeRegistrationIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	@Test
	void httpCheckOnTheMtlsPortBecomesOneTcpCheckThatStaysPassing(ConsulAgent agent) {
		try (ConfigurableApplicationContext backend = new SpringApplicationBuilder(SampleApplication.class)
			.profiles("backend")
			.properties("server.port=0", "connect.agent.address=" + agent.getHttpAddress(),
					"spring.cloud.consul.host=127.0.0.1", "spring.cloud.consul.port=" + agent.getHttpPort(),
					"spring.cloud.consul.discovery.ip-address=127.0.0.1",
					"spring.cloud.consul.discovery.prefer-ip-address=true",
					"spring.cloud.consul.discovery.health-check-interval=1s", "spring.main.banner-mode=off")
			.run()) {
			int port = ((WebServerApplicationContext) backend).getWebServer().getPort();
			await().atMost(Duration.ofSeconds(30))
				.untilAsserted(() -> assertThat(checks(agent))
					.contains("\"Output\": \"TCP connect 127.0.0.1:" + port + ": Success\""));
			String checks = checks(agent);
			assertThat(checks.split("\"CheckID\"", -1)).as("checks of the instance: " + checks).hasSize(2);
			assertThat(checks).contains("\"Type\": \"tcp\"").doesNotContain("actuator/health");
			await().during(Duration.ofSeconds(5))
				.atMost(Duration.ofSeconds(10))
				.until(() -> checks(agent),
						(now) -> now.contains("\"Status\": \"passing\"") && !now.contains("\"Status\": \"critical\""));
		}
	}

	private static String checks(ConsulAgent agent) {
		return agent.request("GET", "/v1/health/checks/backend", null);
	}

}
