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
import io.meshnative.connect.identity.internal.SvidValidationException;
import io.meshnative.connect.identity.internal.SvidValidator;
import io.meshnative.connect.identity.internal.ValidatedChains;
import io.meshnative.connect.test.TestCertificateAuthority;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The chain check of a request on a kept-alive connection: {@link ValidatedChains} finds
 * the caller's chain already validated against the current roots.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ValidatedChainsBenchmark {

	private static final String TRUST_DOMAIN = "11111111-2222-3333-4444-555555555555.consul";

	private final TestCertificateAuthority ca = TestCertificateAuthority.forConsulTrustDomain(TRUST_DOMAIN);

	private final List<X509Certificate> roots = List.of(this.ca.getRootCertificate());

	private final X509Certificate[] chain = this.ca.leaf("web").issue().getChainArray();

	private final ValidatedChains chains = new ValidatedChains(new SvidValidator());

	/**
	 * Create the state and validate the chain once.
	 */
	public ValidatedChainsBenchmark() {
		try {
			this.chains.validateClient(this.chain, this.roots, TRUST_DOMAIN, Instant.now());
		}
		catch (SvidValidationException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Check the remembered chain, as each request on the connection does (the server
	 * hands out a copy of the peer's certificate array per request).
	 * @return the caller's identity
	 * @throws SvidValidationException if the chain is not valid
	 */
	@Benchmark
	public SpiffeId cachedChainCheck() throws SvidValidationException {
		return this.chains.validateClient(this.chain.clone(), this.roots, TRUST_DOMAIN, Instant.now());
	}

}
