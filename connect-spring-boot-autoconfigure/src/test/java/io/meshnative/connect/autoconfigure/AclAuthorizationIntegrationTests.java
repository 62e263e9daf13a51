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
import java.time.Duration;
import java.util.Locale;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.autoconfigure.MeshApplications.MeshApplication;
import io.meshnative.connect.autoconfigure.MeshApplications.Stack;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.awaitility.Awaitility.await;

/**
 * Tests of inbound authorization and start-up against a real agent with ACLs in
 * default-deny mode.
 *
 * @author connect-spring-boot authors
 */
class AclAuthorizationIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.devWithAcl();

	private static final ConsulAgentClient client = TestConsulAgentConnectionDetails.client(consul);

	@ParameterizedTest
	@EnumSource(Stack.class)
	void defaultDenyWithoutIntentionIs403AndAnAllowIntentionMakesIt200(Stack stack) throws IOException {
		String service = "acl-" + stack.name().toLowerCase(Locale.ROOT);
		try (MeshApplication app = MeshApplications.start(stack, consul, service,
				"connect.agent.token=" + consul.getAgent().getManagementToken(),
				"spring.cloud.consul.discovery.acl-token=" + consul.getAgent().getManagementToken())) {
			int port = app.getPort();
			MeshTestClient cli = MeshTestClient.of(client.getLeafCertificate("cli"), client.getCaRoots());
			assertThat(cli.get(port, "/hello").status()).isEqualTo(403);
			consul.getOperator()
				.putConfigEntry(AuthorizationIntegrationTests.intentions(service,
						AuthorizationIntegrationTests.source("cli", "allow")));
			await().atMost(Duration.ofSeconds(1))
				.pollInterval(Duration.ofMillis(20))
				.until(() -> cli.get(port, "/hello").status() == 200);
		}
		finally {
			consul.getOperator().deleteConfigEntry("service-intentions", service);
		}
	}

	@ParameterizedTest
	@EnumSource(Stack.class)
	void filterDecisionEqualsTheAgentsForEveryIntentionCaseUnderDefaultDeny(Stack stack) throws IOException {
		String token = consul.getAgent().getManagementToken();
		AuthorizationIntegrationTests.assertFilterDecisionsEqualTheAgents(client, consul, stack,
				"acl-matrix-" + stack.name().toLowerCase(Locale.ROOT), false, "connect.agent.token=" + token,
				"spring.cloud.consul.discovery.acl-token=" + token);
	}

	@Test
	void startupWithATokenLackingServiceWriteFailsNamingThePermission() {
		assertThatException().isThrownBy(() -> MeshApplications.start(Stack.TOMCAT, consul, "no-write"))
			.havingRootCause()
			.withMessageContaining("service:write on 'no-write'")
			.withMessageContaining("HTTP 403");
	}

	@Test
	void startupWithoutServiceNameFailsWithAClearMessage() {
		assertThatException()
			.isThrownBy(() -> MeshApplications.start(Stack.NETTY, consul, "",
					"connect.agent.token=" + consul.getAgent().getManagementToken()))
			.havingRootCause()
			.withMessageContaining("connect.service-name is not set");
	}

	@Test
	void startupWithAnUnreachableAgentFailsWithinTheTimeout() {
		assertThatException()
			.isThrownBy(() -> MeshApplications.start(Stack.TOMCAT, consul, "unreachable",
					"connect.agent.address=http://127.0.0.1:1", "connect.agent.startup-timeout=1s"))
			.withStackTraceContaining("Could not load the Connect identity of service 'unreachable'")
			.withStackTraceContaining("http://127.0.0.1:1")
			.withStackTraceContaining("within 1s (connect.agent.startup-timeout)");
	}

}
