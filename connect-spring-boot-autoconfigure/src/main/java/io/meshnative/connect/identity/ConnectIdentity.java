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

package io.meshnative.connect.identity;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.meshnative.connect.agent.internal.CaRoots;
import io.meshnative.connect.agent.internal.LeafCertificate;
import io.meshnative.connect.identity.internal.ConnectIdentities;
import io.meshnative.connect.identity.internal.MeshTls;
import io.meshnative.connect.identity.internal.RememberingTrustManager;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundleKey;
import org.springframework.boot.ssl.SslManagerBundle;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.boot.ssl.pem.PemContent;
import org.springframework.boot.ssl.pem.PemSslStore;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.util.function.SingletonSupplier;

/**
 * An immutable snapshot of the service's mesh identity: the leaf certificate with the
 * intermediates the agent returned, its private key, and every root the agent lists
 * (active and inactive). A rotation produces a new snapshot; nothing in a snapshot
 * changes. {@link #toString()} never shows the key.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConnectIdentity {

	private final String service;

	private final String spiffeId;

	private final String trustDomain;

	private final String serialNumber;

	private final List<X509Certificate> chain;

	private final PrivateKey privateKey;

	private final List<X509Certificate> roots;

	private final String activeRootId;

	private final long leafIndex;

	private final long rootsIndex;

	private final SingletonSupplier<SslBundle> sslBundle;

	static {
		ConnectIdentities.install(new Factory());
	}

	private ConnectIdentity(String service, String spiffeId, String trustDomain, String serialNumber,
			List<X509Certificate> chain, PrivateKey privateKey, List<X509Certificate> roots, String activeRootId,
			long leafIndex, long rootsIndex) {
		this.service = service;
		this.spiffeId = spiffeId;
		this.trustDomain = trustDomain;
		this.serialNumber = serialNumber;
		this.chain = Collections.unmodifiableList(new ArrayList<>(chain));
		this.privateKey = privateKey;
		this.roots = Collections.unmodifiableList(new ArrayList<>(roots));
		this.activeRootId = activeRootId;
		this.leafIndex = leafIndex;
		this.rootsIndex = rootsIndex;
		this.sslBundle = SingletonSupplier.of(this::createSslBundle);
	}

	/**
	 * Create a snapshot from the agent's roots and leaf, checking that the material is
	 * usable: PEM that parses, a private key that matches the leaf, a leaf for the
	 * expected service, at least one root. Applications read snapshots from
	 * {@link ConnectIdentityManager#getIdentity()}; building them from the agent's
	 * material is the manager's job (the benchmarks use {@link ConnectIdentities}).
	 * @param service the service name the leaf must be for
	 * @param roots the roots
	 * @param rootsIndex the query index of the roots
	 * @param leaf the leaf
	 * @param leafIndex the query index of the leaf
	 * @return the snapshot
	 * @throws InvalidIdentityException if the material is not usable
	 */
	static ConnectIdentity of(String service, CaRoots roots, long rootsIndex, LeafCertificate leaf, long leafIndex) {
		List<X509Certificate> rootCertificates = parseRoots(roots);
		ParsedLeaf parsed = parseLeaf(service, leaf);
		return new ConnectIdentity(service, leaf.serviceUri(), roots.trustDomain(), leaf.serialNumber(), parsed.chain(),
				parsed.key(), rootCertificates, roots.activeRootId(), leafIndex, rootsIndex);
	}

	/**
	 * Return a copy with new roots and the same leaf.
	 * @param roots the new roots
	 * @param rootsIndex their query index
	 * @return the new snapshot
	 * @throws InvalidIdentityException if the roots are not usable
	 */
	ConnectIdentity withRoots(CaRoots roots, long rootsIndex) {
		return new ConnectIdentity(this.service, this.spiffeId, roots.trustDomain(), this.serialNumber, this.chain,
				this.privateKey, parseRoots(roots), roots.activeRootId(), this.leafIndex, rootsIndex);
	}

	/**
	 * Return a copy with a new leaf and the same roots.
	 * @param leaf the new leaf
	 * @param leafIndex its query index
	 * @return the new snapshot
	 * @throws InvalidIdentityException if the leaf is not usable
	 */
	ConnectIdentity withLeaf(LeafCertificate leaf, long leafIndex) {
		ParsedLeaf parsed = parseLeaf(this.service, leaf);
		return new ConnectIdentity(this.service, leaf.serviceUri(), this.trustDomain, leaf.serialNumber(),
				parsed.chain(), parsed.key(), this.roots, this.activeRootId, leafIndex, this.rootsIndex);
	}

	private static ParsedLeaf parseLeaf(String service, LeafCertificate leaf) {
		List<X509Certificate> chain = parseCertificates(leaf.certPem(), "leaf CertPEM");
		if (chain.isEmpty()) {
			throw new InvalidIdentityException("the leaf CertPEM holds no certificate");
		}
		PrivateKey key = keyOf(leaf);
		checkKeyMatches(chain.get(0), key);
		if (!leaf.service().isEmpty() && !leaf.service().equals(service)) {
			throw new InvalidIdentityException(
					"the leaf is for service '" + leaf.service() + "', not '" + service + "'");
		}
		return new ParsedLeaf(chain, key);
	}

	private static List<X509Certificate> parseRoots(CaRoots roots) {
		List<X509Certificate> certificates = new ArrayList<>();
		for (CaRoots.Root root : roots.roots()) {
			certificates.addAll(parseCertificates(root.rootCert(), "root " + root.id()));
		}
		if (certificates.isEmpty()) {
			throw new InvalidIdentityException("the agent lists no CA root");
		}
		if (roots.trustDomain().isEmpty()) {
			throw new InvalidIdentityException("the roots response has no TrustDomain");
		}
		return certificates;
	}

	private static List<X509Certificate> parseCertificates(String pem, String what) {
		try {
			return PemContent.of(pem).getCertificates();
		}
		catch (RuntimeException ex) {
			throw new InvalidIdentityException(
					"the " + what + " is not a valid PEM certificate (" + ex.getMessage() + ")", ex);
		}
	}

	private static PrivateKey keyOf(LeafCertificate leaf) {
		String error = leaf.privateKeyError();
		if (error != null) {
			throw new InvalidIdentityException(error);
		}
		return leaf.privateKey();
	}

	private static void checkKeyMatches(X509Certificate certificate, PrivateKey key) {
		PublicKey publicKey = certificate.getPublicKey();
		if (!publicKey.getAlgorithm().equals(key.getAlgorithm())) {
			throw new InvalidIdentityException("the leaf private key (" + key.getAlgorithm()
					+ ") does not match the certificate (" + publicKey.getAlgorithm() + ")");
		}
		if (publicKey instanceof java.security.interfaces.ECPublicKey ecPublic
				&& key instanceof java.security.interfaces.ECPrivateKey ecPrivate
				&& !ecPublic.getParams().getCurve().equals(ecPrivate.getParams().getCurve())) {
			throw new InvalidIdentityException("the leaf private key is on another curve than the certificate");
		}
	}

	private SslBundle createSslBundle() {
		PemSslStore keyStore = PemSslStore.of(this.chain, this.privateKey);
		PemSslStore trustStore = PemSslStore.of(this.roots, null);
		PemSslStoreBundle stores = new PemSslStoreBundle(keyStore, trustStore);
		SslManagerBundle pkix = SslManagerBundle.from(stores, SslBundleKey.NONE);
		SslManagerBundle managers = SslManagerBundle.of(pkix.getKeyManagerFactory(),
				RememberingTrustManager.wrap(pkix.getTrustManagerFactory()));
		return SslBundle.of(stores, SslBundleKey.NONE, SslOptions.of(null, MeshTls.protocols()),
				SslBundle.DEFAULT_PROTOCOL, managers);
	}

	/**
	 * Return this identity as an SSL bundle: a key store with the leaf chain and key, a
	 * trust store with every root, TLS 1.2 and 1.3 only. Its trust managers (used by
	 * Reactor Netty; Tomcat builds its own from the trust store) remember the caller
	 * chains they accepted, so a caller's repeated full handshakes skip PKIX validation
	 * (see {@link RememberingTrustManager}).
	 * @return the SSL bundle
	 */
	public SslBundle toSslBundle() {
		return this.sslBundle.obtain();
	}

	/**
	 * Return the service name.
	 * @return the service name
	 */
	public String getService() {
		return this.service;
	}

	/**
	 * Return the SPIFFE ID of the leaf.
	 * @return the SPIFFE ID
	 */
	public String getSpiffeId() {
		return this.spiffeId;
	}

	/**
	 * Return the trust domain of the roots.
	 * @return the trust domain
	 */
	public String getTrustDomain() {
		return this.trustDomain;
	}

	/**
	 * Return the serial number of the leaf, colon-hex as Consul reports it.
	 * @return the serial number
	 */
	public String getSerialNumber() {
		return this.serialNumber;
	}

	/**
	 * Return the leaf certificate followed by the intermediates the agent returned.
	 * @return the chain
	 */
	public List<X509Certificate> getChain() {
		return this.chain;
	}

	/**
	 * Return the leaf certificate.
	 * @return the leaf
	 */
	public X509Certificate getLeaf() {
		return this.chain.get(0);
	}

	/**
	 * Return the private key of the leaf.
	 * @return the private key
	 */
	public PrivateKey getPrivateKey() {
		return this.privateKey;
	}

	/**
	 * Return every root to trust, active and inactive.
	 * @return the roots
	 */
	public List<X509Certificate> getRoots() {
		return this.roots;
	}

	/**
	 * Return the ID of the active root.
	 * @return the active root ID
	 */
	public String getActiveRootId() {
		return this.activeRootId;
	}

	/**
	 * Return the end of the leaf's validity.
	 * @return the expiry
	 */
	public Instant getExpiry() {
		return getLeaf().getNotAfter().toInstant();
	}

	/**
	 * Return the start of the leaf's validity.
	 * @return the start
	 */
	public Instant getValidFrom() {
		return getLeaf().getNotBefore().toInstant();
	}

	long getLeafIndex() {
		return this.leafIndex;
	}

	long getRootsIndex() {
		return this.rootsIndex;
	}

	@Override
	public String toString() {
		return "ConnectIdentity[spiffeId=" + this.spiffeId + ", serial=" + this.serialNumber + ", expiry=" + getExpiry()
				+ ", roots=" + this.roots.size() + ", privateKey=<hidden>]";
	}

	private record ParsedLeaf(List<X509Certificate> chain, PrivateKey key) {

	}

	/**
	 * The factories above, for {@link ConnectIdentities}.
	 */
	private static final class Factory implements ConnectIdentities.Factory {

		@Override
		public ConnectIdentity of(String service, CaRoots roots, long rootsIndex, LeafCertificate leaf,
				long leafIndex) {
			return ConnectIdentity.of(service, roots, rootsIndex, leaf, leafIndex);
		}

		@Override
		public ConnectIdentity withRoots(ConnectIdentity identity, CaRoots roots, long rootsIndex) {
			return identity.withRoots(roots, rootsIndex);
		}

		@Override
		public ConnectIdentity withLeaf(ConnectIdentity identity, LeafCertificate leaf, long leafIndex) {
			return identity.withLeaf(leaf, leafIndex);
		}

	}

}
