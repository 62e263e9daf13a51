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
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import io.meshnative.connect.agent.internal.AuthorizeRequest;
import io.meshnative.connect.agent.internal.CaConfiguration;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ConsulAgentException;
import io.meshnative.connect.agent.internal.LeafCertificate;
import io.meshnative.connect.autoconfigure.MeshApplications.MeshApplication;
import io.meshnative.connect.autoconfigure.MeshApplications.Stack;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.test.ConsulAgentExtension;
import io.meshnative.connect.test.ConsulOperator;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The ACL token and private keys never appear in logs (at TRACE), exception messages or
 * {@code toString()} of the starter's types, and the token never in the actuator's
 * {@code env} and {@code configprops} endpoints, with a real agent with ACLs on, on
 * Tomcat and on Netty.
 *
 * @author connect-spring-boot authors
 */
@ExtendWith(OutputCaptureExtension.class)
class SecretsIntegrationTests {

	private static final String MASKED = "******";

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
				MeshApplication app = MeshApplications.start(stack, consul, service, "connect.agent.token=" + token,
						"spring.cloud.consul.discovery.acl-token=" + token, "logging.level.io.meshnative=TRACE")) {
			LeafCertificate leaf = client.getLeafCertificate(service);
			String key = keyBody(JsonPath.read(
					consul.getAgent().request("GET", "/v1/agent/connect/ca/leaf/" + service, null), "$.PrivateKeyPEM"));
			String encodedKey = keyBody(Base64.getEncoder().encodeToString(leaf.privateKey().getEncoded()));
			ConsulOperator.CaConfiguration operatorView = consul.getOperator().getCaConfiguration();
			CaConfiguration caConfiguration = new CaConfiguration(operatorView.provider(), operatorView.config(), null);
			int port = app.getPort();
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
			ConnectIdentityManager manager = app.getContext().getBean(ConnectIdentityManager.class);
			ConsulConnectProperties properties = app.getContext().getBean(ConsulConnectProperties.class);
			ConsulAgentConnectionDetails details = app.getContext().getBean(ConsulAgentConnectionDetails.class);
			String everything = String.join("\n", output.getAll(), refused.getMessage(), String.valueOf(refused),
					leaf.toString(), manager.getIdentity().toString(), properties.toString(),
					properties.getAgent().toString(), details.toString(), client.toString(), caConfiguration.toString(),
					app.getContext().getBean(ConsulAgentClient.class).toString());
			assertThat(output.getAll()).contains("Denied GET /hello");
			assertThat(everything).doesNotContain(token)
				.doesNotContain(key)
				.doesNotContain(encodedKey)
				.doesNotContain("PRIVATE KEY");
		}
	}

	@ParameterizedTest
	@EnumSource(Stack.class)
	void tokenNeverAppearsInTheEnvOrConfigpropsEndpointsEvenWithShowValuesAlways(Stack stack) throws Exception {
		String token = consul.getAgent().start().getManagementToken();
		String service = "actuate-secret-" + stack.name().toLowerCase(Locale.ROOT);
		try (ConsulAgentClient client = ConsulAgentClient.builder(URI.create(consul.getAgent().getHttpAddress()))
			.token(token)
			.build()) {
			consul.getOperator()
				.putConfigEntry(Map.of("Kind", "service-intentions", "Name", service, "Sources",
						List.of(Map.of("Name", "secret-probe", "Action", "allow"))));
			try (ConfigurableApplicationContext context = MeshApplications
				.builder(stack, consul, service, "connect.agent.token=" + token,
						"spring.cloud.consul.discovery.acl-token=" + token, "secrets-test.alias=${connect.agent.token}",
						"management.endpoints.web.exposure.include=env,configprops",
						"management.endpoint.env.show-values=always",
						"management.endpoint.configprops.show-values=always")
				.initializers(environmentVariable("CONSUL_HTTP_TOKEN", token))
				.run()) {
				int port = MeshApplications.port(context);
				MeshTestClient probe = MeshTestClient.of(client.getLeafCertificate("secret-probe"),
						client.getCaRoots());
				String env = body(probe, port, "/actuator/env");
				String property = body(probe, port, "/actuator/env/connect.agent.token");
				String configprops = body(probe, port, "/actuator/configprops");
				assertThat(String.join("\n", env, property, configprops)).doesNotContain(token);
				assertThat(values(env, "systemEnvironment", "CONSUL_HTTP_TOKEN")).containsExactly(MASKED);
				assertThat(values(env, "defaultProperties", "connect.agent.token")).containsExactly(MASKED);
				assertThat(values(env, "defaultProperties", "spring.cloud.consul.discovery.acl-token"))
					.containsExactly(MASKED);
				assertThat(values(env, "defaultProperties", "secrets-test.alias")).as("a placeholder for the token")
					.containsExactly(MASKED);
				assertThat(values(env, "defaultProperties", "connect.service-name")).as("values are shown")
					.containsExactly(service);
				assertThat((String) JsonPath.read(property, "$.property.value")).isEqualTo(MASKED);
				String connect = "$..beans['connect-io.meshnative.connect.autoconfigure.ConsulConnectProperties']";
				assertThat(JsonPath.<List<Object>>read(configprops, connect + ".properties.agent.token"))
					.containsExactly(MASKED);
				assertThat(JsonPath.<List<Object>>read(configprops, connect + ".inputs.agent.token.value"))
					.containsExactly(MASKED);
				assertThat(JsonPath.<List<Object>>read(configprops, connect + ".properties.serviceName"))
					.containsExactly(service);
				String discovery = "$..beans.consulDiscoveryProperties";
				assertThat(JsonPath.<List<Object>>read(configprops, discovery + ".properties.aclToken"))
					.containsExactly(MASKED);
				assertThat(JsonPath.<List<Object>>read(configprops, discovery + ".inputs.aclToken.value"))
					.containsExactly(MASKED);
			}
			finally {
				consul.getOperator().deleteConfigEntry("service-intentions", service);
			}
		}
	}

	private static String body(MeshTestClient probe, int port, String path) throws IOException {
		MeshTestClient.Response response = probe.get(port, path);
		assertThat(response.status()).as("GET %s", path).isEqualTo(200);
		return response.body();
	}

	private static List<Object> values(String env, String source, String name) {
		return JsonPath.read(env, "$.propertySources[?(@.name == '" + source + "')].properties['" + name + "'].value");
	}

	/**
	 * Add an environment variable to the application's environment only (the JVM's own
	 * environment cannot be changed).
	 */
	private static ApplicationContextInitializer<ConfigurableApplicationContext> environmentVariable(String name,
			String value) {
		return (context) -> {
			Map<String, Object> variables = new LinkedHashMap<>(context.getEnvironment().getSystemEnvironment());
			variables.put(name, value);
			context.getEnvironment()
				.getPropertySources()
				.replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
						new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
								variables));
		};
	}

	@ParameterizedTest
	@EnumSource(Stack.class)
	void startupFailureWithAWrongTokenDoesNotShowTheToken(Stack stack, CapturedOutput output) {
		String wrongToken = "6b1f1e7c-0d5e-4c7b-9a55-0123456789ab";
		assertThatExceptionOfType(Exception.class)
			.isThrownBy(() -> MeshApplications.start(stack, consul, "wrong-token", "connect.agent.token=" + wrongToken,
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
