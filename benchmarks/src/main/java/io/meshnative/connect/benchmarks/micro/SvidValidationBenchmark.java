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

package io.meshnative.connect.benchmarks.micro;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.meshnative.connect.identity.SpiffeId;
import io.meshnative.connect.identity.internal.SvidValidator;
import io.meshnative.connect.test.IssuedCertificate;
import io.meshnative.connect.test.TestCertificateAuthority;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Validation of a caller's SVID chain ({@link SvidValidator#validateClient}): PKIX path
 * validation against the roots, then the SPIFFE checks. Chains as Consul issues them: an
 * EC P-256 leaf signed by the root ({@code root}), or by an intermediate that the peer
 * sends along ({@code intermediate}).
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SvidValidationBenchmark {

	private static final String TRUST_DOMAIN = "11111111-2222-3333-4444-555555555555.consul";

	/**
	 * Who signed the leaf.
	 */
	@Param({ "root", "intermediate" })
	public String signer = "root";

	private final TestCertificateAuthority ca = TestCertificateAuthority.forConsulTrustDomain(TRUST_DOMAIN);

	private final SvidValidator validator = new SvidValidator();

	private final List<X509Certificate> roots = List.of(this.ca.getRootCertificate());

	private X509Certificate[] chain = new X509Certificate[0];

	/**
	 * Issue the chain.
	 */
	@Setup
	public void issue() {
		if ("intermediate".equals(this.signer)) {
			IssuedCertificate intermediate = this.ca.intermediate().issue();
			IssuedCertificate leaf = this.ca.leaf("web").signedBy(intermediate).issue();
			this.chain = new X509Certificate[] { leaf.getCertificate(), intermediate.getCertificate() };
		}
		else {
			this.chain = new X509Certificate[] { this.ca.leaf("web").issue().getCertificate() };
		}
	}

	/**
	 * Validate the chain.
	 * @return the caller's identity
	 * @throws Exception if the chain is not valid
	 */
	@Benchmark
	public SpiffeId validateClient() throws Exception {
		return this.validator.validateClient(this.chain, this.roots, TRUST_DOMAIN, Instant.now());
	}

}
