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

import com.sun.net.httpserver.HttpServer;
import io.meshnative.connect.agent.ConsulAgentClient;
import io.meshnative.connect.client.ConnectClientFactory;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The proxy against a real agent: a plain HTTP application behind it is reached by mesh
 * callers, and its upstream listeners reach mesh services.
 *
 * @author connect-spring-boot authors
 */
class ConnectProxyIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private static ConsulAgentClient client;

	@BeforeAll
	static void createClient() {
		client = ConsulAgentClient.builder(URI.create(consul.getAgent().start().getHttpAddress())).build();
	}

	@AfterAll
	static void closeClient() {
		client.close();
	}

	@Test
	void connectClientCallerReachesAPlainAppBehindOurProxy() throws Exception {
		HttpServer app = ProxyMesh.plainApp("plain-web");
		int publicPort = ProxyMesh.freePort();
		ProxyMesh.registerProxy(client, "web-sidecar-proxy", "web", publicPort, app.getAddress().getPort(),
				Collections.emptyList());
		try (ConfigurableApplicationContext proxy = ProxyMesh.startProxy(consul.getAgent(), "web-sidecar-proxy");
				ConfigurableApplicationContext caller = ProxyMesh.startMeshApp(consul.getAgent(),
						ProxyMesh.Caller.class, WebApplicationType.NONE, "caller")) {
			RestClient web = caller.getBean(ConnectClientFactory.class).restClientBuilder("web").build();
			await().atMost(Duration.ofSeconds(30))
				.ignoreExceptions()
				.untilAsserted(() -> assertThat(web.get().uri("/hello").retrieve().body(String.class))
					.startsWith("plain-web /hello"));
			HttpResponse<String> admin = HttpClient.newHttpClient()
				.send(HttpRequest
					.newBuilder(URI.create("http://127.0.0.1:" + ProxyMesh.port(proxy) + "/actuator/connect"))
					.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(admin.statusCode()).isEqualTo(200);
			assertThat(admin.body()).contains("spiffe://").contains("/svc/web");
		}
		finally {
			app.stop(0);
			client.deregisterService("web-sidecar-proxy");
		}
	}

}
