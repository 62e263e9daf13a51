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

package io.meshnative.connect.identity.internal;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

import io.meshnative.connect.identity.SpiffeId;
import io.meshnative.connect.test.IssuedCertificate;
import io.meshnative.connect.test.TestCertificateAuthority;
import io.meshnative.connect.test.TestCertificateAuthority.KeyPurpose;
import io.meshnative.connect.test.TestCertificateAuthority.KeyUsageBit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link SvidValidator}. Method names end with the case ID of
 * security-test-catalogue §4.1 they cover ({@code _THS01} is T-HS-01).
 *
 * @author connect-spring-boot authors
 */
class SvidValidatorTests {

	private static final String TD = "7f2c0b3e-0d6e-4a53-9b0c-2c41f1a4f3b1.consul";

	private static final SpiffeId WEB = SpiffeId.forService(TD, "default", "dc1", "web");

	private final TestCertificateAuthority ca = TestCertificateAuthority.create(TD);

	private final List<X509Certificate> roots = List.of(this.ca.getRootCertificate());

	private final SvidValidator validator = new SvidValidator();

	private final Instant now = Instant.now();

	@Test
	void consulShapedLeafIsAcceptedOnBothSides() throws Exception {
		X509Certificate[] chain = this.ca.leaf("web").issue().getChainArray();
		assertThat(this.validator.validateClient(chain, this.roots, TD, this.now)).isEqualTo(WEB);
		assertThat(this.validator.validateServer(chain, this.roots, TD, this.now)).isEqualTo(WEB);
	}

	@Test
	void leafSignedByAnIntermediateIsAccepted() throws Exception {
		IssuedCertificate intermediate = this.ca.intermediate().issue();
		IssuedCertificate leaf = this.ca.leaf("web").signedBy(intermediate).issue();
		assertThat(leaf.getChain()).hasSize(2);
		assertThat(this.validator.validateClient(leaf.getChainArray(), this.roots, TD, this.now)).isEqualTo(WEB);
	}

	@Test
	void pathIsBuiltThroughPeerCertificatesInAnyOrder() throws Exception {
		IssuedCertificate first = this.ca.intermediate().issue();
		IssuedCertificate second = this.ca.intermediate().signedBy(first).issue();
		IssuedCertificate leaf = this.ca.leaf("web").signedBy(second).issue();
		X509Certificate unrelated = TestCertificateAuthority.create(TD).getRootCertificate();
		X509Certificate[] shuffled = { leaf.getCertificate(), unrelated, first.getCertificate(),
				this.ca.getRootCertificate(), second.getCertificate() };
		assertThat(this.validator.validateServer(shuffled, this.roots, TD, this.now)).isEqualTo(WEB);
	}

	@Test
	void emptyChainAndNoRootsAreRejected() {
		X509Certificate[] chain = this.ca.leaf("web").issue().getChainArray();
		assertRejected("empty-chain", new X509Certificate[0], this.roots);
		assertRejected("no-roots", chain, Collections.emptyList());
	}

	@Test
	void zeroUriSansIsRejected_THS01() {
		assertRejected("no-uri-san", this.ca.leaf().subject("CN=web").issue());
		assertRejected("no-uri-san", this.ca.leaf().dnsNames("web.service.consul").issue());
	}

	@Test
	void twoUriSansAreRejected_THS02() {
		String db = this.ca.serviceId("db");
		assertRejected("multiple-uri-sans", this.ca.leaf("web").uris(this.ca.serviceId("web"), db).issue());
		assertRejected("multiple-uri-sans", this.ca.leaf("web").uris(db, db).issue());
		assertRejected("multiple-uri-sans",
				this.ca.leaf("web").uris(this.ca.serviceId("web"), "https://example.com/").issue());
	}

	@Test
	void caLeafIsRejected_THS03() {
		assertRejected("ca-leaf", this.ca.leaf("web").ca(true).issue());
	}

	@Test
	void trustedRootPresentedAsLeafIsRejected_THS03() {
		assertRejected("ca-leaf", this.ca.getRoot());
		assertRejected("ca-leaf", this.ca.intermediate().issue());
	}

	@Test
	void leafWithoutBasicConstraintsIsAccepted() throws Exception {
		X509Certificate[] chain = this.ca.leaf("web").noBasicConstraints().issue().getChainArray();
		assertThat(this.validator.validateClient(chain, this.roots, TD, this.now)).isEqualTo(WEB);
	}

