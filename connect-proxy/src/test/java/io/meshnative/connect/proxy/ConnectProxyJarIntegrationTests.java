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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import javax.net.ssl.SSLContext;

import com.sun.net.httpserver.HttpServer;
import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ServiceRegistration;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The runnable jar, started the way the README says
 * ({@code java -jar connect-proxy-*-exec.jar --proxy-id=<id>}), fronts a plain HTTP
 * application and answers on its admin port; in http mode it forwards only the request
 * targets it decided on (a fifth of the differential corpus), sets only its own
 * forwarding headers, keeps the application's target on an upstream listener and logs no
 * query string. Run by Failsafe after the jar is built.
 *
 * @author connect-spring-boot authors
 */
class ConnectProxyJarIntegrationTests {

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
			Process proxy = startJar(jar, "jar-web-proxy", adminPort, log);
			try {
				SSLContext caller = ProxyMesh.meshContext(client, "jar-caller");
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
				stop(proxy);
				app.stop(0);
				client.deregisterService("jar-web-proxy");
			}
		}
	}

	@Test
	void theRunnableJarForwardsOnlyTheTargetDecidedOnWithItsOwnForwardingHeaders(@TempDir Path directory)
			throws Exception {
		Path jar = Path.of(System.getProperty("proxy.jar", "target/connect-proxy-0.1.0-SNAPSHOT-exec.jar"));
		assertThat(jar).as("the runnable jar (built by mvn package)").exists();
		int publicPort = ProxyMesh.freePort();
		int upstreamPort = ProxyMesh.freePort();
		try (ConsulAgentClient client = ConsulAgentClient
			.builder(URI.create(consul.getAgent().start().getHttpAddress()))
			.build();
				RecordingApp app = RecordingApp.plain();
				RecordingApp trap = RecordingApp.plain();
				RecordingApp sink = RecordingApp.tls(ProxyMesh.meshContext(client, "jar-sink"))) {
			ProxyMesh.httpServiceDenyingAdmin(consul.getOperator(), "jar-edge", "jar-caller");
			consul.getOperator()
				.putConfigEntry(Map.of("Kind", "service-defaults", "Name", "jar-sink", "Protocol", "http"));
			client.registerService(new ServiceRegistration("jar-sink-1", "jar-sink", null, null, "127.0.0.1",
					sink.port(), null, new AgentService.Connect(true, null), null,
					ServiceRegistration.Check.passingTtl("30m"), null));
			ProxyMesh.registerProxy(client, "jar-edge-proxy", "jar-edge", publicPort, app.port(),
					List.of(ProxyMesh.upstream("jar-sink", upstreamPort)));
			Path log = directory.resolve("proxy.log");
			Process proxy = startJar(jar, "jar-edge-proxy", ProxyMesh.freePort(), log);
			try {
				SSLContext caller = ProxyMesh.meshContext(client, "jar-caller");
				ProxyMesh.awaitHttpWithIntentions(caller, publicPort);
				List<RequestTargetCorpus.Target> full = RequestTargetCorpus.generate(RequestTargetCorpus.SEED, 2000,
						trap.port());
				List<RequestTargetCorpus.Target> corpus = IntStream.range(0, full.size())
					.filter((i) -> i % 5 == 0)
					.mapToObj(full::get)
					.toList();
				DifferentialRun run = DifferentialRun.run(corpus, caller, publicPort, app, null);
				System.out.print(run.summary("proxy jar (every 5th target)", RequestTargetCorpus.SEED));
				assertThat(run.violations()).isEmpty();
				assertThat(run.count("forwarded")).isPositive();
				assertThat(run.count("refused 400")).isPositive();
				assertThat(run.count("denied 403")).isPositive();
				try (RawHttpClient raw = new RawHttpClient(caller, publicPort)) {
					assertThat(raw
						.send("GET", "/api/headers?token=leak-jar",
								List.of("Host: mesh", "X-Seq: jar-headers", "X-Forwarded-For: 6.6.6.6",
										"x_forwarded_client_cert: URI=spiffe://evil", "Forwarded: for=6.6.6.6"))
						.status()).isEqualTo(200);
				}
				RecordingApp.Request headers = app.requests()
					.stream()
					.filter((request) -> "jar-headers".equals(request.header("X-Seq")))
					.findFirst()
					.orElseThrow();
				assertThat(headers.target()).isEqualTo("/api/headers?token=leak-jar");
				assertThat(headers.names()).doesNotContain("x_forwarded_client_cert", "forwarded");
				assertThat(headers.headers("X-Forwarded-For")).containsExactly("127.0.0.1");
				assertThat(headers.headers("X-Forwarded-Client-Cert")).singleElement()
					.asString()
					.startsWith("By=spiffe://")
					.contains("/svc/jar-edge;Hash=")
					.endsWith("/svc/jar-caller");
				String target = "/p%2Fq%26r%3Ds%2Bt%3Bu?x=%2F&y=%3B";
				try (RawHttpClient local = new RawHttpClient(null, upstreamPort)) {
					await().atMost(Duration.ofSeconds(30))
						.ignoreExceptions()
						.untilAsserted(() -> assertThat(local.send("GET", target, List.of("Host: jar-sink")).status())
							.isEqualTo(200));
				}
				assertThat(sink.requests()).extracting(RecordingApp.Request::target).contains(target);
				try (RawHttpClient raw = new RawHttpClient(caller, publicPort)) {
					assertThat(raw.send("GET", "/admin/x?token=leak-jar", List.of("Host: mesh")).status())
						.isEqualTo(403);
				}
				await().atMost(Duration.ofSeconds(10))
					.untilAsserted(() -> assertThat(Files.readString(log)).contains("Denied GET /admin/x from"));
				assertThat(Files.readString(log)).doesNotContain("leak-jar");
				assertThat(trap.connections()).isZero();
			}
			finally {
				stop(proxy);
				client.deregisterService("jar-edge-proxy");
				client.deregisterService("jar-sink-1");
			}
		}
	}

	private static Process startJar(Path jar, String proxyId, int adminPort, Path log) throws IOException {
		Process proxy = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-jar", jar.toString(), "--proxy-id=" + proxyId, "--server.port=" + adminPort,
				"--connect.agent.address=" + consul.getAgent().getHttpAddress()))
			.redirectErrorStream(true)
			.redirectOutput(log.toFile())
			.start();
		proxy.getOutputStream().close();
		return proxy;
	}

	private static void stop(Process proxy) throws InterruptedException {
		proxy.destroy();
		if (!proxy.waitFor(30, TimeUnit.SECONDS)) {
			proxy.destroyForcibly();
		}
	}

	private static String tail(Path log) throws IOException {
		List<String> lines = Files.exists(log) ? Files.readAllLines(log) : Collections.emptyList();
		return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
	}

}
