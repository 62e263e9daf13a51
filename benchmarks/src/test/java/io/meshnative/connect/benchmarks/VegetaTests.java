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

package io.meshnative.connect.benchmarks;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLParameters;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.meshnative.connect.test.IssuedCertificate;
import io.meshnative.connect.test.TestCertificateAuthority;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link Vegeta}: the vegeta binary that {@code scripts/vegeta} finds or
 * installs (the same way {@code scripts/bench} does; the tests fail, they do not skip,
 * when it cannot) drives a real mTLS server (the JDK's HTTPS server, client certificates
 * required) in the three modes of the benchmark.
 *
 * @author connect-spring-boot authors
 */
class VegetaTests {

	private static Path binary;

	@TempDir
	Path work;

	private HttpsServer server;

	private final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();

	private final AtomicLong served = new AtomicLong();

	private Vegeta.Tls tls;

	@BeforeAll
	static void locateVegeta() throws Exception {
		Path script = Path.of("scripts/vegeta");
		if (!Files.exists(script)) {
			script = Path.of("..", "scripts", "vegeta");
		}
		binary = Vegeta.locate(script);
		// The JDK's server writes headers and body apart: without TCP_NODELAY (set for
		// the tests in the pom, before the server's class loads) Nagle and delayed ACKs
		// hold each response for tens of milliseconds.
		assertThat(Boolean.getBoolean("sun.net.httpserver.nodelay")).as("-Dsun.net.httpserver.nodelay=true").isTrue();
		assertThat(binary).as("vegeta from %s", script).isExecutable();
	}

	@BeforeEach
	void startServer() throws Exception {
		TestCertificateAuthority ca = TestCertificateAuthority.create("11111111-2222-3333-4444-555555555555.consul");
		IssuedCertificate server = ca.leaf("bench-static").issue();
		IssuedCertificate client = ca.leaf("bench-client").issue();
		Path roots = Files.writeString(this.work.resolve("roots.pem"), ca.getRootCertPem());
		Path serverCert = Files.writeString(this.work.resolve("server.pem"), server.getCertificatePem());
		Path serverKey = Files.writeString(this.work.resolve("server-key.pem"), server.getPrivateKeyPkcs8Pem());
		this.tls = new Vegeta.Tls(Files.writeString(this.work.resolve("client.pem"), client.getCertificatePem()),
				Files.writeString(this.work.resolve("client-key.pem"), client.getPrivateKeyPkcs8Pem()), roots);
		this.server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
		this.server.setHttpsConfigurator(new HttpsConfigurator(LoadDriver.sslContext(serverCert, serverKey, roots)) {
			@Override
			public void configure(HttpsParameters params) {
				SSLParameters parameters = getSSLContext().getDefaultSSLParameters();
				parameters.setNeedClientAuth(true);
				params.setSSLParameters(parameters);
			}
		});
		byte[] body = new byte[BenchServerApplication.RESPONSE_SIZE];
		this.server.createContext("/bytes", (exchange) -> {
			this.clientPorts.add(exchange.getRemoteAddress().getPort());
			this.served.incrementAndGet();
			exchange.sendResponseHeaders(200, body.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
		});
		this.server.setExecutor(Executors.newFixedThreadPool(8));
		this.server.start();
	}

	@AfterEach
	void stopServer() {
		this.server.stop(0);
	}

	@Test
	void keepAliveReusesConnectionsAndMeasuresCpu() throws Exception {
		LoadDriver.Result result = vegeta()
			.run(Vegeta.Attack.throughput(url(), this.tls, 4, 1.5).on(null, self(), Collections.emptyList()), true);
		assertThat(result).isNotNull();
		assertThat(result.errors()).isZero();
		assertThat(result.requests()).isPositive().isEqualTo(this.served.get());
		assertThat(result.perSecond()).isPositive();
		assertThat(this.clientPorts).hasSizeLessThanOrEqualTo(4);
		assertThat(result.generator()).isEqualTo("vegeta");
		assertThat(result.generatorCpuSeconds()).as(result.toLine()).isPositive();
		assertThat(result.wallSeconds()).isGreaterThanOrEqualTo(1.5);
		assertThat(result.serverCpuSeconds()).as(result.toLine()).isPositive();
		assertThat(result.callerCpuSeconds()).isNaN();
		assertThat(result.generatorCoreShare()).isBetween(0.0, 2.0);
		assertThat(result.foreignCpuSeconds()).isNotNegative();
	}

	@Test
	void fixedRateSendsAtTheRateAndRecordsLatencies() throws Exception {
		Vegeta vegeta = vegeta();
		Vegeta.Attack attack = Vegeta.Attack.rate(url(), this.tls, 2, 200, 1.5);
		vegeta.run(attack.lasting(0.5), false);
		LoadDriver.Result result = vegeta.run(attack, true);
		assertThat(result).isNotNull();
		// hits vegeta could not send in time count as errors: allow a few on a loaded
		// machine
		assertThat(result.requests() + result.errors()).as(result.toLine()).isBetween(280L, 320L);
		assertThat(result.requests()).as(result.toLine()).isGreaterThan(150);
		assertThat(result.perSecond()).isBetween(100.0, 250.0);
		assertThat(result.p50Micros()).isPositive();
		assertThat(result.p99Micros()).isGreaterThanOrEqualTo(result.p50Micros());
		assertThat(result.p999Micros()).isGreaterThanOrEqualTo(result.p99Micros());
		assertThat(result.maxMicros()).isGreaterThanOrEqualTo(result.p999Micros());
		assertThat(result.serverCpuSeconds()).isNaN();
	}

	@Test
	void churnOpensANewConnectionPerRequest() throws Exception {
		LoadDriver.Result result = vegeta().run(Vegeta.Attack.churn(url(), this.tls, 2, 1), true);
		assertThat(result).isNotNull();
		assertThat(result.errors()).isZero();
		assertThat(result.requests()).isPositive().isEqualTo(this.served.get());
		// one connection per request (a client port may come back after a closed
		// connection)
		assertThat((double) this.clientPorts.size()).isGreaterThan(result.requests() * 0.9);
	}

	@Test
	void warmUpRecordsNothing() throws Exception {
		assertThat(vegeta().run(Vegeta.Attack.throughput(url(), this.tls, 2, 0.5), false)).isNull();
		assertThat(this.served.get()).isPositive();
		assertThat(Files.list(this.work).filter((file) -> file.toString().endsWith(".bin"))).isEmpty();
	}

	@Test
	void failedRequestsAreErrors() throws Exception {
		Vegeta vegeta = vegeta();
		LoadDriver.Result result = vegeta
			.run(Vegeta.Attack.rate(url().replace("/bytes", "/missing"), this.tls, 2, 100, 0.5), true);
		assertThat(result).isNotNull();
		assertThat(result.requests()).isZero();
		assertThat(result.errors()).as(result.toLine()).isBetween(40L, 60L);
		assertThat(vegeta.lastError()).startsWith("status 404");
	}

	@Test
	void readsTheGeneratorCpuFromBashTimes() {
		assertThat(Vegeta.childrenSeconds("0m0.002s 0m0.000s\n1m1.526s 0m0.019s\n")).isCloseTo(61.545, within(1e-9));
	}

	private Vegeta vegeta() {
		return new Vegeta(binary, this.work);
	}

	private String url() {
		return "https://127.0.0.1:" + this.server.getAddress().getPort() + "/bytes";
	}

	private static List<Long> self() {
		return List.of(ProcessHandle.current().pid());
	}

}
