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

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

import io.meshnative.connect.test.IssuedCertificate;
import io.meshnative.connect.test.TestCertificateAuthority;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Vegeta against arm 2's server as {@link BenchRunner} starts it (the benchmark
 * application on Tomcat with a static mTLS SSL bundle, client certificates required),
 * with leaves like Consul's (a SPIFFE URI SAN only), in this JVM: keep-alive and churn
 * run without errors and the server's CPU is measured.
 *
 * @author connect-spring-boot authors
 */
class VegetaStaticTomcatTests {

	@TempDir
	static Path work;

	private static ConfigurableApplicationContext context;

	private static Vegeta.Tls tls;

	private static Vegeta vegeta;

	@BeforeAll
	static void start() throws Exception {
		Path script = Files.exists(Path.of("scripts/vegeta")) ? Path.of("scripts/vegeta")
				: Path.of("..", "scripts", "vegeta");
		vegeta = new Vegeta(Vegeta.locate(script), work);
		TestCertificateAuthority ca = TestCertificateAuthority.create("11111111-2222-3333-4444-555555555555.consul");
		IssuedCertificate server = ca.leaf("bench-static").issue();
		IssuedCertificate client = ca.leaf("bench-client").issue();
		Path roots = Files.writeString(work.resolve("roots.pem"), ca.getRootCertPem());
		Path serverCert = Files.writeString(work.resolve("server.pem"), server.getCertificatePem());
		Path serverKey = Files.writeString(work.resolve("server-key.pem"), server.getPrivateKeyPkcs8Pem());
		tls = new Vegeta.Tls(Files.writeString(work.resolve("client.pem"), client.getCertificatePem()),
				Files.writeString(work.resolve("client-key.pem"), client.getPrivateKeyPkcs8Pem()), roots);
		context = SpringApplication.run(BenchServerApplication.class, "--server.port=0",
				"--spring.main.web-application-type=servlet", "--spring.main.banner-mode=off",
				"--connect.enabled=false", "--server.tomcat.max-keep-alive-requests=-1", "--server.ssl.bundle=static",
				"--server.ssl.client-auth=need",
				"--spring.ssl.bundle.pem.static.keystore.certificate=file:" + serverCert,
				"--spring.ssl.bundle.pem.static.keystore.private-key=file:" + serverKey,
				"--spring.ssl.bundle.pem.static.truststore.certificate=file:" + roots);
	}

	@AfterAll
	static void stop() {
		if (context != null) {
			context.close();
		}
	}

	@Test
	void keepAliveAndChurnAgainstStaticMtlsTomcat() throws Exception {
		List<Long> self = List.of(ProcessHandle.current().pid());
		LoadDriver.Result throughput = vegeta
			.run(Vegeta.Attack.throughput(url(), tls, 4, 2).on(null, self, Collections.emptyList()), true);
		assertThat(throughput).isNotNull();
		assertThat(throughput.errors()).as(throughput.toLine()).isZero();
		assertThat(throughput.requests()).as(throughput.toLine()).isPositive();
		assertThat(throughput.serverCpuSeconds()).as(throughput.toLine()).isPositive();
		assertThat(throughput.generatorCpuSeconds()).as(throughput.toLine()).isPositive();
		LoadDriver.Result churn = vegeta.run(Vegeta.Attack.churn(url(), tls, 2, 1), true);
		assertThat(churn).isNotNull();
		assertThat(churn.errors()).as(churn.toLine()).isZero();
		assertThat(churn.requests()).as(churn.toLine()).isPositive();
	}

	private static String url() {
		return "https://127.0.0.1:" + ((WebServerApplicationContext) context).getWebServer().getPort() + "/bytes";
	}

}
