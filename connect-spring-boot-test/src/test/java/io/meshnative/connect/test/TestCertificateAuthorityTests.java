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

package io.meshnative.connect.test;

import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SignatureException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Set;

import io.meshnative.connect.test.TestCertificateAuthority.KeyPurpose;
import io.meshnative.connect.test.TestCertificateAuthority.KeyUsageBit;
import org.junit.jupiter.api.Test;

import org.springframework.boot.ssl.pem.PemContent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link TestCertificateAuthority}.
 *
 * @author connect-spring-boot authors
 */
class TestCertificateAuthorityTests {

	private static final String TRUST_DOMAIN = "11111111-2222-3333-4444-555555555555.consul";

	private final TestCertificateAuthority ca = TestCertificateAuthority.create(TRUST_DOMAIN);

	@Test
	void rootIsASelfSignedP256CaWithTheTrustDomainAsItsOnlyUriSan() throws Exception {
		X509Certificate root = this.ca.getRootCertificate();
		root.verify(root.getPublicKey());
		assertThat(root.getPublicKey().getAlgorithm()).isEqualTo("EC");
		assertThat(root.getSigAlgName()).isEqualTo("SHA256withECDSA");
		assertThat(root.getBasicConstraints()).isNotNegative();
		assertThat(root.getKeyUsage()).startsWith(true, false, false, false, false, true, true);
		assertThat(uriSans(root)).containsExactly("spiffe://" + TRUST_DOMAIN);
		assertThat(root.getCriticalExtensionOIDs()).contains("2.5.29.15", "2.5.29.19");
	}

	@Test
	void forConsulTrustDomainNamesTheRootLikeConsul() {
		TestCertificateAuthority consulCa = TestCertificateAuthority.forConsulTrustDomain(TRUST_DOMAIN.toUpperCase());
		assertThat(consulCa.getTrustDomain()).isEqualTo(TRUST_DOMAIN);
		assertThat(consulCa.getRootCertificate().getSubjectX500Principal().getName())
			.matches("CN=pri-[0-9a-f]{8}\\.consul\\.ca\\.11111111\\.consul");
	}

