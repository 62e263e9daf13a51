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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import io.meshnative.connect.agent.internal.AuthorizeRequest;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.autoconfigure.MeshApplications.MeshApplication;
import io.meshnative.connect.autoconfigure.MeshApplications.Stack;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * L7 intentions under ACL default-deny against a real agent: a single L7 deny intention
 * must not open anything (CVE-2021-36213), and a request that no permission matches gets
 * the default, deny.
 *
 * @author connect-spring-boot authors
 */
class L7IntentionsAclIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.devWithAcl();

	private static final ConsulAgentClient client = TestConsulAgentConnectionDetails.client(consul);

	@ParameterizedTest
	@EnumSource(Stack.class)
	void defaultDenyWithASingleL7DenyIntentionDoesNotFailOpen_CVE202136213(Stack stack) throws IOException {
		String service = "l7-acl-" + stack.name().toLowerCase(Locale.ROOT);
		String token = consul.getAgent().getManagementToken();
		consul.getOperator().putConfigEntry(Map.of("Kind", "service-defaults", "Name", service, "Protocol", "http"));
		try (MeshApplication app = L7IntentionsIntegrationTests.start(stack, consul, service,
				"connect.agent.token=" + token, "spring.cloud.consul.discovery.acl-token=" + token)) {
			int port = app.getPort();
			consul.getOperator()
				.putConfigEntry(L7IntentionsIntegrationTests.intentions(service, "cli",
						L7IntentionsIntegrationTests.permission("deny", Map.of("PathExact", "/admin"))));
			String cliId = "spiffe://" + client.getCaRoots().trustDomain() + "/ns/default/dc/dc1/svc/cli";
			assertThat(client.authorize(new AuthorizeRequest(service, cliId, null)).authorized()).isFalse();
			MeshTestClient cli = MeshTestClient.of(client.getLeafCertificate("cli"), client.getCaRoots());
			MeshTestClient other = MeshTestClient.of(client.getLeafCertificate("other"), client.getCaRoots());
			L7IntentionsIntegrationTests.hits.clear();
			Map<String, String> outcomes = new LinkedHashMap<>();
			outcomes.put("cli /admin",
					L7IntentionsIntegrationTests.status(cli, port, "GET", "/admin", Collections.emptyMap()));
			outcomes.put("cli /hello",
					L7IntentionsIntegrationTests.status(cli, port, "GET", "/hello", Collections.emptyMap()));
			outcomes.put("cli /api/items",
					L7IntentionsIntegrationTests.status(cli, port, "GET", "/api/items", Collections.emptyMap()));
			outcomes.put("other /hello",
					L7IntentionsIntegrationTests.status(other, port, "GET", "/hello", Collections.emptyMap()));
			assertThat(outcomes).containsOnly(Map.entry("cli /admin", "403"), Map.entry("cli /hello", "403"),
					Map.entry("cli /api/items", "403"), Map.entry("other /hello", "403"));
			assertThat(L7IntentionsIntegrationTests.hits).isEmpty();
			consul.getOperator()
				.putConfigEntry(L7IntentionsIntegrationTests.intentions(service, "cli",
						L7IntentionsIntegrationTests.permission("deny", Map.of("PathExact", "/admin")),
						L7IntentionsIntegrationTests.permission("allow", Map.of("PathPrefix", "/api/"))));
			await().atMost(Duration.ofSeconds(30))
				.pollInterval(Duration.ofMillis(50))
				.until(() -> cli.get(port, "/api/items").status() == 200);
			assertThat(L7IntentionsIntegrationTests.status(cli, port, "GET", "/hello", Collections.emptyMap()))
				.as("no permission matches: the default under ACL default-deny")
				.isEqualTo("403");
			assertThat(L7IntentionsIntegrationTests.status(cli, port, "GET", "/admin", Collections.emptyMap()))
				.isEqualTo("403");
			assertThat(L7IntentionsIntegrationTests.status(other, port, "GET", "/api/items", Collections.emptyMap()))
				.isEqualTo("403");
			assertThat(L7IntentionsIntegrationTests.hits).containsExactly("api /api/items");
		}
		finally {
			consul.getOperator().deleteConfigEntry("service-intentions", service);
			consul.getOperator().deleteConfigEntry("service-defaults", service);
		}
	}

}
