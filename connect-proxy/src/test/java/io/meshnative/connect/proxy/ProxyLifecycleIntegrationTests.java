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
import java.net.ConnectException;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ServiceRegistration;
import io.meshnative.connect.test.ConsulAgentExtension;
import io.netty.channel.unix.DomainSocketAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;

import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The proxy's listeners over their life against a real agent: live reconfiguration from
 * the registration, Unix domain sockets, connection limit and idle timeout, draining on
 * shutdown, finding the proxy with {@code --sidecar-for}, and startup errors.
 *
 * @author connect-spring-boot authors
 */
class ProxyLifecycleIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private static ConsulAgentClient client;

	private static HttpServer echo;

	@BeforeAll
	static void startEcho() throws IOException {
		client = ConsulAgentClient.builder(URI.create(consul.getAgent().start().getHttpAddress())).build();
		echo = ProxyMesh.plainApp("echo");
	}

	@AfterAll
	static void stopEcho() {
		echo.stop(0);
		client.close();
	}

	@Test
	void addingAnUpstreamOpensItsListenerWithinTwoSecondsAndRemovingItClosesOnlyThatListener() throws Exception {
		ProxyMesh.registerProxy(client, "echo-proxy", "echo", ProxyMesh.freePort(), echo.getAddress().getPort(),
				Collections.emptyList());
		ProxyMesh.registerProxy(client, "echo-two-proxy", "echo-two", ProxyMesh.freePort(), echo.getAddress().getPort(),
				Collections.emptyList());
		int first = ProxyMesh.freePort();
		int second = ProxyMesh.freePort();
		int appPort = ProxyMesh.freePort();
		ProxyMesh.registerProxy(client, "hub-proxy", "hub", ProxyMesh.freePort(), appPort,
				List.of(ProxyMesh.upstream("echo", first)));
		try (ConfigurableApplicationContext target = ProxyMesh.startProxy(consul.getAgent(), "echo-proxy");
				ConfigurableApplicationContext targetTwo = ProxyMesh.startProxy(consul.getAgent(), "echo-two-proxy");
				ConfigurableApplicationContext hub = ProxyMesh.startProxy(consul.getAgent(), "hub-proxy");
				ProxyMesh.HttpConnection active = awaitConnection(first)) {
			assertThat(active.get("/before").body()).startsWith("echo /before");
			long changed = System.nanoTime();
			ProxyMesh.registerProxy(client, "hub-proxy", "hub", ProxyMesh.freePort(), appPort,
					List.of(ProxyMesh.upstream("echo", first), ProxyMesh.upstream("echo-two", second)));
			await().atMost(Duration.ofSeconds(2))
				.pollInterval(Duration.ofMillis(20))
				.ignoreExceptions()
				.untilAsserted(() -> {
					try (ProxyMesh.HttpConnection added = ProxyMesh.open(second)) {
						assertThat(added.get("/added").body()).startsWith("echo /added");
					}
				});
			System.out.println("[measure] new upstream listener serving "
					+ Duration.ofNanos(System.nanoTime() - changed).toMillis() + " ms after the re-registration");
			assertThat(active.get("/during").body()).as("the connection on the unchanged listener")
				.startsWith("echo /during");
			ProxyMesh.registerProxy(client, "hub-proxy", "hub", ProxyMesh.freePort(), appPort,
					List.of(ProxyMesh.upstream("echo", first)));
			await().atMost(Duration.ofSeconds(2))
				.pollInterval(Duration.ofMillis(20))
				.untilAsserted(() -> assertThatExceptionOfType(ConnectException.class)
					.isThrownBy(() -> ProxyMesh.open(second).close()));
			assertThat(active.get("/after").body()).as("the connection on the unchanged listener")
				.startsWith("echo /after");
		}
		finally {
			client.deregisterService("hub-proxy");
			client.deregisterService("echo-proxy");
			client.deregisterService("echo-two-proxy");
		}
	}

	@Test
	void unixDomainSocketsForTheApplicationAndAnUpstreamListener(@TempDir Path directory) throws Exception {
		Path appSocket = directory.resolve("app.sock");
		Path upstreamSocket = directory.resolve("upstream.sock");
		DisposableServer app = reactor.netty.http.server.HttpServer.create()
			.bindAddress(() -> new DomainSocketAddress(appSocket.toString()))
			.handle((request, response) -> response.sendString(Mono.just("uds-app " + request.uri())))
			.bindNow();
		ProxyMesh.registerProxy(client, "uds-app-proxy", "uds-app", ProxyMesh.freePort(), 0, appSocket.toString(),
				Collections.emptyList());
		ProxyMesh.registerProxy(client, "uds-caller-proxy", "uds-caller", ProxyMesh.freePort(), 0,
				directory.resolve("unused.sock").toString(), List.of(new AgentService.Upstream(null, "uds-app", null,
						null, null, null, null, null, upstreamSocket.toString(), null)));
		try (ConfigurableApplicationContext target = ProxyMesh.startProxy(consul.getAgent(), "uds-app-proxy");
				ConfigurableApplicationContext caller = ProxyMesh.startProxy(consul.getAgent(), "uds-caller-proxy")) {
			await().atMost(Duration.ofSeconds(30))
				.ignoreExceptions()
				.untilAsserted(
						() -> assertThat(getOverUnixSocket(upstreamSocket, "/over-uds")).startsWith("HTTP/1.1 200")
							.endsWith("uds-app /over-uds"));
		}
		finally {
			app.disposeNow();
			client.deregisterService("uds-app-proxy");
			client.deregisterService("uds-caller-proxy");
		}
		assertThat(Files.exists(upstreamSocket)).as("the upstream socket is removed with its listener").isFalse();
	}

	@Test
	void connectionsBeyondTheLimitAreClosedAndIdleAndSilentConnectionsTimeOut() throws Exception {
		int port = ProxyMesh.freePort();
		int publicPort = ProxyMesh.freePort();
		ProxyMesh.registerProxy(client, "limited-proxy", "limited", publicPort, ProxyMesh.freePort(),
				List.of(ProxyMesh.upstream("limited-echo", port)));
		ProxyMesh.registerProxy(client, "limited-echo-proxy", "limited-echo", ProxyMesh.freePort(),
				echo.getAddress().getPort(), Collections.emptyList());
		try (ConfigurableApplicationContext target = ProxyMesh.startProxy(consul.getAgent(), "limited-echo-proxy");
				ConfigurableApplicationContext proxy = ProxyMesh.startProxy(consul.getAgent(), "limited-proxy",
						"connect.proxy.max-connections=2", "connect.proxy.idle-timeout=2s",
						"connect.proxy.handshake-timeout=1s")) {
			try (ProxyMesh.HttpConnection silent = ProxyMesh.open(publicPort)) {
				assertThat(silent.isClosedByPeer()).as("a connection that never starts its TLS handshake").isTrue();
			}
			try (ProxyMesh.HttpConnection one = awaitConnection(port);
					ProxyMesh.HttpConnection two = ProxyMesh.open(port)) {
				assertThat(two.get("/two").status()).isEqualTo(200);
				try (ProxyMesh.HttpConnection three = ProxyMesh.open(port)) {
					assertThat(three.isClosedByPeer()).as("a third connection beyond the limit of 2").isTrue();
				}
				assertThat(one.get("/one").status()).isEqualTo(200);
				long idleFrom = System.nanoTime();
				assertThat(one.isClosedByPeer()).as("closed once idle").isTrue();
				assertThat(Duration.ofNanos(System.nanoTime() - idleFrom)).as("idle time before the close")
					.isGreaterThanOrEqualTo(Duration.ofMillis(1500));
			}
		}
		finally {
			client.deregisterService("limited-proxy");
			client.deregisterService("limited-echo-proxy");
		}
	}

	@Test
	void shutdownStopsAcceptingAndLetsTheRequestInFlightComplete() throws Exception {
		CountDownLatch inFlight = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		HttpServer slow = ProxyMesh.plainApp("slow");
		slow.removeContext("/");
		slow.createContext("/", (exchange) -> {
			inFlight.countDown();
			try {
				release.await(30, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			byte[] body = "slow done".getBytes(StandardCharsets.UTF_8);
			exchange.sendResponseHeaders(200, body.length);
			exchange.getResponseBody().write(body);
			exchange.close();
		});
		int publicPort = ProxyMesh.freePort();
		ProxyMesh.registerProxy(client, "slow-proxy", "slow", publicPort, slow.getAddress().getPort(),
				Collections.emptyList());
		ConfigurableApplicationContext proxy = ProxyMesh.startProxy(consul.getAgent(), "slow-proxy");
		ExecutorService threads = Executors.newFixedThreadPool(2);
		try {
			javax.net.ssl.SSLContext caller = ProxyMesh.meshContext(client, "slow-caller");
			ProxyMesh.HttpConnection connection = await().atMost(Duration.ofSeconds(30))
				.ignoreExceptions()
				.until(() -> ProxyMesh.openTls(caller, publicPort), (open) -> true);
			CompletableFuture<ProxyMesh.Answer> answer = CompletableFuture.supplyAsync(() -> {
				try {
					return connection.get("/work");
				}
				catch (IOException ex) {
					throw new IllegalStateException(ex);
				}
			}, threads);
			assertThat(inFlight.await(30, TimeUnit.SECONDS)).isTrue();
			CompletableFuture<Void> closing = CompletableFuture.runAsync(proxy::close, threads);
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThatExceptionOfType(IOException.class)
					.isThrownBy(() -> ProxyMesh.openTls(caller, publicPort).close()));
			assertThat(closing).as("the proxy waits for the connection in flight").isNotDone();
			release.countDown();
			assertThat(answer.get(30, TimeUnit.SECONDS)).isEqualTo(new ProxyMesh.Answer(200, "slow done"));
			connection.close();
			closing.get(30, TimeUnit.SECONDS);
		}
		finally {
			release.countDown();
			threads.shutdownNow();
			proxy.close();
			slow.stop(0);
			client.deregisterService("slow-proxy");
		}
	}

	@Test
	void sidecarForFindsTheProxyRegisteredWithTheApplication() throws Exception {
		int sidecarPort = ProxyMesh.freePort();
		client.registerService(
				new ServiceRegistration("shop-1", "shop", null, null, "127.0.0.1", echo.getAddress().getPort(), null,
						new AgentService.Connect(null, Map.of("Port", sidecarPort, "Check", Map.of("TTL", "10m"))),
						null, null, null));
		try (ConfigurableApplicationContext proxy = ConnectProxyApplication.application()
			.run("--sidecar-for=shop-1", "--server.port=0",
					"--connect.agent.address=" + consul.getAgent().getHttpAddress())) {
			javax.net.ssl.SSLContext caller = ProxyMesh.meshContext(client, "shopper");
			await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
				try (ProxyMesh.HttpConnection connection = ProxyMesh.openTls(caller, sidecarPort)) {
					assertThat(connection.get("/cart").body()).startsWith("echo /cart");
				}
			});
		}
		finally {
			client.deregisterService("shop-1");
		}
	}

	@Test
	void startupErrorsSayWhatToDo() {
		assertThatExceptionOfType(RuntimeException.class)
			.isThrownBy(() -> ConnectProxyApplication.application()
				.run("--server.port=0", "--connect.agent.address=" + consul.getAgent().getHttpAddress())
				.close())
			.havingRootCause()
			.isInstanceOf(ConnectProxyException.class)
			.withMessageContaining("--proxy-id=")
			.withMessageContaining("--sidecar-for=");
		assertThatExceptionOfType(RuntimeException.class)
			.isThrownBy(() -> ProxyMesh
				.startProxy(consul.getAgent(), "nobody-proxy", "connect.proxy.registration-timeout=1s")
				.close())
			.havingRootCause()
			.withMessageContaining("has no service with ID 'nobody-proxy'")
			.withMessageContaining("connect.proxy.registration-timeout");
		client.registerService(new ServiceRegistration("plain-1", "plain", null, null, "127.0.0.1", 1234, null, null,
				null, null, null));
		try {
			assertThatExceptionOfType(RuntimeException.class)
				.isThrownBy(() -> ProxyMesh.startProxy(consul.getAgent(), "plain-1").close())
				.havingRootCause()
				.withMessageContaining("not 'connect-proxy'")
				.withMessageContaining("--sidecar-for");
		}
		finally {
			client.deregisterService("plain-1");
		}
	}

	private static ProxyMesh.HttpConnection awaitConnection(int port) {
		return await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
			ProxyMesh.HttpConnection connection = ProxyMesh.open(port);
			if (connection.get("/ready").status() != 200) {
				connection.close();
				throw new IllegalStateException("not ready");
			}
			return connection;
		}, (connection) -> true);
	}

	private static String getOverUnixSocket(Path socket, String path) throws IOException {
		try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
			channel.write(ByteBuffer.wrap(("GET " + path + " HTTP/1.1\r\nHost: uds\r\nConnection: close\r\n\r\n")
				.getBytes(StandardCharsets.ISO_8859_1)));
			ByteBuffer buffer = ByteBuffer.allocate(8192);
			StringBuilder answer = new StringBuilder();
			while (channel.read(buffer) >= 0) {
				buffer.flip();
				answer.append(StandardCharsets.ISO_8859_1.decode(buffer));
				buffer.clear();
			}
			return answer.toString();
		}
	}

}
