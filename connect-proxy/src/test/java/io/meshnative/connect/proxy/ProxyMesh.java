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

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import com.sun.net.httpserver.HttpServer;
import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.CaRoots;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.LeafCertificate;
import io.meshnative.connect.agent.internal.ServiceRegistration;
import io.meshnative.connect.test.ConsulAgent;
import io.meshnative.connect.test.ConsulOperator;
import io.meshnative.connect.test.TestPorts;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.pem.PemContent;
import org.springframework.boot.ssl.pem.PemSslStore;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Shared set-up of the proxy tests: registrations, the proxy and mesh applications, a
 * plain HTTP application, Consul's built-in proxy, and raw HTTP/1.1 over TCP and mTLS.
 *
 * @author connect-spring-boot authors
 */
final class ProxyMesh {

	private ProxyMesh() {
	}

	static int freePort() {
		return TestPorts.next();
	}

	/**
	 * A plain HTTP application: answers {@code <name> <path> xfcc=<header>}.
	 * @param name the name in its answers
	 * @return the started server
	 * @throws IOException if it cannot bind
	 */
	static HttpServer plainApp(String name) throws IOException {
		HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
		server.createContext("/", (exchange) -> {
			String xfcc = exchange.getRequestHeaders().getFirst("X-Forwarded-Client-Cert");
			byte[] body = (name + " " + exchange.getRequestURI().getRawPath() + " xfcc=" + xfcc)
				.getBytes(StandardCharsets.UTF_8);
			exchange.getRequestBody().readAllBytes();
			exchange.sendResponseHeaders(200, body.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
		});
		server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(8));
		server.start();
		return server;
	}

	/**
	 * Make a service {@code http} and give it the L7 intentions of the differential
	 * tests: its caller is denied {@code PathPrefix /admin} and allowed
	 * {@code PathPrefix /}.
	 * @param operator the agent operator
	 * @param service the service
	 * @param caller the caller's service name
	 */
	static void httpServiceDenyingAdmin(ConsulOperator operator, String service, String caller) {
		operator.putConfigEntry(Map.of("Kind", "service-defaults", "Name", service, "Protocol", "http"));
		operator.putConfigEntry(Map.of("Kind", "service-intentions", "Name", service, "Sources",
				List.of(Map.of("Name", caller, "Permissions",
						List.of(Map.of("Action", "deny", "HTTP", Map.of("PathPrefix", "/admin")),
								Map.of("Action", "allow", "HTTP", Map.of("PathPrefix", "/")))))));
	}

