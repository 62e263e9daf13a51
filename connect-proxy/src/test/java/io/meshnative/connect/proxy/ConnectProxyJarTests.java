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

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import io.meshnative.connect.agent.ConsulAgentClient;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The runnable jar, started the way the README says
 * ({@code java -jar connect-proxy-*-exec.jar --proxy-id=<id>}), fronts a plain HTTP
 * application and answers on its admin port. Run by Failsafe after the jar is built.
 *
 * @author connect-spring-boot authors
 */
class ConnectProxyJarTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	@Test
	void theRunnableJarServesAPlainAppBehindIt(@TempDir Path directory) throws Exception {
		Path jar = Path.of(System.getProperty("proxy.jar", "target/connect-proxy-0.1.0-SNAPSHOT-exec.jar"));
		assertThat(jar).as("the runnable jar (built by mvn package)").exists();
		HttpServer app = ProxyMesh.plainApp("from-jar");
		int publicPort = ProxyMesh.freePort();
		int adminPort = ProxyMesh.freePort();
		try (ConsulAgentClient client = ConsulAgentClient
			.builder(URI.create(consul.getAgent().start().getHttpAddress()))
			.build()) {
			ProxyMesh.registerProxy(client, "jar-web-proxy", "jar-web", publicPort, app.getAddress().getPort(),
					Collections.emptyList());
			Path log = directory.resolve("proxy.log");
			Process proxy = new ProcessBuilder(
					List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString(),
							"--proxy-id=jar-web-proxy", "--server.port=" + adminPort,
							"--connect.agent.address=" + consul.getAgent().getHttpAddress()))
				.redirectErrorStream(true)
				.redirectOutput(log.toFile())
				.start();
			proxy.getOutputStream().close();
			try {
				javax.net.ssl.SSLContext caller = ProxyMesh.meshContext(client, "jar-caller");
				await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
					assertThat(proxy.isAlive()).as("the proxy process (log: " + tail(log) + ")").isTrue();
					try (ProxyMesh.HttpConnection connection = ProxyMesh.openTls(caller, publicPort)) {
						assertThat(connection.get("/from/jar").body()).startsWith("from-jar /from/jar");
					}
				});
				HttpResponse<String> health = HttpClient.newHttpClient()
					.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/actuator/health"))
						.build(), HttpResponse.BodyHandlers.ofString());
				assertThat(health.statusCode()).isEqualTo(200);
				assertThat(health.body()).contains("\"status\":\"UP\"");
			}
			finally {
				proxy.destroy();
				if (!proxy.waitFor(30, TimeUnit.SECONDS)) {
					proxy.destroyForcibly();
				}
				app.stop(0);
				client.deregisterService("jar-web-proxy");
			}
		}
	}

	private static String tail(Path log) throws IOException {
		List<String> lines = Files.exists(log) ? Files.readAllLines(log) : Collections.emptyList();
		return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
	}

}