	@Test
	void leafHasTheConsulServiceProfile() throws Exception {
		IssuedCertificate web = this.ca.leaf("web").issue();
		X509Certificate leaf = web.getCertificate();
		leaf.verify(this.ca.getRootCertificate().getPublicKey());
		assertThat(web.getChain()).containsExactly(leaf);
		assertThat(leaf.getSubjectX500Principal().getName()).isEmpty();
		assertThat(uriSans(leaf)).containsExactly("spiffe://" + TRUST_DOMAIN + "/ns/default/dc/dc1/svc/web");
		assertThat(leaf.getCriticalExtensionOIDs()).contains("2.5.29.17");
		assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
		assertThat(leaf.getKeyUsage()).startsWith(true, false, true, true, true, false, false);
		assertThat(leaf.getExtendedKeyUsage()).containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
		assertThat(Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant()))
			.isEqualTo(Duration.ofHours(72));
		assertThat(leaf.getNotBefore().toInstant()).isBefore(Instant.now());
	}

	@Test
	void builderSetsEveryDefect() throws Exception {
		Instant notBefore = Instant.parse("2020-01-01T00:00:00Z");
		X509Certificate leaf = this.ca.leaf()
			.uris("spiffe://a/ns/default/dc/dc1/svc/a", "spiffe://a/ns/default/dc/dc1/svc/b")
			.dnsNames("web.example")
			.emails("web@example.com")
			.ca(true)
			.keyUsage(KeyUsageBit.KEY_CERT_SIGN)
			.extendedKeyUsage(KeyPurpose.SERVER_AUTH)
			.validity(notBefore, notBefore.plus(Duration.ofDays(1)))
			.issue()
			.getCertificate();
		assertThat(leaf.getSubjectAlternativeNames()).containsExactlyInAnyOrder(
				List.of(6, "spiffe://a/ns/default/dc/dc1/svc/a"), List.of(6, "spiffe://a/ns/default/dc/dc1/svc/b"),
				List.of(2, "web.example"), List.of(1, "web@example.com"));
		assertThat(leaf.getBasicConstraints()).isNotNegative();
		assertThat(leaf.getKeyUsage()).startsWith(false, false, false, false, false, true, false);
		assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
		assertThat(leaf.getNotBefore().toInstant()).isEqualTo(notBefore);
	}

	@Test
	void builderLeavesExtensionsOut() {
		X509Certificate leaf = this.ca.leaf()
			.subject("CN=web")
			.noBasicConstraints()
			.noKeyUsage()
			.noExtendedKeyUsage()
			.issue()
			.getCertificate();
		assertThat(leaf.getExtensionValue("2.5.29.19")).isNull();
		assertThat(leaf.getExtensionValue("2.5.29.15")).isNull();
		assertThat(leaf.getExtensionValue("2.5.29.37")).isNull();
		assertThat(leaf.getExtensionValue("2.5.29.17")).isNull();
	}

	@Test
	void leafSignedByAnIntermediateCarriesTheIntermediateAndValidatesAgainstTheRoot() throws Exception {
		IssuedCertificate intermediate = this.ca.intermediate().issue();
		IssuedCertificate leaf = this.ca.leaf("web").signedBy(intermediate).issue();
		assertThat(leaf.getChain()).containsExactly(leaf.getCertificate(), intermediate.getCertificate());
		validate(leaf.getChain(), this.ca.getRootCertificate());
	}

	@Test
	void crossSignedRootLetsAnOldRootOnlyPeerValidateNewRootLeaves() throws Exception {
		TestCertificateAuthority newCa = TestCertificateAuthority.create(TRUST_DOMAIN);
		IssuedCertificate crossSigned = this.ca.crossSign(newCa);
		X509Certificate leaf = newCa.leaf("web").issue().getCertificate();
		assertThat(crossSigned.getCertificate().getSubjectX500Principal())
			.isEqualTo(newCa.getRootCertificate().getSubjectX500Principal());
		assertThat(crossSigned.getCertificate().getPublicKey()).isEqualTo(newCa.getRootCertificate().getPublicKey());
		validate(List.of(leaf, crossSigned.getCertificate()), this.ca.getRootCertificate());
	}

	@Test
	void pemEncodingsParse() throws Exception {
		IssuedCertificate web = this.ca.leaf("web").signedBy(this.ca.intermediate().issue()).issue();
		assertThat(web.getChainPem()).startsWith("-----BEGIN CERTIFICATE-----\n");
		assertThat(PemContent.of(web.getChainPem()).getCertificates()).containsExactlyElementsOf(web.getChain());
		assertThat(PemContent.of(web.getCertificatePem()).getCertificates()).containsExactly(web.getCertificate());
		assertThat(web.getPrivateKeyPem()).startsWith("-----BEGIN EC PRIVATE KEY-----\n");
		assertThat(scalar(PemContent.of(web.getPrivateKeyPem()).getPrivateKey()))
			.isEqualTo(scalar(web.getPrivateKey()));
		assertThat(web.getPrivateKeyPkcs8Pem()).startsWith("-----BEGIN PRIVATE KEY-----\n");
		assertThat(scalar(pkcs8(web.getPrivateKeyPkcs8Pem()))).isEqualTo(scalar(web.getPrivateKey()));
		assertThat(this.ca.getPrivateKeyPem()).startsWith("-----BEGIN EC PRIVATE KEY-----\n");
		assertThat(scalar(PemContent.of(this.ca.getPrivateKeyPem()).getPrivateKey()))
			.isEqualTo(scalar(this.ca.getPrivateKey()));
		assertThat(PemContent.of(this.ca.getRootCertPem()).getCertificates())
			.containsExactly(this.ca.getRootCertificate());
		assertThat(web.toString()).contains("<hidden>").doesNotContain(web.getPrivateKeyPem());
	}

	@Test
	void zeroSignatureKeepsTheCertificateButBreaksItsSignature() throws Exception {
		X509Certificate leaf = this.ca.leaf("web").issue().getCertificate();
		X509Certificate zeroed = TestCertificateAuthority.zeroSignature(leaf);
		assertThat(zeroed.getTBSCertificate()).isEqualTo(leaf.getTBSCertificate());
		assertThat(zeroed.getSignature()).containsExactly(0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00);
		assertThatExceptionOfType(SignatureException.class)
			.isThrownBy(() -> zeroed.verify(this.ca.getRootCertificate().getPublicKey()));
	}

	private static List<String> uriSans(X509Certificate certificate) throws Exception {
		Collection<List<?>> names = certificate.getSubjectAlternativeNames();
		return names.stream().filter((name) -> name.get(0).equals(6)).map((name) -> (String) name.get(1)).toList();
	}

	private static void validate(List<X509Certificate> path, X509Certificate root) throws Exception {
		PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
		parameters.setRevocationEnabled(false);
		CertPathValidator.getInstance("PKIX")
			.validate(CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
	}

	private static BigInteger scalar(PrivateKey key) {
		return ((ECPrivateKey) key).getS();
	}

	private static PrivateKey pkcs8(String pem) throws Exception {
		String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
		return KeyFactory.getInstance("EC")
			.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
	}

}