	@Test
	void leafWithKeyCertSignOrCrlSignIsRejected_THS04() {
		assertRejected("key-usage",
				this.ca.leaf("web").keyUsage(KeyUsageBit.DIGITAL_SIGNATURE, KeyUsageBit.KEY_CERT_SIGN).issue());
		assertRejected("key-usage",
				this.ca.leaf("web").keyUsage(KeyUsageBit.DIGITAL_SIGNATURE, KeyUsageBit.CRL_SIGN).issue());
	}

	@Test
	void leafWithoutDigitalSignatureIsRejected_THS05() {
		assertRejected("key-usage",
				this.ca.leaf("web")
					.keyUsage(KeyUsageBit.KEY_ENCIPHERMENT, KeyUsageBit.DATA_ENCIPHERMENT, KeyUsageBit.KEY_AGREEMENT)
					.issue());
		assertRejected("key-usage", this.ca.leaf("web").noKeyUsage().issue());
	}

	@Test
	void leafWithAnEmptyKeyUsageIsRejected_THS05() {
		IssuedCertificate leaf = this.ca.leaf("web").keyUsage().issue();
		// JDK 17's PKIX validation refuses the empty KeyUsage itself ("untrusted"); JDK
		// 25's
		// accepts the path and our own key-usage rule refuses it.
		for (SvidValidationException failure : List.of(clientFailure(leaf.getChainArray(), this.roots),
				serverFailure(leaf.getChainArray(), this.roots))) {
			assertThat(failure.getReason()).isIn("untrusted", "key-usage");
			assertThat(failure.getMessage().replace(" ", "")).containsIgnoringCase("KeyUsage");
		}
	}

	@Test
	void callerWithServerAuthOnlyIsRejectedOnTheServerSide_THS06() throws Exception {
		X509Certificate[] chain = this.ca.leaf("web").extendedKeyUsage(KeyPurpose.SERVER_AUTH).issue().getChainArray();
		assertThat(clientFailure(chain, this.roots).getReason()).isEqualTo("eku");
		assertThat(this.validator.validateServer(chain, this.roots, TD, this.now)).isEqualTo(WEB);
	}

	@Test
	void serverWithClientAuthOnlyIsRejectedOnTheClientSide_THS07() throws Exception {
		X509Certificate[] chain = this.ca.leaf("web").extendedKeyUsage(KeyPurpose.CLIENT_AUTH).issue().getChainArray();
		assertThat(serverFailure(chain, this.roots).getReason()).isEqualTo("eku");
		assertThat(this.validator.validateClient(chain, this.roots, TD, this.now)).isEqualTo(WEB);
	}

