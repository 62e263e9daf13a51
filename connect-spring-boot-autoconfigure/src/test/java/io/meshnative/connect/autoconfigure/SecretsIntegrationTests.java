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
import java.util.Locale;

import io.meshnative.connect.agent.AuthorizeRequest;
import io.meshnative.connect.agent.CaConfiguration;
import io.meshnative.connect.agent.ConsulAgentClient;
import io.meshnative.connect.agent.ConsulAgentException;
import io.meshnative.connect.agent.LeafCertificate;
import io.meshnative.connect.autoconfigure.InboundIntegrationTests.Stack;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The ACL token and private keys never appear in logs (at TRACE), exception messages or
 * {@code toString()} of the starter's types, with a real agent with ACLs on, on Tomcat
 * and on Netty.
 *
 * @author connect-spring-boot authors
 */
@ExtendWith(OutputCaptureExtension.class)
class SecretsIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.devWithAcl();

	@ParameterizedTest
	@EnumSource(Stack.class)
	void tokenAndKeysNeverAppearInLogsExceptionsOrToString(Stack stack, CapturedOutput output) throws Exception {
		String token = consul.getAgent().start().getManagementToken();
		String service = "secret-" + stack.name().toLowerCase(Locale.ROOT);
		try (ConsulAgentClient client = ConsulAgentClient.builder(URI.create(consul.getAgent().getHttpAddress()))
			.token(token)
			.build();
				ConfigurableApplicationContext context = stack.start(service, consul, "connect.agent.token=" + token,
						"spring.cloud.consul.discovery.acl-token=" + token, "logging.level.io.meshnative=TRACE")) {
			LeafCertificate leaf = client.getLeafCertificate(service);
			String key = keyBody(leaf.privateKeyPem());
			CaConfiguration caConfiguration = client.getCaConfiguration();
			int port = ((WebServerApplicationContext) context).getWebServer().getPort();
			assertThat(MeshTestClient.of(client.getLeafCertificate("cli"), client.getCaRoots())
				.get(port, "/hello")
				.status()).as("default deny: a refusal is logged").isEqualTo(403);
			ConsulAgentException refused;
			try (ConsulAgentClient wrong = ConsulAgentClient.builder(URI.create(consul.getAgent().getHttpAddress()))
				.token("00000000-1111-2222-3333-" + token.substring(24))
				.build()) {
				String cli = "spiffe://" + client.getCaRoots().trustDomain() + "/ns/default/dc/dc1/svc/cli";
				refused = catchThrowableOfType(ConsulAgentException.class,
						() -> wrong.authorize(new AuthorizeRequest(service, cli, null)));
				assertThat(wrong.toString()).doesNotContain(token.substring(24));
			}
			assertThat(refused).isNotNull();
			ConnectIdentityManager manager = context.getBean(ConnectIdentityManager.class);
			ConsulConnectProperties properties = context.getBean(ConsulConnectProperties.class);
			ConsulAgentConnectionDetails details = context.getBean(ConsulAgentConnectionDetails.class);
			String everything = String.join("\n", output.getAll(), refused.getMessage(), String.valueOf(refused),
					leaf.toString(), manager.getIdentity().toString(), properties.toString(),
					properties.getAgent().toString(), details.toString(), client.toString(), caConfiguration.toString(),
					context.getBean(ConsulAgentClient.class).toString());
			assertThat(output.getAll()).contains("Denied GET /hello");
			assertThat(everything).doesNotContain(token).doesNotContain(key).doesNotContain("PRIVATE KEY");
		}
	}

	@ParameterizedTest
	@EnumSource(Stack.class)
	void startupFailureWithAWrongTokenDoesNotShowTheToken(Stack stack, CapturedOutput output) {
		String wrongToken = "6b1f1e7c-0d5e-4c7b-9a55-0123456789ab";
		assertThatExceptionOfType(Exception.class)
			.isThrownBy(() -> stack.start("wrong-token", consul, "connect.agent.token=" + wrongToken,
					"spring.cloud.consul.discovery.acl-token=" + wrongToken, "connect.agent.startup-timeout=2s"))
			.satisfies((ex) -> {
				StringBuilder messages = new StringBuilder();
				for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
					messages.append(cause).append('\n');
				}
				assertThat(messages.toString()).contains("403").doesNotContain(wrongToken);
			});
		assertThat(output.getAll()).doesNotContain(wrongToken);
	}

	private static String keyBody(String pem) {
		String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
		return base64.substring(base64.length() / 2, base64.length() / 2 + 24);
	}

}
