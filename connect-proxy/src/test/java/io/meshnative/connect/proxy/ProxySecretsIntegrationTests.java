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

package io.meshnative.connect.proxy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.List;

import com.jayway.jsonpath.JsonPath;
import com.sun.net.httpserver.HttpServer;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ACL token never appears in the proxy's admin server's {@code env} and
 * {@code configprops} endpoints, also when they are exposed with
 * {@code show-values: always}: the proxy gets the starter's sanitizing function.
 *
 * @author connect-spring-boot authors
 */
class ProxySecretsIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private static final String TOKEN = "7c1d9e2a-4b3f-4e6a-8d5c-0f1e2d3c4b5a";

	private static final String MASKED = "******";

	@Test
	void tokenNeverAppearsInTheAdminServersEnvOrConfigprops() throws Exception {
		HttpServer app = ProxyMesh.plainApp("app");
		try (ConsulAgentClient client = ConsulAgentClient
			.builder(URI.create(consul.getAgent().start().getHttpAddress()))
			.build()) {
			ProxyMesh.registerProxy(client, "secrets-proxy", "secrets-app", ProxyMesh.freePort(),
					app.getAddress().getPort(), Collections.emptyList());
			try (ConfigurableApplicationContext proxy = ProxyMesh.startProxy(consul.getAgent(), "secrets-proxy",
					"connect.agent.token=" + TOKEN, "CONSUL_HTTP_TOKEN=" + TOKEN,
					"management.endpoints.web.exposure.include=env,configprops",
					"management.endpoint.env.show-values=always",
					"management.endpoint.configprops.show-values=always")) {
				int admin = ProxyMesh.port(proxy);
				String env = get(admin, "/actuator/env");
				String configprops = get(admin, "/actuator/configprops");
				assertThat(env + configprops).doesNotContain(TOKEN);
				assertThat(commandLine(env, "connect.agent.token")).containsExactly(MASKED);
				assertThat(commandLine(env, "CONSUL_HTTP_TOKEN")).containsExactly(MASKED);
				assertThat(commandLine(env, "proxy-id")).as("values are shown").containsExactly("secrets-proxy");
				assertThat(JsonPath.<List<Object>>read(configprops,
						"$..beans['connect-io.meshnative.connect.autoconfigure.ConsulConnectProperties']"
								+ ".properties.agent.token"))
					.containsExactly(MASKED);
			}
			finally {
				client.deregisterService("secrets-proxy");
			}
		}
		finally {
			app.stop(0);
		}
	}

	private static List<Object> commandLine(String env, String name) {
		return JsonPath.read(env, "$.propertySources[?(@.name == 'commandLineArgs')].properties['" + name + "'].value");
	}

	private static String get(int port, String path) throws Exception {
		HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
		HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.timeout(Duration.ofSeconds(10))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as("GET %s", path).isEqualTo(200);
		return response.body();
	}

}
