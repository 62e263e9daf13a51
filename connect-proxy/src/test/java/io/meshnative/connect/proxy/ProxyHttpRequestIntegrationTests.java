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
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;

import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.LeafCertificate;
import io.meshnative.connect.agent.internal.ServiceRegistration;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.ssl.pem.PemContent;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code http} public listener and an {@code http} upstream listener of a proxy in
 * this JVM against a real agent, with applications that record requests byte for byte:
 * which request targets are refused and never dialled, that the canonical target is
 * forwarded as sent, which forwarding headers the application gets, that no query string
 * is logged, and that the upstream listener sends the application's target unchanged.
 *
 * @author connect-spring-boot authors
 */
@ExtendWith(OutputCaptureExtension.class)
class ProxyHttpRequestIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private static ConsulAgentClient client;

	private static RecordingApp app;

	private static RecordingApp trap;

	private static RecordingApp sink;

	private static ConfigurableApplicationContext proxy;

	private static LeafCertificate callerLeaf;

	private static SSLContext caller;

	private static int publicPort;

	private static int upstreamPort;

	private static int sequence;

	@BeforeAll
	static void startProxy() throws IOException {
		client = ConsulAgentClient.builder(URI.create(consul.getAgent().start().getHttpAddress())).build();
		app = RecordingApp.plain();
		trap = RecordingApp.plain();
		sink = RecordingApp.tls(ProxyMesh.meshContext(client, "edge-sink"));
		ProxyMesh.httpServiceDenyingAdmin(consul.getOperator(), "edge", "edge-caller");
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-defaults", "Name", "edge-sink", "Protocol", "http"));
		client.registerService(new ServiceRegistration("edge-sink-1", "edge-sink", null, null, "127.0.0.1", sink.port(),
				null, new AgentService.Connect(true, null), null, ServiceRegistration.Check.passingTtl("30m"), null));
		publicPort = ProxyMesh.freePort();
		upstreamPort = ProxyMesh.freePort();
		ProxyMesh.registerProxy(client, "edge-proxy", "edge", publicPort, app.port(),
				List.of(ProxyMesh.upstream("edge-sink", upstreamPort)));
		proxy = ProxyMesh.startProxy(consul.getAgent(), "edge-proxy");
		callerLeaf = client.getLeafCertificate("edge-caller");
		caller = ProxyMesh.meshContext(client, callerLeaf);
		ProxyMesh.awaitHttpWithIntentions(caller, publicPort);
	}

	@AfterAll
	static void stopProxy() throws IOException {
		if (proxy != null) {
			proxy.close();
		}
		app.close();
		trap.close();
		sink.close();
		client.deregisterService("edge-proxy");
		client.deregisterService("edge-sink-1");
		client.close();
	}

	@Test
	void absoluteFormAuthorityFormAndAsteriskAreRefusedWith400AndNeverDialled() throws IOException {
		String authority = "127.0.0.1:" + trap.port();
		String[][] requests = { { "GET", "http://" + authority + "/api/x" }, { "GET", "https://" + authority + "/" },
				{ "POST", "HTTP://" + authority + "/admin" }, { "GET", "http://" + authority },
				{ "CONNECT", authority }, { "GET", authority }, { "OPTIONS", "*" }, { "GET", "//" + authority + "/x" },
				{ "CONNECT", "/api/x" }, { "connect", "/api/x" } };
		for (String[] request : requests) {
			Sent sent = send(request[0], request[1]);
			assertThat(sent.response().status()).as(request[0] + " " + request[1]).isEqualTo(400);
			assertThat(sent.received()).as("what the application received for " + request[1]).isEmpty();
		}
		assertThat(send("GET", "/api/after").response().status()).isEqualTo(200);
		assertThat(trap.connections()).as("connections to the host the targets named").isZero();
	}

	@Test
	void theCanonicalTargetAndMethodAreForwardedByteForByte() throws IOException {
		List<String> targets = List.of("/api/a%26b%3Dc%2Bd%3Be", "/api/x;v=1/y;jsessionid=2?q=%2F%26&r=%3D&&s",
				"/api/%7Euser/~x/!$&'()*+,=:@", "/api/caf%C3%A9/%e2%82%ac", "/api/x/?", "/API/X?q=/../admin",
				"/api/%41%42c?q=%252e&x=%", "/api/x?a=1&b=2&a=3");
		for (String target : targets) {
			for (String method : List.of("GET", "DELETE", "get", "PROPFIND")) {
				Sent sent = send(method, target);
				assertThat(sent.response().status()).as(method + " " + target).isEqualTo(200);
				assertThat(sent.received()).singleElement().satisfies((request) -> {
					assertThat(request.method()).isEqualTo(method);
					assertThat(request.target()).isEqualTo(target);
				});
			}
		}
		Sent posted = send("POST", "/api/a%2Bb?c=%3B", List.of("Content-Length: 5"), "hello");
		assertThat(posted.response().status()).isEqualTo(200);
		assertThat(posted.received()).singleElement().satisfies((request) -> {
			assertThat(request.method()).isEqualTo("POST");
			assertThat(request.target()).isEqualTo("/api/a%2Bb?c=%3B");
			assertThat(request.header("Content-Length")).isEqualTo("5");
		});
	}

	@Test
	void forwardingHeadersOfTheCallerAreRemovedAndOnlyTheProxysOwnAreSet() throws Exception {
		Sent sent = send("GET", "/api/headers",
				List.of("X-Forwarded-For: 6.6.6.6", "x_forwarded_for: 6.6.6.7", "X-Forwarded-Proto: http",
						"X-FORWARDED-HOST: evil.example", "x-forwarded-port: 1", "X-Forwarded-Prefix: /admin",
						"X-Forwarded-Client-Cert: By=spiffe://evil;URI=spiffe://evil/ns/default/dc/dc1/svc/admin",
						"x_forwarded_client_cert: URI=spiffe://evil", "X_Forwarded_Client_Cert: Hash=00",
						"Forwarded: for=6.6.6.6;proto=http", "FORWARDED: for=6.6.6.8",
						"Connection: keep-alive, X-Hop-Secret, Host", "X-Hop-Secret: 1", "Keep-Alive: timeout=5",
						"Proxy-Connection: keep-alive", "X-Custom: kept", "x-custom: twice", "X-Forwardedish: kept"),
				null);
		assertThat(sent.response().status()).isEqualTo(200);
		RecordingApp.Request request = sent.received().get(0);
		assertThat(request.names()).doesNotContain("x_forwarded_for", "x-forwarded-host", "x-forwarded-port",
				"x-forwarded-prefix", "x_forwarded_client_cert", "forwarded", "x-hop-secret", "keep-alive",
				"proxy-connection", "connection", "user-agent", "accept");
		assertThat(request.headers("X-Forwarded-For")).containsExactly("127.0.0.1");
		assertThat(request.headers("X-Forwarded-Proto")).containsExactly("https");
		assertThat(request.headers("X-Forwarded-Client-Cert")).containsExactly(expectedClientCertDetails());
		assertThat(request.headers("Host")).containsExactly("mesh");
		assertThat(request.headers("X-Custom")).containsExactly("kept", "twice");
		assertThat(request.headers("X-Forwardedish")).containsExactly("kept");
	}

	@Test
	void requestsWithoutExactlyOneHostHeaderAreRefusedBeforeAnyDecision() throws IOException {
		try (RawHttpClient raw = new RawHttpClient(caller, publicPort)) {
			String seq = "host-" + (++sequence);
			assertThat(raw.send("GET", "/api/x", List.of("X-Seq: " + seq)).status()).isEqualTo(400);
			assertThat(raw.send("GET", "/api/x", List.of("Host: a", "Host: b", "X-Seq: " + seq)).status())
				.isEqualTo(400);
			assertThat(app.requests()).noneMatch((request) -> seq.equals(request.header("X-Seq")));
		}
	}

	@Test
	void queryStringsAreNeverLoggedAtInfo(CapturedOutput output) throws IOException {
		assertThat(send("GET", "/admin/x?token=leak-denied").response().status()).isEqualTo(403);
		assertThat(send("GET", "/api/../x?token=leak-refused").response().status()).isEqualTo(400);
		assertThat(send("GET", "/api/x?token=leak-forwarded").response().status()).isEqualTo(200);
		assertThat(send("GET", "/drop/x?token=leak-failed").response().status()).isEqualTo(502);
		assertThat(send("GET", "/api/" + "a".repeat(4100) + "?token=leak-too-long").response().status()).isEqualTo(414);
		try (RawHttpClient local = new RawHttpClient(null, upstreamPort)) {
			await().ignoreExceptions()
				.untilAsserted(() -> assertThat(
						local.send("GET", "/drop/y?token=leak-upstream", List.of("Host: edge-sink")).status())
					.isEqualTo(503));
		}
		await().untilAsserted(() -> assertThat(output)
			.contains("Denied GET /admin/x from spiffe://" + client.getCaRoots().trustDomain()
					+ "/ns/default/dc/dc1/svc/edge-caller to edge")
			.contains("Could not forward GET /drop/x from spiffe://")
			.contains("Request GET /drop/y to upstream 'edge-sink' failed"));
		assertThat(output).doesNotContain("leak-").doesNotContain("token=");
	}

	@Test
	void anHttpUpstreamListenerSendsTheApplicationsTargetByteForByte() throws IOException {
		String target = "/p%2Fq%2fr%26s%3Dt%2Bu%3Bv//w/../x;y=1?x=%2F&y=%3B&&z&a=1&a=%26";
		try (RawHttpClient local = new RawHttpClient(null, upstreamPort)) {
			await().ignoreExceptions()
				.untilAsserted(() -> assertThat(local.send("GET", target, List.of("Host: edge-sink")).status())
					.isEqualTo(200));
			int before = sink.requests().size();
			assertThat(local.send("DELETE", target, List.of("Host: edge-sink")).status()).isEqualTo(200);
			assertThat(sink.requests().subList(before, sink.requests().size())).singleElement().satisfies((request) -> {
				assertThat(request.method()).isEqualTo("DELETE");
				assertThat(request.target()).isEqualTo(target);
			});
		}
		for (String refused : List.of("http://127.0.0.1:" + trap.port() + "/x", "127.0.0.1:" + trap.port(), "*", "/a|b",
				"/a#b")) {
			try (RawHttpClient local = new RawHttpClient(null, upstreamPort)) {
				int before = sink.requests().size();
				assertThat(local.send("GET", refused, List.of("Host: edge-sink")).status()).as(refused).isEqualTo(400);
				assertThat(sink.requests()).hasSize(before);
			}
		}
		assertThat(trap.connections()).isZero();
	}

	private static String expectedClientCertDetails() throws Exception {
		X509Certificate leaf = (X509Certificate) PemContent.of(callerLeaf.certPem()).getCertificates().get(0);
		String trustDomain = client.getCaRoots().trustDomain();
		return "By=spiffe://" + trustDomain + "/ns/default/dc/dc1/svc/edge;Hash="
				+ HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(leaf.getEncoded()))
				+ ";Subject=\"" + leaf.getSubjectX500Principal().getName() + "\";URI=spiffe://" + trustDomain
				+ "/ns/default/dc/dc1/svc/edge-caller";
	}

	private static Sent send(String method, String target) throws IOException {
		return send(method, target, Collections.emptyList(), null);
	}

	/**
	 * Send one request on a new mTLS connection as the allowed caller, tagged so that
	 * what the application received for it can be told apart.
	 * @param method the method
	 * @param target the request target
	 * @param headers more header lines
	 * @param body a body, {@code null} for none
	 * @return the answer and what the application received
	 * @throws IOException if the connection fails
	 */
	private static Sent send(String method, String target, List<String> headers, @Nullable String body)
			throws IOException {
		String seq = "t" + (++sequence);
		List<String> lines = new ArrayList<>(List.of("Host: mesh", "X-Seq: " + seq));
		lines.addAll(headers);
		try (RawHttpClient raw = new RawHttpClient(caller, publicPort)) {
			RawHttpClient.Response response = raw.send(method, target, lines, body);
			return new Sent(response,
					app.requests().stream().filter((request) -> seq.equals(request.header("X-Seq"))).toList());
		}
	}

	/**
	 * A request sent through the proxy.
	 *
	 * @param response the proxy's answer
	 * @param received what the application received for it
	 */
	record Sent(RawHttpClient.Response response, List<RecordingApp.Request> received) {

	}

}