	@Test
	void leafWithoutOrWithOtherExtendedKeyUsageIsRejected_THS06_THS07() {
		assertRejected("eku", this.ca.leaf("web").noExtendedKeyUsage().issue());
		assertRejected("eku", this.ca.leaf("web").extendedKeyUsage(KeyPurpose.CODE_SIGNING).issue());
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "/" })
	void rootIdIsRejected_THS08(String path) {
		assertRejected("path", this.ca.leaf().uris("spiffe://" + TD + path).issue());
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://", "http://", "SPIFFE://", "Spiffe://", "spiffes://" })
	void nonSpiffeSchemeIsRejected_THS09(String scheme) {
		assertRejected("scheme", this.ca.leaf().uris(scheme + TD + "/ns/default/dc/dc1/svc/web").issue());
	}

	@Test
	void urnIsRejected_THS09() {
		assertRejected("scheme", this.ca.leaf().uris("urn:spiffe:" + TD + ":ns:default:dc:dc1:svc:web").issue());
	}

	@Test
	void foreignCaWithTheSameSpiffeIdIsRejected_THS10() throws Exception {
		TestCertificateAuthority foreign = TestCertificateAuthority.create(TD);
		IssuedCertificate impostor = foreign.leaf("web").issue();
		assertThat(impostor.getCertificate().getSubjectAlternativeNames()).containsExactly(List.of(6, WEB.toUri()));
		assertRejected("untrusted", impostor);
	}

	@Test
	void ourCaNamingAnotherTrustDomainIsRejected_THS10() {
		assertRejected("trust-domain",
				this.ca.leaf()
					.uris("spiffe://0bad0bad-0000-0000-0000-000000000000.consul/ns/default/dc/dc1/svc/web")
					.issue());
		assertRejected("trust-domain",
				this.ca.leaf().uris("spiffe://" + TD + ".evil/ns/default/dc/dc1/svc/web").issue());
		assertRejected("trust-domain", this.ca.leaf().uris("spiffe://x" + TD + "/ns/default/dc/dc1/svc/web").issue());
		assertRejected("trust-domain",
				this.ca.leaf().uris("spiffe://user@" + TD + "/ns/default/dc/dc1/svc/web").issue());
		assertRejected("trust-domain",
				this.ca.leaf().uris("spiffe://" + TD + ":443/ns/default/dc/dc1/svc/web").issue());
	}

	@Test
	void trustDomainIsComparedCaseInsensitively_THS10_THS19() throws Exception {
		X509Certificate[] upper = this.ca.leaf()
			.uris(WEB.toUri().replace(TD, TD.toUpperCase()))
			.issue()
			.getChainArray();
		assertThat(this.validator.validateClient(upper, this.roots, TD, this.now)).isEqualTo(WEB);
		X509Certificate[] lower = this.ca.leaf("web").issue().getChainArray();
		assertThat(this.validator.validateClient(lower, this.roots, TD.toUpperCase(), this.now)).isEqualTo(WEB);
	}

	@Test
	void spiffeIdOnlyInADnsOrEmailSanIsRejected_THS11() {
		assertRejected("no-uri-san", this.ca.leaf().subject("CN=web").dnsNames(WEB.toUri()).issue());
		assertRejected("no-uri-san", this.ca.leaf().subject("CN=web").emails(WEB.toUri()).issue());
		assertRejected("no-uri-san", this.ca.leaf().subject("CN=web").dnsNames(TD).emails("web@" + TD).issue());
	}

	@Test
	void onlyTheUriSanIsReadWhenOtherSanTypesArePresent_THS11() throws Exception {
		X509Certificate[] chain = this.ca.leaf("db")
			.subject("CN=web")
			.dnsNames("web.service.consul")
			.emails("web@example.com")
			.issue()
			.getChainArray();
		assertThat(this.validator.validateClient(chain, this.roots, TD, this.now).service()).isEqualTo("db");
	}

	@ParameterizedTest
	@ValueSource(strings = { "/agent/client/dc/dc1/id/node1", "/ap/default/agent/client/dc/dc1/id/node1",
			"/agent/server/dc/dc1", "/gateway/mesh/dc/dc1", "/ap/part1/gateway/mesh/dc/dc1", "/ns/default/dc/dc1",
			"/ns/default/dc/dc1/svc/web/extra", "/workload/web" })
	void agentServerGatewayAndOtherNonServiceIdsAreRejected_THS12(String path) {
		assertRejected("not-a-service", this.ca.leaf().uris("spiffe://" + TD + path).issue());
	}

	@Test
	void queryAndFragmentAreRejected() {
		assertRejected("path", this.ca.leaf().uris(WEB.toUri() + "?admin=true").issue());
		assertRejected("path", this.ca.leaf().uris(WEB.toUri() + "#frag").issue());
	}

	@Test
	void expiredLeafIsRejected_THS13() {
		Instant notBefore = this.now.minus(Duration.ofDays(4));
		IssuedCertificate leaf = this.ca.leaf("web").validity(notBefore, this.now.minusSeconds(1)).issue();
		assertRejected("expired", leaf);
	}

	@Test
	void notYetValidLeafIsRejected_THS13() {
		Instant notBefore = this.now.plus(Duration.ofMinutes(5));
		IssuedCertificate leaf = this.ca.leaf("web").validity(notBefore, notBefore.plus(Duration.ofHours(72))).issue();
		assertRejected("not-yet-valid", leaf);
	}

	@Test
	void validityIsJudgedAtTheGivenInstant_THS13() throws Exception {
		IssuedCertificate leaf = this.ca.leaf("web").issue();
		Instant afterExpiry = leaf.getCertificate().getNotAfter().toInstant().plusSeconds(1);
		assertThat(this.validator.validateClient(leaf.getChainArray(), this.roots, TD, this.now)).isEqualTo(WEB);
		assertThatExceptionOfType(SvidValidationException.class)
			.isThrownBy(() -> this.validator.validateClient(leaf.getChainArray(), this.roots, TD, afterExpiry))
			.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo("expired"));
	}

	@Test
	void chainMissingTheSigningIntermediateIsRejected_THS14() {
		IssuedCertificate intermediate = this.ca.intermediate().issue();
		IssuedCertificate leaf = this.ca.leaf("web").signedBy(intermediate).issue();
		assertRejected("untrusted", new X509Certificate[] { leaf.getCertificate() }, this.roots);
	}

	@Test
	void expiredIntermediateIsRejected_THS15() {
		Instant notBefore = this.now.minus(Duration.ofDays(30));
		IssuedCertificate intermediate = this.ca.intermediate().validity(notBefore, this.now.minusSeconds(1)).issue();
		IssuedCertificate leaf = this.ca.leaf("web").signedBy(intermediate).issue();
		SvidValidationException failure = clientFailure(leaf.getChainArray(), this.roots);
		assertThat(failure.getReason()).isEqualTo("expired");
		assertThat(failure.getMessage()).contains("certificate 1 of the path");
		assertThat(serverFailure(leaf.getChainArray(), this.roots).getReason()).isEqualTo("expired");
	}

	@Test
	void untrustedCaIsRejected_THS16() {
		TestCertificateAuthority unknown = TestCertificateAuthority.create(TD);
		IssuedCertificate intermediate = unknown.intermediate().issue();
		IssuedCertificate leaf = unknown.leaf("web").signedBy(intermediate).issue();
		assertRejected("untrusted", leaf);
		X509Certificate[] withUnknownRoot = { leaf.getCertificate(), intermediate.getCertificate(),
				unknown.getRootCertificate() };
		SvidValidationException failure = clientFailure(withUnknownRoot, this.roots);
		assertThat(failure.getReason()).isEqualTo("untrusted");
		assertThat(failure.getMessage()).contains("does not chain with any of the trust anchors");
	}

	@Test
	void leafSignedByANonCaPeerCertificateIsRejected() {
		IssuedCertificate signer = this.ca.leaf("web").subject("CN=web").issue();
		IssuedCertificate leaf = this.ca.leaf("db").signedBy(signer).issue();
		assertThat(leaf.getChain()).hasSize(2);
		assertRejected("untrusted", leaf);
	}

	@Test
	void pathValidationRunsBeforeAnyIdentityRule_THS18() {
		TestCertificateAuthority unknown = TestCertificateAuthority.create(TD);
		IssuedCertificate everythingWrong = unknown.leaf()
			.uris("https://evil.example/", this.ca.serviceId("db"))
			.ca(true)
			.keyUsage(KeyUsageBit.KEY_CERT_SIGN)
			.noExtendedKeyUsage()
			.issue();
		assertRejected("untrusted", everythingWrong);
	}

	@Test
	void escapedServiceNameIsUnescapedOnce_THS19() throws Exception {
		X509Certificate[] chain = this.ca.leaf()
			.uris("spiffe://" + TD + "/ns/default/dc/dc1/svc/w%65b")
			.issue()
			.getChainArray();
		SpiffeId peer = this.validator.validateClient(chain, this.roots, TD, this.now);
		assertThat(peer).isEqualTo(WEB);
		assertThat(peer.sameService(WEB)).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = { "Web", "WEB", "w%2565b", "web%2F" })
	void serviceNameVariantsAreOtherServices_THS19(String presented) throws Exception {
		X509Certificate[] chain = this.ca.leaf()
			.uris("spiffe://" + TD + "/ns/default/dc/dc1/svc/" + presented)
			.issue()
			.getChainArray();
		SpiffeId peer = this.validator.validateServer(chain, this.roots, TD, this.now);
		assertThat(peer.sameService(WEB)).isFalse();
		assertThat(WEB.sameService(peer)).isFalse();
	}

	@Test
	void zeroedEcdsaSignatureIsRejected_THS20() {
		IssuedCertificate leaf = this.ca.leaf("web").issue();
		X509Certificate zeroed = TestCertificateAuthority.zeroSignature(leaf.getCertificate());
		assertRejected("untrusted", new X509Certificate[] { zeroed }, this.roots);
		assertThat(clientFailure(new X509Certificate[] { zeroed }, this.roots).getMessage())
			.contains("signature check failed");
	}

	@Test
	void zeroedEcdsaSignatureOnTheIntermediateIsRejected_THS20() {
		IssuedCertificate intermediate = this.ca.intermediate().issue();
		IssuedCertificate leaf = this.ca.leaf("web").signedBy(intermediate).issue();
		X509Certificate[] chain = { leaf.getCertificate(),
				TestCertificateAuthority.zeroSignature(intermediate.getCertificate()) };
		assertRejected("untrusted", chain, this.roots);
	}

	@Test
	void jdkIsNotVulnerableToPsychicSignatures_THS20() {
		Runtime.Version version = Runtime.version();
		assertThat(version.feature() > 17 || (version.feature() == 17 && version.update() >= 3))
			.as("JDK %s must be 17.0.3 or later (CVE-2022-21449)", version)
			.isTrue();
	}

	@Test
	void newRootLeafWithCrossSignedCertificateIsAcceptedByAnOldRootOnlyVerifier_THS21() throws Exception {
		TestCertificateAuthority newCa = TestCertificateAuthority.create(TD);
		IssuedCertificate crossSigned = this.ca.crossSign(newCa);
		IssuedCertificate leaf = newCa.leaf("web").issue();
		X509Certificate[] chain = { leaf.getCertificate(), crossSigned.getCertificate() };
		assertThat(this.validator.validateClient(chain, this.roots, TD, this.now)).isEqualTo(WEB);
		assertThat(this.validator.validateServer(chain, this.roots, TD, this.now)).isEqualTo(WEB);
	}

	@Test
	void newRootLeafWithoutCrossSignedCertificateIsRejectedByAnOldRootOnlyVerifier_THS22() {
		TestCertificateAuthority newCa = TestCertificateAuthority.create(TD);
		IssuedCertificate leaf = newCa.leaf("web").issue();
		assertRejected("untrusted", leaf);
	}

	@Test
	void oldRootLeafIsAcceptedByAVerifierHoldingTheNewRootsList_THS23() throws Exception {
		TestCertificateAuthority newCa = TestCertificateAuthority.create(TD);
		List<X509Certificate> newRoots = List.of(newCa.getRootCertificate(), this.ca.getRootCertificate());
		IssuedCertificate oldLeaf = this.ca.leaf("web").issue();
		assertThat(this.validator.validateClient(oldLeaf.getChainArray(), newRoots, TD, this.now)).isEqualTo(WEB);
		IssuedCertificate crossSigned = this.ca.crossSign(newCa);
		X509Certificate[] newLeaf = { newCa.leaf("web").issue().getCertificate(), crossSigned.getCertificate() };
		assertThat(this.validator.validateServer(newLeaf, newRoots, TD, this.now)).isEqualTo(WEB);
	}

	@Test
	void oldRootLeafIsRejectedOnceItExpires_THS23() {
		TestCertificateAuthority newCa = TestCertificateAuthority.create(TD);
		List<X509Certificate> newRoots = List.of(newCa.getRootCertificate(), this.ca.getRootCertificate());
		IssuedCertificate oldLeaf = this.ca.leaf("web").issue();
		Instant afterExpiry = oldLeaf.getCertificate().getNotAfter().toInstant().plusSeconds(1);
		assertThatExceptionOfType(SvidValidationException.class)
			.isThrownBy(() -> this.validator.validateClient(oldLeaf.getChainArray(), newRoots, TD, afterExpiry))
			.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo("expired"));
	}

	private void assertRejected(String reason, IssuedCertificate peer) {
		assertRejected(reason, peer.getChainArray(), this.roots);
	}

	private void assertRejected(String reason, X509Certificate[] chain, Collection<X509Certificate> roots) {
		assertThat(clientFailure(chain, roots).getReason()).as("client side").isEqualTo(reason);
		assertThat(serverFailure(chain, roots).getReason()).as("server side").isEqualTo(reason);
	}

	private SvidValidationException clientFailure(X509Certificate[] chain, Collection<X509Certificate> roots) {
		return failure(() -> this.validator.validateClient(chain, roots, TD, this.now));
	}

	private SvidValidationException serverFailure(X509Certificate[] chain, Collection<X509Certificate> roots) {
		return failure(() -> this.validator.validateServer(chain, roots, TD, this.now));
	}

	private SvidValidationException failure(Validation validation) {
		try {
			SpiffeId accepted = validation.run();
			throw new AssertionError("Expected the chain to be rejected, but it was accepted as " + accepted);
		}
		catch (SvidValidationException ex) {
			return ex;
		}
	}

	@FunctionalInterface
	private interface Validation {

		SpiffeId run() throws SvidValidationException;

	}

}
