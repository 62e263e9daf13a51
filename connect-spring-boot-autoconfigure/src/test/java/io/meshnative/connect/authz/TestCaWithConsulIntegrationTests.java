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

package io.meshnative.connect.authz;

import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.meshnative.connect.agent.internal.CaRoots;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ConsulAgentException;
import io.meshnative.connect.identity.SpiffeId;
import io.meshnative.connect.identity.internal.SvidValidationException;
import io.meshnative.connect.identity.internal.SvidValidator;
import io.meshnative.connect.test.ConsulAgent;
import io.meshnative.connect.test.ConsulAgentExtension;
import io.meshnative.connect.test.ConsulOperator;
import io.meshnative.connect.test.TestCertificateAuthority;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.ssl.pem.PemContent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests that a real Consul agent can be made to sign its leaves with a
 * {@link TestCertificateAuthority} root, so that tests hold the key of the root the agent
 * uses and can mint certificates with any defect under it.
 *
 * @author connect-spring-boot authors
 */
class TestCaWithConsulIntegrationTests {

	private static final String FAST_REISSUE = "connect { test_ca_leaf_root_change_spread = \"1ns\" }";

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev(FAST_REISSUE);

	private final SvidValidator validator = new SvidValidator();

	@Test
	void agentSignsLeavesWithATestRootGivenAsSec1KeyAndCertificate(ConsulAgent agent) throws Exception {
		try (ConsulAgentClient client = client(agent)) {
			CaRoots before = client.getCaRoots();
			String trustDomain = before.trustDomain();
			TestCertificateAuthority ca = TestCertificateAuthority.forConsulTrustDomain(trustDomain);
			assertThat(ca.getPrivateKeyPem()).startsWith("-----BEGIN EC PRIVATE KEY-----");
			useRoot(agent, ca.getPrivateKeyPem(), ca.getRootCertPem());
			CaRoots after = client.getCaRoots();
			assertThat(after.trustDomain()).isEqualTo(trustDomain);
			assertThat(after.activeRootId()).isNotEqualTo(before.activeRootId());
			assertThat(after.activeRoot()).isNotNull();
			assertThat(certificate(after.activeRoot().rootCert())).isEqualTo(ca.getRootCertificate());
			assertThat(after.roots()).extracting(CaRoots.Root::id).contains(before.activeRootId());
			assertThat(after.roots()).filteredOn(CaRoots.Root::active).hasSize(1);
			List<X509Certificate> leafChain = awaitLeafIssuedBy(client, "web", ca.getRootCertificate());
			SpiffeId web = SpiffeId.forService(trustDomain, "default", "dc1", "web");
			assertThat(this.validator.validateServer(array(leafChain), List.of(ca.getRootCertificate()), trustDomain,
					Instant.now()))
				.isEqualTo(web);
			assertThat(this.validator.validateClient(array(leafChain.subList(0, 1)), List.of(ca.getRootCertificate()),
					trustDomain, Instant.now()))
				.isEqualTo(web);
		}
	}

