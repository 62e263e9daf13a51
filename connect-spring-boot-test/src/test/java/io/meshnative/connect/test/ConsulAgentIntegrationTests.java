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

package io.meshnative.connect.test;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link ConsulAgent}.
 *
 * @author connect-spring-boot authors
 */
class ConsulAgentIntegrationTests {

	@Test
	void twoAgentsRunAtTheSameTimeOnTheirOwnPortsAndCas() {
		try (ConsulAgent first = ConsulAgent.dev(); ConsulAgent second = ConsulAgent.dev()) {
			first.start();
			second.start();
			assertThat(first.getHttpPort()).isNotEqualTo(second.getHttpPort());
			assertThat(first.getGrpcPort()).isNotEqualTo(second.getGrpcPort());
			assertThat(first.getNodeName()).isNotEqualTo(second.getNodeName());
			assertThat(first.getTrustDomain()).endsWith(".consul").isNotEqualTo(second.getTrustDomain());
			assertThat(first.request("GET", "/v1/agent/self", null)).contains(first.getNodeName());
		}
	}

	@Test
	void hclFragmentsAreApplied() {
		try (ConsulAgent agent = ConsulAgent.dev("connect { ca_config { leaf_cert_ttl = \"2h\" } }")) {
			agent.start();
			assertThat(agent.request("GET", "/v1/connect/ca/configuration", null))
				.containsPattern("\"LeafCertTTL\":\\s*\"2h\"");
		}
	}

	@Test
	void aclAgentDeniesAnonymousCallsAndAcceptsTheManagementToken() {
		try (ConsulAgent agent = ConsulAgent.devWithAcl()) {
			agent.start();
			assertThat(agent.getManagementToken()).isNotBlank();
			java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
			java.net.http.HttpResponse<String> anonymous = send(http,
					agent.getHttpAddress() + "/v1/agent/connect/ca/leaf/web");
			assertThat(anonymous.statusCode()).isEqualTo(403);
			assertThat(agent.request("GET", "/v1/agent/connect/ca/leaf/web", null)).contains("svc/web");
		}
	}

	@Test
	void stopEndsTheProcessAndFreesThePort() {
		ConsulAgent agent = ConsulAgent.dev().start();
		String address = agent.getHttpAddress();
		agent.stop();
		assertThat(agent.isRunning()).isFalse();
		assertThatIllegalStateException().isThrownBy(agent::getHttpAddress).withMessageContaining("not started");
		java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
			.connectTimeout(Duration.ofSeconds(2))
			.build();
		org.assertj.core.api.Assertions.assertThatException()
			.isThrownBy(() -> http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(address)).build(),
					java.net.http.HttpResponse.BodyHandlers.discarding()));
	}

	private static java.net.http.HttpResponse<String> send(java.net.http.HttpClient http, String uri) {
		try {
			return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(uri)).build(),
					java.net.http.HttpResponse.BodyHandlers.ofString());
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

}
