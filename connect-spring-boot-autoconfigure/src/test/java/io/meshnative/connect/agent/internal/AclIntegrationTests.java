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

package io.meshnative.connect.agent.internal;

import java.net.URI;

import io.meshnative.connect.test.ConsulAgent;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link ConsulAgentClient} against a real Consul agent with ACLs in
 * default-deny mode.
 *
 * @author connect-spring-boot authors
 */
class AclIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.devWithAcl();

	@Test
	void leafWithoutTokenFailsNamingServiceWrite(ConsulAgent agent) {
		try (ConsulAgentClient client = ConsulAgentClient.builder(URI.create(agent.getHttpAddress())).build()) {
			assertThatExceptionOfType(ConsulAgentException.class).isThrownBy(() -> client.getLeafCertificate("web"))
				.satisfies((ex) -> assertThat(ex.getStatus()).isEqualTo(403))
				.withMessageContaining("GET /v1/agent/connect/ca/leaf/web")
				.withMessageContaining("service:write on 'web'")
				.withMessageContaining("CONSUL_HTTP_TOKEN")
				.withMessageNotContaining("connect.");
		}
	}

	@Test
	void unknownTokenIsReportedAsSuch(ConsulAgent agent) {
		try (ConsulAgentClient client = ConsulAgentClient.builder(URI.create(agent.getHttpAddress()))
			.token("00000000-0000-0000-0000-000000000000")
			.build()) {
			assertThatExceptionOfType(ConsulAgentException.class).isThrownBy(() -> client.getLeafCertificate("web"))
				.satisfies((ex) -> assertThat(ex.getStatus()).isEqualTo(403))
				.withMessageContaining("not known to Consul")
				.withMessageNotContaining("00000000-0000-0000-0000-000000000000");
		}
	}

	@Test
	void leafWithManagementTokenSucceeds(ConsulAgent agent) {
		try (ConsulAgentClient client = ConsulAgentClient.builder(URI.create(agent.getHttpAddress()))
			.token(agent.getManagementToken())
			.build()) {
			assertThat(client.getLeafCertificate("web").serviceUri()).endsWith("/svc/web");
			assertThat(client.toString()).doesNotContain(agent.getManagementToken());
		}
	}

}