	@Test
	void certificatesMintedWithTheAgentsRootAreJudgedAgainstTheAgentsRoots(ConsulAgent agent) throws Exception {
		try (ConsulAgentClient client = client(agent)) {
			String trustDomain = client.getCaRoots().trustDomain();
			TestCertificateAuthority ca = TestCertificateAuthority.forConsulTrustDomain(trustDomain);
			useRoot(agent, ca.getPrivateKeyPem(), ca.getRootCertPem());
			List<X509Certificate> agentRoots = roots(client.getCaRoots());
			assertThat(agentRoots).contains(ca.getRootCertificate());
			X509Certificate[] ours = ca.leaf("api").issue().getChainArray();
			assertThat(this.validator.validateClient(ours, agentRoots, trustDomain, Instant.now()).service())
				.isEqualTo("api");
			X509Certificate[] twoSans = ca.leaf("api")
				.uris(ca.serviceId("api"), ca.serviceId("db"))
				.issue()
				.getChainArray();
			assertThatExceptionOfType(SvidValidationException.class)
				.isThrownBy(() -> this.validator.validateClient(twoSans, agentRoots, trustDomain, Instant.now()))
				.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo("multiple-uri-sans"));
			X509Certificate[] foreign = TestCertificateAuthority.create(trustDomain)
				.leaf("api")
				.issue()
				.getChainArray();
			assertThatExceptionOfType(SvidValidationException.class)
				.isThrownBy(() -> this.validator.validateClient(foreign, agentRoots, trustDomain, Instant.now()))
				.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo("untrusted"));
		}
	}

	@Test
	void rotationToATestRootGivenAsPkcs8KeyCrossSignsItForOldRootVerifiers(ConsulAgent agent) throws Exception {
		try (ConsulAgentClient client = client(agent)) {
			CaRoots before = client.getCaRoots();
			X509Certificate oldRoot = certificate(before.activeRoot().rootCert());
			String trustDomain = before.trustDomain();
			TestCertificateAuthority ca = TestCertificateAuthority.forConsulTrustDomain(trustDomain);
			useRoot(agent, ca.getRoot().getPrivateKeyPkcs8Pem(), ca.getRootCertPem());
			CaRoots.Root active = client.getCaRoots().activeRoot();
			assertThat(certificate(active.rootCert())).isEqualTo(ca.getRootCertificate());
			assertThat(active.intermediateCerts()).hasSize(1);
			X509Certificate crossSigned = certificate(active.intermediateCerts().get(0));
			assertThat(crossSigned.getSubjectX500Principal())
				.isEqualTo(ca.getRootCertificate().getSubjectX500Principal());
			assertThat(crossSigned.getIssuerX500Principal()).isEqualTo(oldRoot.getSubjectX500Principal());
			List<X509Certificate> leafChain = awaitLeafIssuedBy(client, "web", ca.getRootCertificate());
			assertThat(leafChain).containsExactly(leafChain.get(0), crossSigned);
			assertThat(this.validator.validateClient(array(leafChain), List.of(oldRoot), trustDomain, Instant.now())
				.service()).isEqualTo("web");
			assertThatExceptionOfType(SvidValidationException.class)
				.isThrownBy(() -> this.validator.validateClient(array(leafChain.subList(0, 1)), List.of(oldRoot),
						trustDomain, Instant.now()))
				.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo("untrusted"));
		}
	}

	@Test
	void agentChecksNeitherTheRootsUriSanNorThatTheKeyMatchesWhenTheConfigurationIsWritten() throws Exception {
		try (ConsulAgent agent = ConsulAgent.dev(FAST_REISSUE); ConsulAgentClient client = client(agent.start())) {
			String trustDomain = client.getCaRoots().trustDomain();
			TestCertificateAuthority otherDomain = TestCertificateAuthority
				.forConsulTrustDomain("0bad0bad-0000-0000-0000-000000000000.consul");
			useRoot(agent, otherDomain.getPrivateKeyPem(), otherDomain.getRootCertPem());
			assertThat(client.getCaRoots().trustDomain()).isEqualTo(trustDomain);
			List<X509Certificate> leafChain = awaitLeafIssuedBy(client, "web", otherDomain.getRootCertificate());
			assertThat(leafChain.get(0).getSubjectAlternativeNames())
				.containsExactly(List.of(6, "spiffe://" + trustDomain + "/ns/default/dc/dc1/svc/web"));
			TestCertificateAuthority mismatched = TestCertificateAuthority.forConsulTrustDomain(trustDomain);
			String otherKey = TestCertificateAuthority.forConsulTrustDomain(trustDomain).getPrivateKeyPem();
			useRoot(agent, otherKey, mismatched.getRootCertPem());
			assertThat(certificate(client.getCaRoots().activeRoot().rootCert()))
				.isEqualTo(mismatched.getRootCertificate());
			await().atMost(Duration.ofSeconds(30))
				.untilAsserted(() -> assertThatExceptionOfType(ConsulAgentException.class)
					.isThrownBy(() -> client.getLeafCertificate("db"))
					.satisfies((ex) -> assertThat(ex.getStatus()).isEqualTo(500))
					.withMessageContaining("provided PrivateKey doesn't match parent's PublicKey"));
		}
	}

	private static ConsulAgentClient client(ConsulAgent agent) {
		return ConsulAgentClient.builder(URI.create(agent.getHttpAddress())).build();
	}

	private static void useRoot(ConsulAgent agent, String privateKeyPem, String rootCertPem) {
		ConsulOperator operator = ConsulOperator.of(agent.getHttpAddress(), agent.getManagementToken());
		Map<String, Object> config = new LinkedHashMap<>(operator.getCaConfiguration().config());
		config.put("PrivateKey", privateKeyPem);
		config.put("RootCert", rootCertPem);
		operator.updateCaConfiguration("consul", config);
		// The agent serves roots from its cache, which follows the servers a moment
		// later.
		X509Certificate root = certificate(rootCertPem);
		try (ConsulAgentClient client = client(agent)) {
			await().atMost(Duration.ofSeconds(30))
				.ignoreExceptions()
				.until(() -> certificate(client.getCaRoots().activeRoot().rootCert()).equals(root));
		}
	}

	private static List<X509Certificate> awaitLeafIssuedBy(ConsulAgentClient client, String service,
			X509Certificate root) {
		return await().atMost(Duration.ofSeconds(30))
			.until(() -> certificates(client.getLeafCertificate(service).certPem()), (chain) -> {
				try {
					chain.get(0).verify(root.getPublicKey());
					return true;
				}
				catch (Exception ex) {
					return false;
				}
			});
	}

	private static List<X509Certificate> roots(CaRoots roots) {
		return roots.roots().stream().map((root) -> certificate(root.rootCert())).toList();
	}

	private static X509Certificate certificate(String pem) {
		return certificates(pem).get(0);
	}

	private static List<X509Certificate> certificates(String pem) {
		return PemContent.of(pem).getCertificates();
	}

	private static X509Certificate[] array(List<X509Certificate> chain) {
		return chain.toArray(new X509Certificate[0]);
	}

}
