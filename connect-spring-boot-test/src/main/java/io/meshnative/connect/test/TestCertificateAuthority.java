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

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.jspecify.annotations.Nullable;

/**
 * A certificate authority for tests that issues Consul-style SPIFFE certificates, and any
 * defective variant of them.
 * <p>
 * The root is an EC P-256 self-signed certificate shaped like the roots of Consul's
 * built-in CA provider: subject {@code CN=Test CA }<i>uuid</i>, one URI SAN
 * {@code spiffe://}<i>trust-domain</i>, {@code cA=true}, key usage
 * {@code keyCertSign | cRLSign | digitalSignature}, subject and authority key
 * identifiers. Its key and certificate can be handed to a real agent
 * ({@link #forConsulTrustDomain(String)}, {@link #getPrivateKeyPem()},
 * {@link #getRootCertPem()}), so that the agent's leaves and this authority's
 * certificates chain to the same root.
 * <p>
 * {@link #leaf(String)} starts from the profile of a Consul service leaf (EC P-256, empty
 * subject, one critical URI SAN, {@code cA=false}, key usage
 * {@code digitalSignature | keyEncipherment | dataEncipherment | keyAgreement}, extended
 * key usage {@code clientAuth, serverAuth}, valid from one minute ago for 72 hours);
 * every property can then be changed, one per test: <pre class="code">
 * TestCertificateAuthority ca = TestCertificateAuthority.create("11111111-2222-3333-4444-555555555555.consul");
 * IssuedCertificate twoSans = ca.leaf("web").uris(ca.serviceId("web"), ca.serviceId("db")).issue();
 * </pre>
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class TestCertificateAuthority {

	private static final SecureRandom random = new SecureRandom();

	private static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";

	private final String trustDomain;

	private final IssuedCertificate root;

	private TestCertificateAuthority(String trustDomain, String commonName, Instant notBefore, Instant notAfter) {
		this.trustDomain = trustDomain;
		KeyPair keyPair = generateKeyPair();
		X500Name subject = new X500Name("CN=" + commonName);
		X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serialNumber(),
				Date.from(notBefore), Date.from(notAfter), subject, keyPair.getPublic());
		try {
			JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
			builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
			builder.addExtension(Extension.keyUsage, true,
					new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
			builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
					new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://" + trustDomain)));
			builder.addExtension(Extension.subjectKeyIdentifier, false,
					extensions.createSubjectKeyIdentifier(keyPair.getPublic()));
			builder.addExtension(Extension.authorityKeyIdentifier, false,
					extensions.createAuthorityKeyIdentifier(keyPair.getPublic()));
		}
		catch (IOException | GeneralSecurityException ex) {
			throw new IllegalStateException("Could not create root certificate", ex);
		}
		X509Certificate certificate = sign(builder, keyPair.getPrivate());
		this.root = new IssuedCertificate(List.of(certificate), keyPair.getPrivate());
	}

	/**
	 * Create an authority for the given trust domain, with a root valid from one minute
	 * ago for ten years.
	 * @param trustDomain the trust domain, for example
	 * {@code 11111111-2222-3333-4444-555555555555.consul}
	 * @return a new authority with a new root key
	 */
	public static TestCertificateAuthority create(String trustDomain) {
		Instant now = Instant.now();
		return new TestCertificateAuthority(trustDomain.toLowerCase(Locale.ROOT), "Test CA " + UUID.randomUUID(),
				now.minus(Duration.ofMinutes(1)), now.plus(Duration.ofDays(3650)));
	}

	/**
	 * Create an authority whose root can replace the root of a Consul agent's built-in CA
	 * provider, through {@code PUT /v1/connect/ca/configuration} with
	 * {@code {"Provider":"consul","Config":{"PrivateKey":getPrivateKeyPem(),
	 * "RootCert":getRootCertPem()}}}. The root is named like Consul's own
	 * ({@code CN=pri-}<i>random</i>{@code .consul.ca.}<i>cluster-id-prefix</i>{@code .consul})
	 * and carries the URI SAN {@code spiffe://}<i>trust-domain</i>, as Consul's roots do.
	 * <p>
	 * Observed with Consul 1.16.1: the agent accepts the key as SEC1
	 * ({@code EC PRIVATE KEY}) or PKCS#8 ({@code PRIVATE KEY}) PEM; it checks neither the
	 * URI SAN nor that the key matches the certificate when the configuration is written.
	 * A mismatched key is accepted and then breaks leaf signing ({@code x509: provided
	 * PrivateKey doesn't match parent's PublicKey}). The trust domain stays the cluster's
	 * whatever the root says, so pass the {@code TrustDomain} of
	 * {@code /v1/agent/connect/ca/roots}.
	 * @param trustDomain the cluster's trust domain: the cluster ID followed by
	 * {@code .consul}
	 * @return a new authority with a new root key
	 */
	public static TestCertificateAuthority forConsulTrustDomain(String trustDomain) {
		String domain = trustDomain.toLowerCase(Locale.ROOT);
		String clusterId = domain.split("\\.", 2)[0];
		clusterId = clusterId.substring(0, Math.min(8, clusterId.length()));
		String random = UUID.randomUUID().toString().replace("-", "").substring(0, 8);
		Instant now = Instant.now();
		return new TestCertificateAuthority(domain, "pri-" + random + ".consul.ca." + clusterId + ".consul",
				now.minus(Duration.ofMinutes(1)), now.plus(Duration.ofDays(3650)));
	}

	/**
	 * Return the trust domain, lower case.
	 * @return the trust domain
	 */
	public String getTrustDomain() {
		return this.trustDomain;
	}

	/**
	 * Return the root, as an issued certificate whose chain holds the root alone.
	 * @return the root
	 */
	public IssuedCertificate getRoot() {
		return this.root;
	}

	/**
	 * Return the root certificate.
	 * @return the root certificate
	 */
	public X509Certificate getRootCertificate() {
		return this.root.getCertificate();
	}

	/**
	 * Return the root certificate, PEM.
	 * @return the root certificate, PEM
	 */
	public String getRootCertPem() {
		return this.root.getCertificatePem();
	}

	/**
	 * Return the root private key.
	 * @return the root private key
	 */
	public PrivateKey getPrivateKey() {
		return this.root.getPrivateKey();
	}

	/**
	 * Return the root private key as SEC1 PEM ({@code EC PRIVATE KEY}), the form Consul
	 * expects in its CA configuration.
	 * @return the root private key, PEM
	 */
	public String getPrivateKeyPem() {
		return this.root.getPrivateKeyPem();
	}

	/**
	 * Return the SPIFFE ID of a service in namespace {@code default} and datacenter
	 * {@code dc1} of this trust domain.
	 * @param service the service name
	 * @return the SPIFFE ID,
	 * {@code spiffe://}<i>trust-domain</i>{@code /ns/default/dc/dc1/svc/}<i>service</i>
	 */
	public String serviceId(String service) {
		return "spiffe://" + this.trustDomain + "/ns/default/dc/dc1/svc/" + service;
	}

	/**
	 * Start a leaf certificate for a service of this trust domain with the Consul leaf
	 * profile, signed by the root.
	 * @param service the service name, written into the URI SAN as
	 * {@link #serviceId(String)}
	 * @return a builder
	 */
	public CertificateBuilder leaf(String service) {
		return leaf().uris(serviceId(service));
	}

	/**
	 * Start a leaf certificate with the Consul leaf profile but no SAN, signed by the
	 * root.
	 * @return a builder
	 */
	public CertificateBuilder leaf() {
		Instant notBefore = Instant.now().minus(Duration.ofMinutes(1));
		return new CertificateBuilder(this.root).ca(false)
			.keyUsage(KeyUsageBit.DIGITAL_SIGNATURE, KeyUsageBit.KEY_ENCIPHERMENT, KeyUsageBit.DATA_ENCIPHERMENT,
					KeyUsageBit.KEY_AGREEMENT)
			.extendedKeyUsage(KeyPurpose.CLIENT_AUTH, KeyPurpose.SERVER_AUTH)
			.validity(notBefore, notBefore.plus(Duration.ofHours(72)));
	}

	/**
	 * Start an intermediate CA certificate signed by the root: subject
	 * {@code CN=Test Intermediate }<i>uuid</i>, URI SAN
	 * {@code spiffe://}<i>trust-domain</i>, {@code cA=true}, key usage
	 * {@code keyCertSign | cRLSign | digitalSignature}, no extended key usage, valid from
	 * one minute ago for one year.
	 * @return a builder
	 */
	public CertificateBuilder intermediate() {
		Instant notBefore = Instant.now().minus(Duration.ofMinutes(1));
		return new CertificateBuilder(this.root).subject("CN=Test Intermediate " + UUID.randomUUID())
			.uris("spiffe://" + this.trustDomain)
			.ca(true)
			.keyUsage(KeyUsageBit.KEY_CERT_SIGN, KeyUsageBit.CRL_SIGN, KeyUsageBit.DIGITAL_SIGNATURE)
			.noExtendedKeyUsage()
			.validity(notBefore, notBefore.plus(Duration.ofDays(365)));
	}

	/**
	 * Cross-sign the root of another authority with this root, as Consul does on a root
	 * rotation: the result has the other root's subject, public key and extensions, is
	 * issued by this root and is valid from one minute ago for seven days. A leaf of the
	 * other authority followed by this certificate chains to this root.
	 * @param other the authority whose root is cross-signed
	 * @return the cross-signed certificate, with the other root's private key
	 */
	public IssuedCertificate crossSign(TestCertificateAuthority other) {
		X509Certificate otherRoot = other.getRootCertificate();
		Instant notBefore = Instant.now().minus(Duration.ofMinutes(1));
		X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(getRootCertificate(), serialNumber(),
				Date.from(notBefore), Date.from(notBefore.plus(Duration.ofDays(7))),
				otherRoot.getSubjectX500Principal(), otherRoot.getPublicKey());
		try {
			X509CertificateHolder template = new JcaX509CertificateHolder(otherRoot);
			for (ASN1ObjectIdentifier oid : List.of(Extension.basicConstraints, Extension.keyUsage,
					Extension.subjectAlternativeName, Extension.subjectKeyIdentifier)) {
				builder.copyAndAddExtension(oid, isCritical(otherRoot, oid), template);
			}
			builder.addExtension(Extension.authorityKeyIdentifier, false,
					new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(getRootCertificate()));
		}
		catch (IOException | GeneralSecurityException ex) {
			throw new IllegalStateException("Could not cross-sign root", ex);
		}
		return new IssuedCertificate(List.of(sign(builder, getPrivateKey())), other.getPrivateKey());
	}

	/**
	 * Return a copy of an ECDSA-signed certificate whose signature is replaced by
	 * {@code r = s = 0} (the "psychic signature" of CVE-2022-21449). The certificate
	 * parses; only signature verification can reject it.
	 * @param certificate the certificate
	 * @return the copy with a zeroed signature
	 */
	public static X509Certificate zeroSignature(X509Certificate certificate) {
		try {
			byte[] der = zeroSignature(certificate.getEncoded());
			CertificateFactory factory = CertificateFactory.getInstance("X.509");
			return (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der));
		}
		catch (CertificateException ex) {
			throw new IllegalStateException("Could not zero the signature", ex);
		}
	}

	/**
	 * Return a copy of the DER encoding of an ECDSA-signed certificate whose signature is
	 * replaced by the DER of {@code ECDSA-Sig-Value ::= SEQUENCE { r 0, s 0 }}.
	 * @param certificateDer the DER encoding of the certificate
	 * @return the DER encoding of the copy with a zeroed signature
	 */
	public static byte[] zeroSignature(byte[] certificateDer) {
		try {
			Certificate certificate = Certificate.getInstance(certificateDer);
			DERSequence zero = new DERSequence(new ASN1Integer[] { new ASN1Integer(0), new ASN1Integer(0) });
			DERSequence copy = new DERSequence(new ASN1Encodable[] { certificate.getTBSCertificate(),
					certificate.getSignatureAlgorithm(), new DERBitString(zero.getEncoded(ASN1Encoding.DER)) });
			return copy.getEncoded(ASN1Encoding.DER);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not zero the signature", ex);
		}
	}

	private static boolean isCritical(X509Certificate certificate, ASN1ObjectIdentifier oid) {
		Set<String> critical = certificate.getCriticalExtensionOIDs();
		return critical != null && critical.contains(oid.getId());
	}

	static KeyPair generateKeyPair() {
		try {
			KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
			generator.initialize(new ECGenParameterSpec("secp256r1"), random);
			return generator.generateKeyPair();
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("Could not generate an EC P-256 key pair", ex);
		}
	}

	static BigInteger serialNumber() {
		return new BigInteger(63, random).add(BigInteger.ONE);
	}

	static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signingKey) {
		try {
			return new JcaX509CertificateConverter()
				.getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE_ALGORITHM).build(signingKey)));
		}
		catch (OperatorCreationException | CertificateException ex) {
			throw new IllegalStateException("Could not sign certificate", ex);
		}
	}

	/**
	 * Key usage bits (RFC 5280 §4.2.1.3).
	 */
	public enum KeyUsageBit {

		/**
		 * {@code digitalSignature}.
		 */
		DIGITAL_SIGNATURE(KeyUsage.digitalSignature),

		/**
		 * {@code nonRepudiation} ({@code contentCommitment}).
		 */
		NON_REPUDIATION(KeyUsage.nonRepudiation),

		/**
		 * {@code keyEncipherment}.
		 */
		KEY_ENCIPHERMENT(KeyUsage.keyEncipherment),

		/**
		 * {@code dataEncipherment}.
		 */
		DATA_ENCIPHERMENT(KeyUsage.dataEncipherment),

		/**
		 * {@code keyAgreement}.
		 */
		KEY_AGREEMENT(KeyUsage.keyAgreement),

		/**
		 * {@code keyCertSign}.
		 */
		KEY_CERT_SIGN(KeyUsage.keyCertSign),

		/**
		 * {@code cRLSign}.
		 */
		CRL_SIGN(KeyUsage.cRLSign);

		private final int bit;

		KeyUsageBit(int bit) {
			this.bit = bit;
		}

	}

	/**
	 * Extended key usage purposes (RFC 5280 §4.2.1.12).
	 */
	public enum KeyPurpose {

		/**
		 * {@code id-kp-serverAuth}.
		 */
		SERVER_AUTH(KeyPurposeId.id_kp_serverAuth),

		/**
		 * {@code id-kp-clientAuth}.
		 */
		CLIENT_AUTH(KeyPurposeId.id_kp_clientAuth),

		/**
		 * {@code id-kp-codeSigning}.
		 */
		CODE_SIGNING(KeyPurposeId.id_kp_codeSigning);

		private final KeyPurposeId id;

		KeyPurpose(KeyPurposeId id) {
			this.id = id;
		}

	}

	/**
	 * Builder of one certificate. Each setter replaces the value set before.
	 */
	public static final class CertificateBuilder {

		private IssuedCertificate signer;

		private String subject = "";

		private List<String> uris = Collections.emptyList();

		private List<String> dnsNames = Collections.emptyList();

		private List<String> emails = Collections.emptyList();

		private @Nullable Boolean ca;

		private @Nullable Set<KeyUsageBit> keyUsage;

		private @Nullable Set<KeyPurpose> extendedKeyUsage;

		private Instant notBefore = Instant.now();

		private Instant notAfter = Instant.now();

		CertificateBuilder(IssuedCertificate signer) {
			this.signer = signer;
		}

		/**
		 * Set the subject distinguished name; empty (the default for leaves) means an
		 * empty subject, and makes the SAN extension critical. Java cannot parse a
		 * certificate with an empty subject and no SAN, so a leaf without SANs needs a
		 * subject.
		 * @param subject the subject, for example {@code CN=web}
		 * @return this builder
		 */
		public CertificateBuilder subject(String subject) {
			this.subject = subject;
			return this;
		}

		/**
		 * Set the URI SANs: none, one or several, written as given.
		 * @param uris the URIs
		 * @return this builder
		 */
		public CertificateBuilder uris(String... uris) {
			this.uris = List.of(uris);
			return this;
		}

		/**
		 * Set the DNS SANs.
		 * @param dnsNames the DNS names, written as given
		 * @return this builder
		 */
		public CertificateBuilder dnsNames(String... dnsNames) {
			this.dnsNames = List.of(dnsNames);
			return this;
		}

		/**
		 * Set the e-mail ({@code rfc822Name}) SANs.
		 * @param emails the e-mail addresses, written as given
		 * @return this builder
		 */
		public CertificateBuilder emails(String... emails) {
			this.emails = List.of(emails);
			return this;
		}

		/**
		 * Set the {@code cA} flag of a critical basic constraints extension.
		 * @param ca whether the certificate is a CA
		 * @return this builder
		 */
		public CertificateBuilder ca(boolean ca) {
			this.ca = ca;
			return this;
		}

		/**
		 * Leave the basic constraints extension out.
		 * @return this builder
		 */
		public CertificateBuilder noBasicConstraints() {
			this.ca = null;
			return this;
		}

		/**
		 * Set the bits of a critical key usage extension; no bits gives an extension with
		 * none set.
		 * @param bits the bits
		 * @return this builder
		 */
		public CertificateBuilder keyUsage(KeyUsageBit... bits) {
			this.keyUsage = (bits.length != 0) ? EnumSet.copyOf(Arrays.asList(bits))
					: EnumSet.noneOf(KeyUsageBit.class);
			return this;
		}

		/**
		 * Leave the key usage extension out.
		 * @return this builder
		 */
		public CertificateBuilder noKeyUsage() {
			this.keyUsage = null;
			return this;
		}

		/**
		 * Set the purposes of a non-critical extended key usage extension.
		 * @param purposes the purposes, at least one
		 * @return this builder
		 */
		public CertificateBuilder extendedKeyUsage(KeyPurpose... purposes) {
			this.extendedKeyUsage = EnumSet.copyOf(Arrays.asList(purposes));
			return this;
		}

		/**
		 * Leave the extended key usage extension out.
		 * @return this builder
		 */
		public CertificateBuilder noExtendedKeyUsage() {
			this.extendedKeyUsage = null;
			return this;
		}

		/**
		 * Set the validity window.
		 * @param notBefore start of validity
		 * @param notAfter end of validity
		 * @return this builder
		 */
		public CertificateBuilder validity(Instant notBefore, Instant notAfter) {
			this.notBefore = notBefore;
			this.notAfter = notAfter;
			return this;
		}

		/**
		 * Set the issuer: the root (the default) or an intermediate made with
		 * {@link TestCertificateAuthority#intermediate()}, of this or another authority.
		 * The issued chain is this certificate followed by the signer's chain, unless the
		 * signer is self-signed.
		 * @param signer the issuing certificate and key
		 * @return this builder
		 */
		public CertificateBuilder signedBy(IssuedCertificate signer) {
			this.signer = signer;
			return this;
		}

		/**
		 * Generate a new EC P-256 key pair and issue the certificate.
		 * @return the certificate, its chain and its private key
		 */
		public IssuedCertificate issue() {
			KeyPair keyPair = generateKeyPair();
			X509Certificate issuer = this.signer.getCertificate();
			X500Name subjectName = (this.subject.isEmpty()) ? new X500Name(new RDN[0]) : new X500Name(this.subject);
			X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, serialNumber(),
					Date.from(this.notBefore), Date.from(this.notAfter), subjectName, keyPair.getPublic());
			try {
				addExtensions(builder, keyPair.getPublic(), issuer);
			}
			catch (IOException | GeneralSecurityException ex) {
				throw new IllegalStateException("Could not create certificate", ex);
			}
			X509Certificate certificate = sign(builder, this.signer.getPrivateKey());
			List<X509Certificate> chain = new ArrayList<>();
			chain.add(certificate);
			if (!issuer.getSubjectX500Principal().equals(issuer.getIssuerX500Principal())) {
				chain.addAll(this.signer.getChain());
			}
			return new IssuedCertificate(chain, keyPair.getPrivate());
		}

		private void addExtensions(X509v3CertificateBuilder builder, PublicKey publicKey, X509Certificate issuer)
				throws IOException, GeneralSecurityException {
			JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
			if (this.ca != null) {
				builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(this.ca));
			}
			if (this.keyUsage != null) {
				int bits = 0;
				for (KeyUsageBit bit : this.keyUsage) {
					bits |= bit.bit;
				}
				builder.addExtension(Extension.keyUsage, true, new KeyUsage(bits));
			}
			if (this.extendedKeyUsage != null) {
				KeyPurposeId[] ids = this.extendedKeyUsage.stream()
					.map((purpose) -> purpose.id)
					.toArray(KeyPurposeId[]::new);
				builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(ids));
			}
			List<GeneralName> names = new ArrayList<>();
			this.uris.forEach((uri) -> names.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
			this.dnsNames.forEach((dnsName) -> names.add(new GeneralName(GeneralName.dNSName, dnsName)));
			this.emails.forEach((email) -> names.add(new GeneralName(GeneralName.rfc822Name, email)));
			if (!names.isEmpty()) {
				builder.addExtension(Extension.subjectAlternativeName, this.subject.isEmpty(),
						new GeneralNames(names.toArray(new GeneralName[0])));
			}
			builder.addExtension(Extension.subjectKeyIdentifier, false,
					extensions.createSubjectKeyIdentifier(publicKey));
			builder.addExtension(Extension.authorityKeyIdentifier, false,
					extensions.createAuthorityKeyIdentifier(issuer));
		}

	}

}
