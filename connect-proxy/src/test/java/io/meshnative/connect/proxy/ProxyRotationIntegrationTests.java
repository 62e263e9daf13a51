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
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import com.sun.net.httpserver.HttpServer;
import io.meshnative.connect.agent.internal.CaRoots;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.test.ConsulAgentExtension;
import io.meshnative.connect.test.TestCertificateAuthority;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A CA rotation (with cross-signing) while requests flow through two of our proxies: an
 * application's upstream listener, then the public listener of the service it calls.
 * Nothing may fail.
 *
 * @author connect-spring-boot authors
 */
class ProxyRotationIntegrationTests {

	private static final Duration ROTATION_TIMEOUT = Duration.ofSeconds(60);

	private static final int LOAD_THREADS = 4;

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private static ConsulAgentClient client;

	@BeforeAll
	static void createClient() {
		client = consul.closeAfterAll(ConsulAgentClient.builder(consul.getAddress()).build());
	}

	@Test
	void caRotationUnderLoadThroughTheProxyLosesNoRequest() throws Exception {
		HttpServer store = ProxyMesh.plainApp("store");
		int storePublic = ProxyMesh.freePort();
		int upstreamPort = ProxyMesh.freePort();
		ProxyMesh.registerProxy(client, "store-proxy", "store", storePublic, store.getAddress().getPort(),
				Collections.emptyList());
		ProxyMesh.registerProxy(client, "shopfront-proxy", "shopfront", ProxyMesh.freePort(), ProxyMesh.freePort(),
				List.of(ProxyMesh.upstream("store", upstreamPort)));
		try (ConfigurableApplicationContext storeProxy = ProxyMesh.startProxy(consul.getAgent(), "store-proxy");
				ConfigurableApplicationContext shopfrontProxy = ProxyMesh.startProxy(consul.getAgent(),
						"shopfront-proxy")) {
			await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
				try (ProxyMesh.HttpConnection connection = ProxyMesh.open(upstreamPort)) {
					assertThat(connection.get("/ready").status()).isEqualTo(200);
				}
			});
			CaRoots before = client.getCaRoots();
			Load load = new Load(upstreamPort).start();
			try {
				load.awaitAnswers(200);
				TestCertificateAuthority next = TestCertificateAuthority.forConsulTrustDomain(before.trustDomain());
				long rotatedAt = System.nanoTime();
				Map<String, Object> config = new LinkedHashMap<>(consul.getOperator().getCaConfiguration().config());
				config.put("PrivateKey", next.getPrivateKeyPem());
				config.put("RootCert", next.getRootCertPem());
				consul.getOperator().updateCaConfiguration("consul", config);
				SSLContext checker = ProxyMesh.meshContext(client, "rotation-checker");
				List<X509Certificate> served = await().atMost(ROTATION_TIMEOUT)
					.pollInterval(Duration.ofMillis(100))
					.ignoreExceptions()
					.until(() -> servedChain(checker, storePublic),
							(chain) -> signedBy(chain.get(0), next.getRootCertificate()));
				ConnectIdentityManager shopfront = shopfrontProxy.getBean(ConnectIdentityManager.class);
				await().atMost(ROTATION_TIMEOUT)
					.until(() -> signedBy(shopfront.getIdentity().getLeaf(), next.getRootCertificate()));
				System.out.println("[measure] proxy rotation: both proxies hold leaves of the new root "
						+ Duration.ofNanos(System.nanoTime() - rotatedAt).toMillis() + " ms after the CA update");
				load.awaitAnswers(200);
				load.stop();
				System.out.println("[measure] proxy rotation under load: " + load.summary());
				assertThat(load.failures).as("failed requests").isEmpty();
				assertThat(load.newConnections.get()).isPositive();
				assertThat(load.reused.get()).isPositive();
				assertThat(served).as("the store proxy serves the new leaf with the cross-signed root").hasSize(2);
			}
			finally {
				load.stop();
			}
		}
		finally {
			store.stop(0);
			client.deregisterService("store-proxy");
			client.deregisterService("shopfront-proxy");
		}
	}

	private static List<X509Certificate> servedChain(SSLContext context, int port) throws IOException {
		try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
			socket.setSoTimeout(5000);
			socket.startHandshake();
			List<X509Certificate> chain = new ArrayList<>();
			for (Certificate certificate : socket.getSession().getPeerCertificates()) {
				chain.add((X509Certificate) certificate);
			}
			return chain;
		}
	}

	private static boolean signedBy(X509Certificate certificate, X509Certificate root) {
		try {
			certificate.verify(root.getPublicKey());
			return true;
		}
		catch (Exception ex) {
			return false;
		}
	}

	/**
	 * Plain HTTP requests to the upstream listener from several threads, alternating a
	 * new connection and a kept-alive one; no retries, every failure recorded.
	 */
	private static final class Load {

		final List<String> failures = new CopyOnWriteArrayList<>();

		final AtomicLong sent = new AtomicLong();

		final AtomicLong answered = new AtomicLong();

		final AtomicLong newConnections = new AtomicLong();

		final AtomicLong reused = new AtomicLong();

		private final int port;

		private final List<Thread> threads = new ArrayList<>();

		private volatile boolean running = true;

		private long startedAt;

		private long stoppedAt;

		Load(int port) {
			this.port = port;
			for (int i = 0; i < LOAD_THREADS; i++) {
				this.threads.add(new Thread(this::run, "proxy-load-" + i));
			}
		}

		Load start() {
			this.startedAt = System.nanoTime();
			this.threads.forEach(Thread::start);
			return this;
		}

		void awaitAnswers(int more) {
			long target = this.answered.get() + more;
			await().atMost(Duration.ofSeconds(60)).until(() -> this.answered.get() >= target);
		}

		private void run() {
			ProxyMesh.HttpConnection kept = null;
			long i = 0;
			while (this.running) {
				boolean reuse = (i++ % 2) == 1;
				this.sent.incrementAndGet();
				try {
					ProxyMesh.Answer answer;
					if (reuse) {
						if (kept == null) {
							kept = ProxyMesh.open(this.port);
						}
						this.reused.incrementAndGet();
						answer = kept.get("/item/" + i);
					}
					else {
						this.newConnections.incrementAndGet();
						try (ProxyMesh.HttpConnection connection = ProxyMesh.open(this.port)) {
							answer = connection.get("/item/" + i);
						}
					}
					if (answer.status() == 200 && answer.body().startsWith("store /item/" + i)) {
						this.answered.incrementAndGet();
					}
					else {
						this.failures.add((reuse ? "kept-alive: " : "new connection: ") + answer);
					}
				}
				catch (IOException | RuntimeException ex) {
					this.failures.add((reuse ? "kept-alive: " : "new connection: ") + ex);
					kept = close(kept);
				}
			}
			close(kept);
		}

		private static ProxyMesh.HttpConnection close(ProxyMesh.HttpConnection connection) {
			if (connection != null) {
				try {
					connection.close();
				}
				catch (IOException ex) {
					// already broken
				}
			}
			return null;
		}

		void stop() throws InterruptedException {
			this.running = false;
			for (Thread thread : this.threads) {
				thread.join(30_000);
			}
			if (this.stoppedAt == 0) {
				this.stoppedAt = System.nanoTime();
			}
		}

		String summary() {
			double seconds = Duration.ofNanos(this.stoppedAt - this.startedAt).toMillis() / 1000.0;
			return String.format(java.util.Locale.ROOT,
					"%d sent, %d answered as expected, %d failed, %d on new connections, %d on kept-alive ones, "
							+ "%.0f req/s over %.1f s, 0 retries",
					this.sent.get(), this.answered.get(), this.failures.size(), this.newConnections.get(),
					this.reused.get(), this.sent.get() / seconds, seconds);
		}

	}

}