	/**
	 * Wait until a public listener serves {@code http} with the intentions of
	 * {@link #httpServiceDenyingAdmin}: {@code /ready} is forwarded and {@code /admin}
	 * denied.
	 * @param caller the caller's mTLS context
	 * @param publicPort the public listener's port
	 */
	static void awaitHttpWithIntentions(SSLContext caller, int publicPort) {
		await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
			try (RawHttpClient client = new RawHttpClient(caller, publicPort)) {
				assertThat(client.send("GET", "/ready", List.of("Host: mesh", "X-Seq: ready")).status()).isEqualTo(200);
			}
			try (RawHttpClient client = new RawHttpClient(caller, publicPort)) {
				assertThat(client.send("GET", "/admin", List.of("Host: mesh", "X-Seq: ready")).status()).isEqualTo(403);
			}
		});
	}

	static AgentService.Upstream upstream(String service, int port) {
		return new AgentService.Upstream(null, service, null, null, null, null, "127.0.0.1", port, null, null);
	}

	/**
	 * Register a sidecar proxy for a service.
	 * @param client the agent client
	 * @param proxyId the proxy's ID
	 * @param service the destination service
	 * @param publicPort the public listener's port
	 * @param localPort the application's port
	 * @param upstreams the upstreams
	 */
	static void registerProxy(ConsulAgentClient client, String proxyId, String service, int publicPort, int localPort,
			List<AgentService.Upstream> upstreams) {
		client.registerService(new ServiceRegistration(proxyId, proxyId, "connect-proxy", null, "127.0.0.1", publicPort,
				null, null,
				new AgentService.Proxy(service, service + "-1", "127.0.0.1", localPort, null, null, null, upstreams),
				ServiceRegistration.Check.passingTtl("30m"), null));
	}

	/**
	 * Register a sidecar proxy whose application and upstream listeners may be Unix
	 * domain sockets.
	 * @param client the agent client
	 * @param proxyId the proxy's ID
	 * @param service the destination service
	 * @param publicPort the public listener's port
	 * @param localPort the application's port (ignored with a socket)
	 * @param localSocket the application's socket, or {@code null}
	 * @param upstreams the upstreams
	 */
	static void registerProxy(ConsulAgentClient client, String proxyId, String service, int publicPort, int localPort,
			@Nullable String localSocket, List<AgentService.Upstream> upstreams) {
		client.registerService(
				new ServiceRegistration(proxyId, proxyId, "connect-proxy", null, "127.0.0.1", publicPort, null, null,
						new AgentService.Proxy(service, service + "-1", (localSocket != null) ? null : "127.0.0.1",
								(localSocket != null) ? null : localPort, localSocket, null, null, upstreams),
						ServiceRegistration.Check.passingTtl("30m"), null));
	}

	/**
	 * Start our proxy for a registration.
	 * @param agent the agent
	 * @param proxyId the registration's ID
	 * @param properties more properties ({@code name=value})
	 * @return the running proxy
	 */
	static ConfigurableApplicationContext startProxy(ConsulAgent agent, String proxyId, String... properties) {
		List<String> args = new ArrayList<>();
		args.add("--proxy-id=" + proxyId);
		args.add("--server.port=0");
		args.add("--connect.agent.address=" + agent.getHttpAddress());
		for (String property : properties) {
			args.add("--" + property);
		}
		return ConnectProxyApplication.application().run(args.toArray(new String[0]));
	}

	static int port(ConfigurableApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	/**
	 * Start a mesh application with the starter.
	 * @param agent the agent
	 * @param application the application class
	 * @param type the web application type
	 * @param service its service name
	 * @return the running application
	 */
	static ConfigurableApplicationContext startMeshApp(ConsulAgent agent, Class<?> application, WebApplicationType type,
			String service) {
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("server.port", "0");
		properties.put("connect.service-name", service);
		properties.put("connect.agent.address", agent.getHttpAddress());
		properties.put("spring.cloud.consul.enabled", "false");
		properties.put("spring.main.banner-mode", "off");
		return new SpringApplicationBuilder(application).web(type).properties(properties).run();
	}

	/**
	 * Start Consul's built-in proxy.
	 * @param agent the agent
	 * @param arguments its arguments after {@code consul connect proxy}
	 * @return the process
	 * @throws IOException if it cannot start
	 */
	static Process builtInProxy(ConsulAgent agent, String... arguments) throws IOException {
		Path binary = agent.getBinary();
		List<String> command = new ArrayList<>();
		command.add(binary.toString());
		command.add("connect");
		command.add("proxy");
		command.add("-http-addr=" + agent.getHttpAddress());
		command.addAll(List.of(arguments));
		Process process = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.DISCARD)
			.start();
		process.getOutputStream().close();
		return process;
	}

	static void stop(Process process) throws InterruptedException {
		process.destroy();
		if (!process.waitFor(10, TimeUnit.SECONDS)) {
			process.destroyForcibly();
		}
	}

	/**
	 * An mTLS context presenting a service's leaf from the agent and trusting its roots.
	 * @param client the agent client
	 * @param service the service
	 * @return the context
	 */
	static SSLContext meshContext(ConsulAgentClient client, String service) {
		return meshContext(client, client.getLeafCertificate(service));
	}

	/**
	 * An mTLS context presenting a given leaf and trusting the agent's roots.
	 * @param client the agent client
	 * @param leaf the leaf
	 * @return the context
	 */
	static SSLContext meshContext(ConsulAgentClient client, LeafCertificate leaf) {
		CaRoots roots = client.getCaRoots();
		List<X509Certificate> trusted = roots.roots()
			.stream()
			.flatMap((root) -> PemContent.of(root.rootCert()).getCertificates().stream())
			.toList();
		PemSslStore key = PemSslStore.of(PemContent.of(leaf.certPem()).getCertificates(), leaf.privateKey());
		return SslBundle.of(new PemSslStoreBundle(key, PemSslStore.of(trusted, null))).createSslContext();
	}

	/**
	 * Open an mTLS connection and complete the handshake.
	 * @param context the TLS context
	 * @param port the port on loopback
	 * @return the connection
	 * @throws IOException if it cannot connect or the handshake fails
	 */
	static HttpConnection openTls(SSLContext context, int port) throws IOException {
		SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
		socket.setSoTimeout(10_000);
		socket.startHandshake();
		return new HttpConnection(socket);
	}

	static HttpConnection open(int port) throws IOException {
		Socket socket = new Socket("127.0.0.1", port);
		socket.setSoTimeout(10_000);
		return new HttpConnection(socket);
	}

	/**
	 * An HTTP/1.1 answer.
	 *
	 * @param status the status code, or -1 when the connection closed without an answer
	 * @param body the body
	 */
	record Answer(int status, String body) {

	}

	/**
	 * A kept-alive HTTP/1.1 connection that sends raw request lines.
	 */
	static final class HttpConnection implements AutoCloseable {

		private final Socket socket;

		private final BufferedReader in;

		HttpConnection(Socket socket) throws IOException {
			this.socket = socket;
			this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
		}

		Socket getSocket() {
			return this.socket;
		}

		Answer get(String path) throws IOException {
			OutputStream out = this.socket.getOutputStream();
			out.write(("GET " + path + " HTTP/1.1\r\nHost: mesh\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
			String status = this.in.readLine();
			if (status == null) {
				return new Answer(-1, "");
			}
			int length = 0;
			boolean chunked = false;
			for (String line = this.in.readLine(); line != null && !line.isEmpty(); line = this.in.readLine()) {
				String lower = line.toLowerCase(Locale.ROOT);
				if (lower.startsWith("content-length:")) {
					length = Integer.parseInt(lower.substring(15).trim());
				}
				if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
					chunked = true;
				}
			}
			StringBuilder body = new StringBuilder();
			if (chunked) {
				for (int size = Integer.parseInt(this.in.readLine().trim(), 16); size > 0; size = Integer
					.parseInt(this.in.readLine().trim(), 16)) {
					char[] chunk = new char[size];
					readFully(chunk);
					body.append(chunk);
					this.in.readLine();
				}
				this.in.readLine();
			}
			else {
				char[] chars = new char[length];
				readFully(chars);
				body.append(chars);
			}
			return new Answer(Integer.parseInt(status.split(" ")[1]), body.toString());
		}

		private void readFully(char[] chars) throws IOException {
			int read = 0;
			while (read < chars.length) {
				int n = this.in.read(chars, read, chars.length - read);
				if (n < 0) {
					throw new IOException("Connection closed in a body");
				}
				read += n;
			}
		}

		/**
		 * Whether the peer closed the connection: a read returns end of stream (or the
		 * connection is reset) within the socket's read timeout.
		 * @return whether it is closed
		 */
		boolean isClosedByPeer() {
			try {
				return this.in.read() == -1;
			}
			catch (java.net.SocketTimeoutException ex) {
				return false;
			}
			catch (IOException ex) {
				return true;
			}
		}

		@Override
		public void close() throws IOException {
			this.socket.close();
		}

	}

	/**
	 * A mesh application with the starter that echoes its caller.
	 */
	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@Import(NativeApp.Echo.class)
	static class NativeApp {

		@RestController
		static class Echo {

			@GetMapping("/**")
			String echo(@RequestAttribute(name = "io.meshnative.connect.authz.ConnectCaller",
					required = false) @Nullable Object caller) {
				return "native caller=" + ((caller != null) ? caller.toString() : "none");
			}

		}

	}

	/**
	 * A mesh application with the starter and no web server: a caller.
	 */
	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class Caller {

	}

}
