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

package io.meshnative.connect.client;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ServiceRegistration;
import io.meshnative.connect.autoconfigure.InboundTestApplications;
import io.meshnative.connect.autoconfigure.MeshApplications;
import io.meshnative.connect.autoconfigure.TestConsulAgentConnectionDetails;
import io.meshnative.connect.test.ConsulAgentExtension;
import io.meshnative.connect.test.TestPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Interoperability with Consul's own built-in proxy ({@code consul connect proxy}) in
 * both directions, against a real agent: our client calls a plain HTTP app behind the
 * proxy's public listener, and the proxy's upstream listener reaches our Tomcat and Netty
 * apps.
 *
 * @author connect-spring-boot authors
 */
class BuiltInProxyInteropIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private static final ConsulAgentClient client = TestConsulAgentConnectionDetails.client(consul);

	@Test
	void ourClientCallsAPlainAppBehindTheBuiltInProxy() throws Exception {
		HttpServer plain = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
		plain.createContext("/", (exchange) -> {
			byte[] body = "plain-backend".getBytes(StandardCharsets.UTF_8);
			exchange.sendResponseHeaders(200, body.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
		});
		plain.start();
		int sidecarPort = TestPorts.next();
		client.registerService(new ServiceRegistration("legacy-1", "legacy", null, null, "127.0.0.1",
				plain.getAddress().getPort(), null,
				new AgentService.Connect(null, Map.of("Port", sidecarPort, "Check", Map.of("TTL", "10m"))), null, null,
				null));
		consul.getAgent().request("PUT", "/v1/agent/check/pass/service:legacy-1-sidecar-proxy", null);
		Process proxy = proxy("-sidecar-for", "legacy-1");
		try (ConfigurableApplicationContext frontend = start(Caller.class, WebApplicationType.NONE,
				"interop-frontend")) {
			RestClient legacy = frontend.getBean(ConnectClientFactory.class).restClientBuilder("legacy").build();
			await().atMost(Duration.ofSeconds(30))
				.ignoreExceptions()
				.untilAsserted(() -> assertThat(legacy.get().uri("/anything").retrieve().body(String.class))
					.isEqualTo("plain-backend"));
		}
		finally {
			stop(proxy);
			plain.stop(0);
			client.deregisterService("legacy-1");
		}
	}

	@ParameterizedTest
	@EnumSource(value = WebApplicationType.class, names = { "SERVLET", "REACTIVE" })
	void theBuiltInProxyReachesOurApp(WebApplicationType type) throws Exception {
		String service = "interop-" + type.name().toLowerCase(Locale.ROOT);
		Class<?> application = (type == WebApplicationType.SERVLET) ? InboundTestApplications.ServletApp.class
				: InboundTestApplications.ReactiveApp.class;
		int localPort = TestPorts.next();
		try (ConfigurableApplicationContext app = start(application, type, service)) {
			MeshApplications.registerConnectNative(client, service + "-1", service, MeshApplications.port(app));
			Process proxy = proxy("-service", "cli", "-upstream", service + ":" + localPort);
			try {
				HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
				String cli = "spiffe://" + client.getCaRoots().trustDomain() + "/ns/default/dc/dc1/svc/cli";
				await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
					HttpResponse<String> response = http
						.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + localPort + "/hello"))
							.timeout(Duration.ofSeconds(5))
							.build(), HttpResponse.BodyHandlers.ofString());
					assertThat(response.statusCode()).isEqualTo(200);
					assertThat(response.body()).contains("\"caller\":\"" + cli + "\"");
				});
			}
			finally {
				stop(proxy);
				client.deregisterService(service + "-1");
			}
		}
	}

	private static Process proxy(String... arguments) throws IOException {
		Path binary = consul.getAgent().getBinary();
		List<String> command = new java.util.ArrayList<>();
		command.add(binary.toString());
		command.add("connect");
		command.add("proxy");
		command.add("-http-addr=" + consul.getAgent().getHttpAddress());
		command.addAll(List.of(arguments));
		Process process = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.DISCARD)
			.start();
		process.getOutputStream().close();
		return process;
	}

	private static void stop(Process process) throws InterruptedException {
		process.destroy();
		if (!process.waitFor(10, TimeUnit.SECONDS)) {
			process.destroyForcibly();
		}
	}

	private static ConfigurableApplicationContext start(Class<?> application, WebApplicationType type, String service) {
		return MeshApplications.start(type, application, consul, service, MeshApplications.NO_REGISTRATION)
			.getContext();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Caller {

	}

}
