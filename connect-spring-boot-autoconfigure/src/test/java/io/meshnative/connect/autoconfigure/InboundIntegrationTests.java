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

package io.meshnative.connect.autoconfigure;

import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.SSLException;

import io.meshnative.connect.agent.internal.AgentQuery;
import io.meshnative.connect.agent.internal.CaRoots;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.LeafCertificate;
import io.meshnative.connect.agent.internal.Watch;
import io.meshnative.connect.autoconfigure.MeshApplications.MeshApplication;
import io.meshnative.connect.autoconfigure.MeshApplications.Stack;
import io.meshnative.connect.test.ConsulAgentExtension;
import io.meshnative.connect.test.ConsulOperator;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * End-to-end tests of inbound mTLS on Tomcat and on Netty against a real agent.
 *
 * @author connect-spring-boot authors
 */
class InboundIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension
		.dev("connect { test_ca_leaf_root_change_spread = \"1ns\" }");

	private static final ConsulAgentClient client = TestConsulAgentConnectionDetails.client(consul);

	@ParameterizedTest
	@EnumSource(Stack.class)
	void callerWithAgentIssuedLeafGets200(Stack stack) throws IOException {
		try (MeshApplication app = MeshApplications.start(stack, consul, "inbound-" + stack.name().toLowerCase())) {
			int port = app.getPort();
			CaRoots roots = client.getCaRoots();
			MeshTestClient caller = MeshTestClient.of(client.getLeafCertificate("cli"), roots);
			MeshTestClient.Response response = caller.get(port, "/hello");
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).contains("hello")
				.contains("\"caller\":\"spiffe://" + roots.trustDomain() + "/ns/default/dc/dc1/svc/cli\"");
		}
	}

	@ParameterizedTest
	@EnumSource(Stack.class)
	void callerWithoutCertificateIsRefusedInTheHandshake(Stack stack) {
		try (MeshApplication app = MeshApplications.start(stack, consul, "nocert-" + stack.name().toLowerCase())) {
			int port = app.getPort();
			MeshTestClient anonymous = MeshTestClient.of(null, null, MeshTestClient.roots(client.getCaRoots()));
			assertThatExceptionOfType(IOException.class).isThrownBy(() -> anonymous.get(port, "/hello"))
				.satisfies((ex) -> assertThat(ex).isInstanceOfAny(SSLException.class, IOException.class));
		}
	}

	@ParameterizedTest
	@EnumSource(Stack.class)
	void rootRotationUnderLoadLosesNoRequestAndTheNewLeafIsServedPromptly(Stack stack) throws Exception {
		String service = "rotate-" + stack.name().toLowerCase(Locale.ROOT);
		try (MeshApplication app = MeshApplications.start(stack, consul, service)) {
			int port = app.getPort();
			MeshTestClient caller = MeshTestClient.of(client.getLeafCertificate("cli"), client.getCaRoots());
			try (LoadLoop load = new LoadLoop(caller, port)) {
				load.start();
				await().atMost(Duration.ofSeconds(10)).until(() -> load.successes.get() > 20);
				AtomicReference<String> issued = new AtomicReference<>();
				AtomicLong issuedAt = new AtomicLong();
				try (Watch<LeafCertificate> agentIssues = Watch.builder(client, AgentQuery.leafCertificate(service))
					.startFrom(client.query(AgentQuery.leafCertificate(service)))
					.build((leaf) -> {
						issuedAt.set(System.nanoTime());
						issued.set(leaf.serialNumber());
					})
					.start()) {
					rotateRoot();
					await().atMost(Duration.ofSeconds(45)).until(() -> issued.get() != null);
				}
				String newSerial = issued.get();
				await().atMost(Duration.ofSeconds(10))
					.pollInterval(Duration.ofMillis(10))
					.until(() -> hex(servedSerial(caller, port)).equals(newSerial));
				long servedAfterMillis = Duration.ofNanos(System.nanoTime() - issuedAt.get()).toMillis();
				System.out.println("[measure] " + stack + ": new leaf served " + servedAfterMillis
						+ " ms after the agent issued it");
				int atRotation = load.successes.get();
				await().atMost(Duration.ofSeconds(10)).until(() -> load.successes.get() > atRotation + 20);
				load.stop();
				assertThat(load.failures).as("failed requests during rotation").isEmpty();
				assertThat(load.reusedRequests.get()).as("requests over reused connections").isPositive();
				assertThat(load.newConnections.get()).as("new connections").isPositive();
				assertThat(servedAfterMillis).as("time from issue to serve").isLessThanOrEqualTo(2000);
			}
		}
	}

	private static void rotateRoot() {
		ConsulOperator.CaConfiguration current = consul.getOperator().getCaConfiguration();
		Object bits = current.config().get("PrivateKeyBits");
		int nextBits = "384".equals(String.valueOf(bits)) ? 256 : 384;
		Map<String, Object> config = new LinkedHashMap<>(current.config());
		config.put("PrivateKeyType", "ec");
		config.put("PrivateKeyBits", nextBits);
		consul.getOperator().updateCaConfiguration("consul", config);
	}

	private static String servedSerial(MeshTestClient caller, int port) throws IOException {
		try (MeshTestClient.Connection connection = caller.open(port)) {
			X509Certificate served = (X509Certificate) connection.getSocket().getSession().getPeerCertificates()[0];
			return served.getSerialNumber().toString(16);
		}
	}

	private static String hex(String serial) {
		String plain = serial.replace(":", "").toLowerCase(Locale.ROOT);
		String trimmed = plain.replaceFirst("^0+(?=.)", "");
		return trimmed;
	}

	/**
	 * Sends requests in a loop, alternating a new connection and a kept-alive one,
	 * recording every failure.
	 */
	static final class LoadLoop implements AutoCloseable {

		final List<String> failures = new CopyOnWriteArrayList<>();

		final AtomicInteger successes = new AtomicInteger();

		final AtomicInteger reusedRequests = new AtomicInteger();

		final AtomicInteger newConnections = new AtomicInteger();

		private final MeshTestClient caller;

		private final int port;

		private volatile boolean running = true;

		private final Thread thread;

		LoadLoop(MeshTestClient caller, int port) {
			this.caller = caller;
			this.port = port;
			this.thread = new Thread(this::run, "load-loop");
		}

		void start() {
			this.thread.start();
		}

		private void run() {
			MeshTestClient.Connection kept = null;
			int i = 0;
			while (this.running) {
				try {
					if (i++ % 2 == 0) {
						check(this.caller.get(this.port, "/hello"));
						this.newConnections.incrementAndGet();
					}
					else {
						if (kept == null) {
							kept = this.caller.open(this.port);
						}
						MeshTestClient.Response response = kept.get("/hello");
						check(response);
						this.reusedRequests.incrementAndGet();
						if ("close".equalsIgnoreCase(response.headers().get("connection"))) {
							kept.close();
							kept = null;
						}
					}
				}
				catch (IOException | RuntimeException ex) {
					this.failures.add(ex.toString());
				}
			}
			if (kept != null) {
				try {
					kept.close();
				}
				catch (IOException ex) {
					// closing at the end of the loop
				}
			}
		}

		private void check(MeshTestClient.Response response) {
			if (response.status() != 200) {
				this.failures.add("HTTP " + response.status() + ": " + response.body());
			}
			else {
				this.successes.incrementAndGet();
			}
		}

		void stop() throws InterruptedException {
			this.running = false;
			this.thread.join(10_000);
		}

		@Override
		public void close() throws InterruptedException {
			stop();
		}

	}

}
