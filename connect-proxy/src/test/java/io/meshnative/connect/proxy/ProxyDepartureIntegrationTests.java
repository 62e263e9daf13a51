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
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import com.sun.net.httpserver.HttpServer;
import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.autoconfigure.Departures;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * Instances leaving under steady load, through connect-proxy's upstream listeners: three
 * mesh backends (child JVMs, so that {@code SIGKILL} is real) of a service whose
 * {@code service-defaults} say {@code http}, reached by a plain application through one
 * proxy's {@code http} upstream listener (the starter's {@code WebClient}: every request
 * is routed) and another proxy's {@code tcp} upstream listener (the upstream's
 * {@code Config.protocol} says {@code tcp}: every connection is relayed to one endpoint).
 * A fourth instance starts and, while it comes up, one of the three is stopped with
 * {@code SIGTERM} or killed with {@code SIGKILL}. A graceful stop must fail no request; a
 * kill at most the requests in flight on the instance (asserted at most 1 % of those
 * sent). Each case prints a {@code [measure] departure} line.
 * <p>
 * The application's HTTP client over the {@code tcp} listener behaves as HTTP/1.1 clients
 * do (RFC 9112, section 9.3.1): it keeps each connection for 20 requests, and sends a
 * request once more on a new connection when a kept-alive connection closes before any
 * byte of the answer (the instance behind it closed it or died); the resends are counted
 * and printed.
 *
 * @author connect-spring-boot authors
 */
class ProxyDepartureIntegrationTests {

	static final String SERVICE = "backend";

	static final int REQUESTS_PER_CONNECTION = 20;

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private static Departures backends;

	private static final List<ConfigurableApplicationContext> proxies = new ArrayList<>();

	private static ConsulAgentClient client;

	private static HttpServer app;

	private static int httpPort;

	private static int tcpPort;

	@BeforeAll
	static void startBackendsAndProxies() throws IOException {
		client = ConsulAgentClient.builder(URI.create(consul.getAgent().start().getHttpAddress())).build();
		consul.getOperator().putConfigEntry(Map.of("Kind", "service-defaults", "Name", SERVICE, "Protocol", "http"));
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-intentions", "Name", SERVICE, "Sources",
					List.of(Map.of("Name", "departure-http", "Action", "allow"),
							Map.of("Name", "departure-tcp", "Action", "allow"))));
		backends = new Departures(consul.getAgent(), SERVICE);
		backends.startBackends(3);
		app = ProxyMesh.plainApp("departure-app");
		httpPort = ProxyMesh.freePort();
		tcpPort = ProxyMesh.freePort();
		ProxyMesh.registerProxy(client, "departure-http-proxy", "departure-http", ProxyMesh.freePort(),
				app.getAddress().getPort(), List.of(upstream(httpPort, null)));
		ProxyMesh.registerProxy(client, "departure-tcp-proxy", "departure-tcp", ProxyMesh.freePort(),
				app.getAddress().getPort(), List.of(upstream(tcpPort, "tcp")));
		proxies.add(ProxyMesh.startProxy(consul.getAgent(), "departure-http-proxy"));
		proxies.add(ProxyMesh.startProxy(consul.getAgent(), "departure-tcp-proxy"));
	}

	@AfterAll
	static void stopBackendsAndProxies() {
		proxies.forEach(ConfigurableApplicationContext::close);
		if (backends != null) {
			backends.close();
		}
		if (app != null) {
			app.stop(0);
		}
		if (client != null) {
			client.deregisterService("departure-http-proxy");
			client.deregisterService("departure-tcp-proxy");
			client.close();
		}
	}

	static Stream<Arguments> cases() {
		return Stream.of(Arguments.of("proxy-http", Departures.Departure.GRACEFUL),
				Arguments.of("proxy-http", Departures.Departure.SIGKILL),
				Arguments.of("proxy-tcp", Departures.Departure.GRACEFUL),
				Arguments.of("proxy-tcp", Departures.Departure.SIGKILL));
	}

	@ParameterizedTest(name = "{0} {1}")
	@MethodSource("cases")
	void oneInstanceLeavesWhileAnotherJoins(String arm, Departures.Departure departure) {
		AtomicLong resent = new AtomicLong();
		List<TcpClient> tcpClients = new ArrayList<>();
		Callable<String> request;
		if (arm.equals("proxy-http")) {
			HttpClient http = HttpClient.newBuilder()
				.version(HttpClient.Version.HTTP_1_1)
				.connectTimeout(Duration.ofSeconds(5))
				.build();
			HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/id"))
				.timeout(Duration.ofSeconds(30))
				.build();
			request = () -> {
				HttpResponse<String> response = http.send(get, HttpResponse.BodyHandlers.ofString());
				if (response.statusCode() != 200) {
					throw new IOException("status " + response.statusCode() + ": " + response.body());
				}
				return response.body();
			};
		}
		else {
			ThreadLocal<TcpClient> clients = ThreadLocal.withInitial(() -> {
				TcpClient tcp = new TcpClient(tcpPort, resent);
				synchronized (tcpClients) {
					tcpClients.add(tcp);
				}
				return tcp;
			});
			request = () -> clients.get().get("/id");
		}
		try {
			backends.run(arm, departure, request, resent::get);
		}
		finally {
			tcpClients.forEach(TcpClient::close);
		}
	}

	private static AgentService.Upstream upstream(int port, @Nullable String protocol) {
		return new AgentService.Upstream(null, SERVICE, null, null, null, null, "127.0.0.1", port, null,
				(protocol != null) ? Map.of("protocol", protocol) : null);
	}

	/**
	 * One thread's HTTP/1.1 client over the {@code tcp} upstream listener: a kept-alive
	 * connection for {@link #REQUESTS_PER_CONNECTION} requests; a request on a reused
	 * connection that closes before any byte of the answer is sent once more on a new
	 * connection, as HTTP/1.1 clients do.
	 */
	static final class TcpClient {

		private final int port;

		private final AtomicLong resent;

		private ProxyMesh.@Nullable HttpConnection connection;

		private int used;

		TcpClient(int port, AtomicLong resent) {
			this.port = port;
			this.resent = resent;
		}

		String get(String path) throws IOException {
			boolean reused = this.connection != null;
			ProxyMesh.Answer answer;
			try {
				answer = connection().get(path);
			}
			catch (SocketException ex) {
				// Reset or broken pipe: the answers are too short to be cut in the middle
				close();
				if (!reused) {
					throw ex;
				}
				answer = new ProxyMesh.Answer(-1, "");
			}
			if (answer.status() == -1 && reused) {
				close();
				this.resent.incrementAndGet();
				answer = connection().get(path);
			}
			if (++this.used >= REQUESTS_PER_CONNECTION || answer.status() != 200) {
				close();
			}
			if (answer.status() != 200) {
				throw new IOException("status " + answer.status() + ": " + answer.body());
			}
			return answer.body();
		}

		private ProxyMesh.HttpConnection connection() throws IOException {
			if (this.connection == null) {
				this.connection = ProxyMesh.open(this.port);
				this.used = 0;
			}
			return this.connection;
		}

		void close() {
			if (this.connection != null) {
				try {
					this.connection.close();
				}
				catch (IOException ex) {
					// closing anyway
				}
				this.connection = null;
			}
		}

	}

}
