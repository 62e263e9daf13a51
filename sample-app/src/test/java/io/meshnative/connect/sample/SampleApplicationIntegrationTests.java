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

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;

import io.meshnative.connect.test.ConsulAgent;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.pem.PemContent;
import org.springframework.boot.ssl.pem.PemSslStore;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Smoke tests of the sample application's two roles in a live mesh (a real Consul agent).
 *
 * @author connect-spring-boot authors
 */
class SampleApplicationIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	@Test
	void frontendOnTomcatAndBackendOnNettyGreetTheirCallerAndRegisterAsConnectNative(ConsulAgent agent)
			throws Exception {
		try (ConfigurableApplicationContext frontend = start("frontend", agent);
				ConfigurableApplicationContext backend = start("backend", agent)) {
			SSLContext cli = cliContext(agent);
			String trustDomain = agent.getTrustDomain();
			String callerId = "spiffe://" + trustDomain + "/ns/default/dc/dc1/svc/cli";
			assertThat(frontend.getClass().getSimpleName()).contains("Servlet");
			assertThat(backend.getClass().getSimpleName()).contains("Reactive");
			assertThat(get(cli, port(frontend), "/hello")).contains("\"service\":\"frontend\"")
				.contains("\"caller\":\"" + callerId + "\"");
			assertThat(get(cli, port(backend), "/hello")).contains("\"service\":\"backend\"")
				.contains("\"caller\":\"" + callerId + "\"");
			String frontendId = "spiffe://" + trustDomain + "/ns/default/dc/dc1/svc/frontend";
			await().atMost(Duration.ofSeconds(30))
				.untilAsserted(() -> assertThat(get(cli, port(frontend), "/call/backend/hello"))
					.contains("\"service\":\"backend\"")
					.contains("\"caller\":\"" + frontendId + "\"")
					.contains("\"version\":\"v1\""));
			assertThat(get(cli, port(frontend), "/actuator/health")).contains("\"status\":\"UP\"")
				.contains("\"connect\"");
			assertThat(get(cli, port(backend), "/actuator/connect")).contains("/svc/backend")
				.doesNotContain("PRIVATE KEY");
			for (String service : List.of("frontend", "backend")) {
				await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
					String health = agent.request("GET", "/v1/health/connect/" + service + "?passing", null);
					assertThat(health).contains("\"Native\": true").contains("\"Status\": \"passing\"");
				});
			}
		}
	}

	private static ConfigurableApplicationContext start(String profile, ConsulAgent agent) {
		return new SpringApplicationBuilder(SampleApplication.class).profiles(profile)
			.properties("server.port=0", "spring.cloud.consul.discovery.metadata.version=v1",
					"connect.agent.address=" + agent.getHttpAddress(), "spring.cloud.consul.host=127.0.0.1",
					"spring.cloud.consul.port=" + agent.getHttpPort(),
					"spring.cloud.consul.discovery.prefer-ip-address=true", "spring.main.banner-mode=off")
			.run();
	}

	private static int port(ConfigurableApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	private static SSLContext cliContext(ConsulAgent agent) {
		String leaf = agent.request("GET", "/v1/agent/connect/ca/leaf/cli", null);
		String roots = agent.request("GET", "/v1/agent/connect/ca/roots", null);
		PemSslStore key = PemSslStore.of(PemContent.of(field(leaf, "CertPEM")).getCertificates(),
				PemContent.of(field(leaf, "PrivateKeyPEM")).getPrivateKey());
		PemSslStore trust = PemSslStore.of(PemContent.of(field(roots, "RootCert")).getCertificates(), null);
		return SslBundle.of(new PemSslStoreBundle(key, trust)).createSslContext();
	}

	private static String field(String json, String name) {
		int start = json.indexOf("\"" + name + "\"");
		int open = json.indexOf('"', json.indexOf(':', start) + 1);
		int close = json.indexOf('"', open + 1);
		while (json.charAt(close - 1) == '\\') {
			close = json.indexOf('"', close + 1);
		}
		return json.substring(open + 1, close).replace("\\n", "\n");
	}

	private static String get(SSLContext context, int port, String path) throws IOException {
		HttpsURLConnection connection = (HttpsURLConnection) URI.create("https://127.0.0.1:" + port + path)
			.toURL()
			.openConnection();
		connection.setSSLSocketFactory(context.getSocketFactory());
		connection.setHostnameVerifier((host, session) -> true);
		assertThat(connection.getResponseCode()).isEqualTo(200);
		try (InputStream in = connection.getInputStream()) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

}
