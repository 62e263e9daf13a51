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

import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.meshnative.connect.agent.internal.CaRoots;
import io.meshnative.connect.agent.internal.LeafCertificate;
import io.meshnative.connect.identity.ConnectIdentity;
import io.meshnative.connect.identity.internal.ConnectIdentities;
import io.meshnative.connect.test.IssuedCertificate;
import io.meshnative.connect.test.TestCertificateAuthority;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import org.springframework.boot.ssl.SslBundle;

/**
 * The work of a leaf or roots update: parse and check the agent's PEM into a new
 * {@link ConnectIdentity} snapshot ({@link ConnectIdentities#withLeaf},
 * {@link ConnectIdentities#withRoots}), and build the SSL bundle the servers reload from
 * it.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class IdentitySnapshotBenchmark {

	private static final String TRUST_DOMAIN = "11111111-2222-3333-4444-555555555555.consul";

	private final TestCertificateAuthority ca = TestCertificateAuthority.forConsulTrustDomain(TRUST_DOMAIN);

	private final CaRoots roots = new CaRoots("root-1", TRUST_DOMAIN, List.of(new CaRoots.Root("root-1", "root", null,
			"", "", null, null, this.ca.getRootCertPem(), Collections.emptyList(), true, "ec", 256, 1, 1)));

	private final LeafCertificate leaf = leaf(this.ca.leaf("web").issue());

	private final LeafCertificate nextLeaf = leaf(this.ca.leaf("web").issue());

	private final ConnectIdentity identity = ConnectIdentities.of("web", this.roots, 1, this.leaf, 1);

	/**
	 * A new leaf arrives.
	 * @return the new snapshot
	 */
	@Benchmark
	public ConnectIdentity withLeaf() {
		return ConnectIdentities.withLeaf(this.identity, this.nextLeaf, 2);
	}

	/**
	 * New roots arrive.
	 * @return the new snapshot
	 */
	@Benchmark
	public ConnectIdentity withRoots() {
		return ConnectIdentities.withRoots(this.identity, this.roots, 2);
	}

	/**
	 * A new leaf arrives and the SSL bundle of the new snapshot is built.
	 * @return the bundle
	 */
	@Benchmark
	public SslBundle withLeafAndBundle() {
		return ConnectIdentities.withLeaf(this.identity, this.nextLeaf, 2).toSslBundle();
	}

	private static LeafCertificate leaf(IssuedCertificate issued) {
		return new LeafCertificate(issued.getCertificate().getSerialNumber().toString(16), issued.getCertificatePem(),
				issued.getPrivateKey(), "web", "spiffe://" + TRUST_DOMAIN + "/ns/default/dc/dc1/svc/web", null, null, 1,
				1);
	}

}
