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
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.LeafCertificate;
import io.meshnative.connect.autoconfigure.InboundTestApplications;
import io.meshnative.connect.autoconfigure.MeshApplications;
import io.meshnative.connect.autoconfigure.TestConsulAgentConnectionDetails;
import io.meshnative.connect.test.ConsulAgentExtension;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.pem.PemContent;
import org.springframework.boot.ssl.pem.PemSslStore;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.util.DefaultUriBuilderFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End-to-end tests of the request target a {@link ConnectClient} sends, against a real
 * agent: what a real Tomcat, a real Netty and a byte-recording mesh endpoint receive is
 * exactly what the application built, {@code %26 %3D %2F %2B %3B} still encoded in path
 * and query.
 * <p>
 * The starter's inbound side refuses an escaped slash in a path ({@code 400}, see
 * {@code RequestTarget}), so the Tomcat and Netty applications get {@code %2F} in the
 * query only; the recording endpoint, which presents the upstream's leaf over mTLS and
 * records the request line as received, gets it in the path too.
 *
 * @author connect-spring-boot authors
 */
class OutboundEncodingIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	/**
	 * A path with every escape the inbound side accepts, and a query with all five.
	 */
	private static final String ENCODED = "/echo/p%26q%3Dr%2Bs%3Bt?a=%26%3D%2F%2B%3B&b=1";

	private static final ConsulAgentClient client = TestConsulAgentConnectionDetails.client(consul);

	@Test
	void restClientAndWebClientKeepEncodedCharactersOnTheWayToTomcat() {
		try (ConfigurableApplicationContext backend = start(TomcatApp.class, WebApplicationType.SERVLET, "enc-tomcat");
				ConfigurableApplicationContext frontend = start(Frontend.class, WebApplicationType.NONE,
						"enc-frontend")) {
			MeshApplications.registerConnectNative(client, "enc-tomcat-1", "enc-tomcat",
					MeshApplications.port(backend));
			assertEncodingKept(frontend.getBean(Frontend.class).tomcatRest, frontend.getBean(Frontend.class).tomcatWeb,
					"enc-tomcat");
		}
		finally {
			client.deregisterService("enc-tomcat-1");
		}
	}

	@Test
	void restClientAndWebClientKeepEncodedCharactersOnTheWayToNetty() {
		try (ConfigurableApplicationContext backend = start(NettyApp.class, WebApplicationType.REACTIVE, "enc-netty");
				ConfigurableApplicationContext frontend = start(Frontend.class, WebApplicationType.NONE,
						"enc-frontend")) {
			MeshApplications.registerConnectNative(client, "enc-netty-1", "enc-netty", MeshApplications.port(backend));
			assertEncodingKept(frontend.getBean(Frontend.class).nettyRest, frontend.getBean(Frontend.class).nettyWeb,
					"enc-netty");
		}
		finally {
			client.deregisterService("enc-netty-1");
		}
	}

	@Test
	void encodedSlashInAPathReachesAMeshEndpointUnchanged() throws Exception {
		try (RecordingMeshEndpoint endpoint = new RecordingMeshEndpoint(meshContext("enc-raw"));
				ConfigurableApplicationContext frontend = start(Frontend.class, WebApplicationType.NONE,
						"enc-frontend")) {
			MeshApplications.registerConnectNative(client, "enc-raw-1", "enc-raw", endpoint.port());
			Frontend app = frontend.getBean(Frontend.class);
			String target = "/p%2Fq%2fr%26s%3Dt%2Bu%3Bv//w?x=%2F&y=%3B&&z";
			assertThat(app.rawRest.get().uri(URI.create("http://enc-raw" + target)).retrieve().body(String.class))
				.isEqualTo(target);
			assertThat(app.rawWeb.get()
				.uri(URI.create("http://enc-raw" + target))
				.retrieve()
				.bodyToMono(String.class)
				.block(TIMEOUT)).isEqualTo(target);
			assertThat(app.rawTemplate.getForObject(URI.create("http://enc-raw" + target), String.class))
				.isEqualTo(target);
			assertThat(app.rawRest.get().uri("/v/{value}", "a/b&c=d+e;f").retrieve().body(String.class))
				.isEqualTo("/v/a%2Fb%26c%3Dd%2Be%3Bf");
			assertThat(endpoint.targets()).containsExactly(target, target, target, "/v/a%2Fb%26c%3Dd%2Be%3Bf");
		}
		finally {
			client.deregisterService("enc-raw-1");
		}
	}

	private static void assertEncodingKept(RestClient rest, WebClient web, String upstream) {
		String expected = "uri=/echo/p%26q%3Dr%2Bs%3Bt query=a=%26%3D%2F%2B%3B&b=1";
		URI built = URI.create("http://" + upstream + ENCODED);
		assertThat(rest.get().uri(built).retrieve().body(String.class)).isEqualTo(expected);
		assertThat(web.get().uri(built).retrieve().bodyToMono(String.class).block(TIMEOUT)).isEqualTo(expected);
		URI expanded = new DefaultUriBuilderFactory("http://" + upstream).expand("/echo/{value}?a={query}&b=1",
				"p&q=r+s;t", "&=/+;");
		assertThat(expanded.getRawPath() + "?" + expanded.getRawQuery())
			.as("what Spring builds from the template (so what must arrive)")
			.isEqualTo(ENCODED);
		assertThat(rest.get().uri("/echo/{value}?a={query}&b=1", "p&q=r+s;t", "&=/+;").retrieve().body(String.class))
			.isEqualTo(expected);
		assertThat(web.get()
			.uri("/echo/{value}?a={query}&b=1", "p&q=r+s;t", "&=/+;")
			.retrieve()
			.bodyToMono(String.class)
			.block(TIMEOUT)).isEqualTo(expected);
	}

	private static SSLContext meshContext(String service) {
		LeafCertificate leaf = client.getLeafCertificate(service);
		List<X509Certificate> roots = client.getCaRoots()
			.roots()
			.stream()
			.flatMap((root) -> PemContent.of(root.rootCert()).getCertificates().stream())
			.toList();
		PemSslStore key = PemSslStore.of(PemContent.of(leaf.certPem()).getCertificates(), leaf.privateKey());
		return SslBundle.of(new PemSslStoreBundle(key, PemSslStore.of(roots, null))).createSslContext();
	}

	private static ConfigurableApplicationContext start(Class<?> application, WebApplicationType type, String service) {
		return MeshApplications.start(type, application, consul, service, MeshApplications.NO_REGISTRATION)
			.getContext();
	}

	/**
	 * A Tomcat mesh application that answers with the request URI and query string as the
	 * servlet API reports them (both still encoded).
	 */
	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@RestController
	static class TomcatApp {

		@GetMapping("/echo/**")
		String echo(HttpServletRequest request) {
			return "uri=" + request.getRequestURI() + " query=" + request.getQueryString();
		}

	}

	/**
	 * A Netty mesh application that answers with the request target exactly as Reactor
	 * Netty read it from the request line.
	 */
	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@Import(InboundTestApplications.OwnReactorResources.class)
	@RestController
	static class NettyApp {

		@GetMapping("/echo/**")
		Mono<String> echo(ServerHttpRequest request) {
			String target = ServerHttpRequestDecorator.<HttpServerRequest>getNativeRequest(request).uri();
			int question = target.indexOf('?');
			return Mono.just("uri=" + target.substring(0, question) + " query=" + target.substring(question + 1));
		}

	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class Frontend {

		@ConnectClient("enc-tomcat")
		RestClient tomcatRest;

		@ConnectClient("enc-tomcat")
		WebClient tomcatWeb;

		@ConnectClient("enc-netty")
		RestClient nettyRest;

		@ConnectClient("enc-netty")
		WebClient nettyWeb;

		@ConnectClient("enc-raw")
		RestClient rawRest;

		@ConnectClient("enc-raw")
		WebClient rawWeb;

		@ConnectClient("enc-raw")
		RestTemplate rawTemplate;

	}

	/**
	 * A mesh endpoint on a plain JDK TLS server socket that presents a service's leaf,
	 * requires a client certificate, records every request target byte for byte (read as
	 * ISO-8859-1 from the request line) and answers with it.
	 */
	static final class RecordingMeshEndpoint implements AutoCloseable {

		private final SSLServerSocket server;

		private final List<String> targets = new CopyOnWriteArrayList<>();

		private final List<Socket> connections = new CopyOnWriteArrayList<>();

		RecordingMeshEndpoint(SSLContext context) throws IOException {
			this.server = (SSLServerSocket) context.getServerSocketFactory()
				.createServerSocket(0, 50, InetAddress.getLoopbackAddress());
			this.server.setNeedClientAuth(true);
			Thread acceptor = new Thread(this::accept, "recording-mesh-endpoint");
			acceptor.setDaemon(true);
			acceptor.start();
		}

		int port() {
			return this.server.getLocalPort();
		}

		List<String> targets() {
			return this.targets;
		}

		private void accept() {
			while (!this.server.isClosed()) {
				try {
					Socket socket = this.server.accept();
					this.connections.add(socket);
					Thread connection = new Thread(() -> serve(socket), "recording-mesh-connection");
					connection.setDaemon(true);
					connection.start();
				}
				catch (IOException ex) {
					return;
				}
			}
		}

		private void serve(Socket socket) {
			try (socket) {
				InputStream in = socket.getInputStream();
				OutputStream out = socket.getOutputStream();
				for (String requestLine = readLine(in); requestLine != null; requestLine = readLine(in)) {
					String header = readLine(in);
					while (header != null && !header.isEmpty()) {
						header = readLine(in);
					}
					String[] parts = requestLine.split(" ");
					String target = (parts.length == 3) ? parts[1] : "<malformed: " + requestLine + ">";
					this.targets.add(target);
					byte[] body = target.getBytes(StandardCharsets.ISO_8859_1);
					out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
							+ "\r\n\r\n")
						.getBytes(StandardCharsets.ISO_8859_1));
					out.write(body);
					out.flush();
				}
			}
			catch (SocketException ex) {
				// closed by the client or by close()
			}
			catch (IOException ex) {
				this.targets.add("<failed: " + ex + ">");
			}
		}

		private static @Nullable String readLine(InputStream in) throws IOException {
			StringBuilder line = new StringBuilder();
			int c;
			while ((c = in.read()) != -1 && c != '\n') {
				if (c != '\r') {
					line.append((char) c);
				}
			}
			return (c == -1 && line.isEmpty()) ? null : line.toString();
		}

		@Override
		public void close() throws IOException {
			this.server.close();
			for (Socket socket : this.connections) {
				socket.close();
			}
		}

	}

}
