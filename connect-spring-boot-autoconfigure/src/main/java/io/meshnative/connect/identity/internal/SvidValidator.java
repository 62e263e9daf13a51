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

import java.net.URI;
import java.net.URISyntaxException;
import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorException.BasicReason;
import java.security.cert.CertPathValidatorException.Reason;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.meshnative.connect.identity.SpiffeId;
import org.jspecify.annotations.Nullable;

/**
 * Validates a peer's X.509-SVID chain as the SPIFFE X.509-SVID specification and Consul
 * Connect require, and returns the peer's service identity.
 * <p>
 * The checks run in this order, and the first failure throws a
 * {@link SvidValidationException} with a reason code:
 * <ol>
 * <li>the leaf (first certificate) is within its validity window at {@code now};</li>
 * <li>RFC 5280 path validation ({@link CertPathValidator} {@code PKIX}, revocation
 * disabled, validation date {@code now}) with every given root as a trust anchor; the
 * path is built from the leaf through the other certificates the peer sent, in any
 * order;</li>
 * <li>only then, the leaf's identity rules: exactly one URI SAN (other SAN types are
 * allowed but never read), {@code cA=false}, key usage with {@code digitalSignature} and
 * without {@code keyCertSign} or {@code cRLSign}, extended key usage with
 * {@code clientAuth} for a client peer or {@code serverAuth} for a server peer, and a URI
 * that is the SPIFFE ID of a service ({@link SpiffeId#parse(String)}) in the given trust
 * domain (compared case-insensitively).</li>
 * </ol>
 * Nothing about the peer's identity is read before path validation has passed. Instances
 * are stateless and thread-safe.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class SvidValidator {

	private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

	private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

	private static final int URI_NAME = 6;

	private static final int DIGITAL_SIGNATURE = 0;

	private static final int KEY_CERT_SIGN = 5;

	private static final int CRL_SIGN = 6;

	/**
	 * Validate the chain of a client peer (the caller of a service), which must carry the
	 * {@code clientAuth} extended key usage.
	 * @param peerChain the chain the peer sent, leaf first
	 * @param roots the trusted roots: every root of the trust domain's bundle, active or
	 * not
	 * @param trustDomain the trust domain the peer must belong to
	 * @param now the validation time
	 * @return the peer's service identity
	 * @throws SvidValidationException if the chain is not acceptable
	 */
	public SpiffeId validateClient(X509Certificate[] peerChain, Collection<X509Certificate> roots, String trustDomain,
			Instant now) throws SvidValidationException {
		return validate(peerChain, roots, trustDomain, now, Role.CLIENT);
	}

	/**
	 * Validate the chain of a server peer (the service being called), which must carry
	 * the {@code serverAuth} extended key usage. The caller still has to check that the
	 * returned identity is the service it meant to reach.
	 * @param peerChain the chain the peer sent, leaf first
	 * @param roots the trusted roots: every root of the trust domain's bundle, active or
	 * not
	 * @param trustDomain the trust domain the peer must belong to
	 * @param now the validation time
	 * @return the peer's service identity
	 * @throws SvidValidationException if the chain is not acceptable
	 */
	public SpiffeId validateServer(X509Certificate[] peerChain, Collection<X509Certificate> roots, String trustDomain,
			Instant now) throws SvidValidationException {
		return validate(peerChain, roots, trustDomain, now, Role.SERVER);
	}

	private SpiffeId validate(X509Certificate[] peerChain, Collection<X509Certificate> roots, String trustDomain,
			Instant now, Role role) throws SvidValidationException {
		if (peerChain == null || peerChain.length == 0 || peerChain[0] == null) {
			throw new SvidValidationException("empty-chain", "The peer sent no certificate");
		}
		if (roots.isEmpty()) {
			throw new SvidValidationException("no-roots", "No trusted root to validate the peer against");
		}
		X509Certificate leaf = peerChain[0];
		checkValidity(leaf, now);
		validatePath(peerChain, roots, now);
		return checkLeaf(leaf, trustDomain, role);
	}

	private void checkValidity(X509Certificate leaf, Instant now) throws SvidValidationException {
		try {
			leaf.checkValidity(Date.from(now));
		}
		catch (CertificateExpiredException ex) {
			throw new SvidValidationException("expired",
					"The peer certificate expired at " + leaf.getNotAfter().toInstant() + " (now " + now + ")", ex);
		}
		catch (CertificateNotYetValidException ex) {
			throw new SvidValidationException("not-yet-valid", "The peer certificate is not valid before "
					+ leaf.getNotBefore().toInstant() + " (now " + now + ")", ex);
		}
	}

	private void validatePath(X509Certificate[] peerChain, Collection<X509Certificate> roots, Instant now)
			throws SvidValidationException {
		Set<TrustAnchor> anchors = new LinkedHashSet<>();
		for (X509Certificate root : roots) {
			anchors.add(new TrustAnchor(root, null));
		}
		List<X509Certificate> path = buildPath(peerChain, roots);
		try {
			CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
			PKIXParameters parameters = new PKIXParameters(anchors);
			parameters.setRevocationEnabled(false);
			parameters.setDate(Date.from(now));
			CertPathValidator.getInstance("PKIX").validate(certPath, parameters);
		}
		catch (CertPathValidatorException ex) {
			throw pathFailure(ex, path);
		}
		catch (GeneralSecurityException ex) {
			throw new SvidValidationException("untrusted", "Could not validate the peer certificate path: " + ex, ex);
		}
	}

	/**
	 * Build the path from the leaf: repeatedly append the peer-sent certificate that
	 * issued the last one (issuer name equal to its subject, and key identifiers equal
	 * when both are present), until a trusted root issued the last one or no peer
	 * certificate did. Trust anchors are never part of the path.
	 * @param peerChain the certificates the peer sent, leaf first
	 * @param roots the trusted roots
	 * @return the path, leaf first
	 */
	private List<X509Certificate> buildPath(X509Certificate[] peerChain, Collection<X509Certificate> roots) {
		List<X509Certificate> path = new ArrayList<>();
		List<X509Certificate> candidates = new ArrayList<>(Arrays.asList(peerChain).subList(1, peerChain.length));
		candidates.removeIf((candidate) -> candidate == null || roots.contains(candidate));
		X509Certificate current = peerChain[0];
		path.add(current);
		while (!issuedByAny(current, roots)) {
			X509Certificate issuer = findIssuer(current, candidates);
			if (issuer == null) {
				break;
			}
			candidates.remove(issuer);
			path.add(issuer);
			current = issuer;
		}
		return path;
	}

	private boolean issuedByAny(X509Certificate certificate, Collection<X509Certificate> issuers) {
		return findIssuer(certificate, issuers) != null;
	}

	private @Nullable X509Certificate findIssuer(X509Certificate certificate, Collection<X509Certificate> issuers) {
		byte[] authorityKeyId = KeyIdentifiers.authorityKeyId(certificate);
		for (X509Certificate issuer : issuers) {
			if (issuer.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())
					&& KeyIdentifiers.matches(authorityKeyId, KeyIdentifiers.subjectKeyId(issuer))) {
				return issuer;
			}
		}
		return null;
	}

	private SvidValidationException pathFailure(CertPathValidatorException ex, List<X509Certificate> path) {
		Reason reason = ex.getReason();
		int index = ex.getIndex();
		String which = (index >= 0 && index < path.size()) ? " (certificate " + index + " of the path, subject '"
				+ path.get(index).getSubjectX500Principal() + "')" : "";
		if (reason == BasicReason.EXPIRED) {
			return new SvidValidationException("expired", "A certificate of the peer's path expired" + which, ex);
		}
		if (reason == BasicReason.NOT_YET_VALID) {
			return new SvidValidationException("not-yet-valid",
					"A certificate of the peer's path is not yet valid" + which, ex);
		}
		return new SvidValidationException("untrusted",
				"Path validation of the peer certificate failed: " + ex.getMessage() + which, ex);
	}

	private SpiffeId checkLeaf(X509Certificate leaf, String trustDomain, Role role) throws SvidValidationException {
		String uri = singleUriSan(leaf);
		if (leaf.getBasicConstraints() != -1) {
			throw new SvidValidationException("ca-leaf", "The peer certificate is a CA certificate (cA=true)");
		}
		checkKeyUsage(leaf);
		checkExtendedKeyUsage(leaf, role);
		return checkSpiffeId(uri, trustDomain);
	}

	private String singleUriSan(X509Certificate leaf) throws SvidValidationException {
		Collection<List<?>> names;
		try {
			names = leaf.getSubjectAlternativeNames();
		}
		catch (CertificateParsingException ex) {
			throw new SvidValidationException("malformed-san",
					"The subject alternative names of the peer certificate cannot be parsed", ex);
		}
		List<String> uris = new ArrayList<>();
		if (names != null) {
			for (List<?> name : names) {
				if (name.size() >= 2 && name.get(0) instanceof Integer type && type == URI_NAME) {
					uris.add(String.valueOf(name.get(1)));
				}
			}
		}
		if (uris.isEmpty()) {
			throw new SvidValidationException("no-uri-san", "The peer certificate has no URI SAN");
		}
		if (uris.size() > 1) {
			throw new SvidValidationException("multiple-uri-sans",
					"The peer certificate has " + uris.size() + " URI SANs; an X.509-SVID has exactly one");
		}
		return uris.get(0);
	}

	private void checkKeyUsage(X509Certificate leaf) throws SvidValidationException {
		boolean[] keyUsage = leaf.getKeyUsage();
		if (keyUsage == null) {
			throw new SvidValidationException("key-usage", "The peer certificate has no key usage extension");
		}
		if (!bit(keyUsage, DIGITAL_SIGNATURE)) {
			throw new SvidValidationException("key-usage", "The peer certificate key usage lacks digitalSignature");
		}
		if (bit(keyUsage, KEY_CERT_SIGN) || bit(keyUsage, CRL_SIGN)) {
			throw new SvidValidationException("key-usage",
					"The peer certificate key usage has keyCertSign or cRLSign, which a leaf must not have");
		}
	}

	private boolean bit(boolean[] bits, int index) {
		return index < bits.length && bits[index];
	}

	private void checkExtendedKeyUsage(X509Certificate leaf, Role role) throws SvidValidationException {
		List<String> purposes;
		try {
			purposes = leaf.getExtendedKeyUsage();
		}
		catch (CertificateParsingException ex) {
			throw new SvidValidationException("eku", "The extended key usage of the peer certificate cannot be parsed",
					ex);
		}
		if (purposes == null) {
			throw new SvidValidationException("eku", "The peer certificate has no extended key usage extension");
		}
		if (!purposes.contains(role.purpose)) {
			throw new SvidValidationException("eku", "The peer certificate extended key usage lacks " + role.purposeName
					+ ", which a " + role.description + " needs");
		}
	}

	private SpiffeId checkSpiffeId(String uri, String trustDomain) throws SvidValidationException {
		URI parsed;
		try {
			parsed = new URI(uri);
		}
		catch (URISyntaxException ex) {
			throw new SvidValidationException("path", "The peer URI SAN '" + uri + "' is not a valid URI", ex);
		}
		if (!"spiffe".equals(parsed.getScheme())) {
			throw new SvidValidationException("scheme",
					"The peer URI SAN '" + uri + "' is not a SPIFFE ID: the scheme must be 'spiffe'");
		}
		String authority = parsed.getRawAuthority();
		if (authority == null || !isAscii(authority)
				|| !authority.toLowerCase(Locale.ROOT).equals(trustDomain.toLowerCase(Locale.ROOT))) {
			throw new SvidValidationException("trust-domain",
					"The peer URI SAN '" + uri + "' is not in trust domain '" + trustDomain + "'");
		}
		String path = parsed.getRawPath();
		if (path == null || path.isEmpty() || "/".equals(path) || parsed.getRawQuery() != null
				|| parsed.getRawFragment() != null) {
			throw new SvidValidationException("path", "The peer URI SAN '" + uri
					+ "' is not a workload ID: it has no path, or it has a query or a fragment");
		}
		try {
			return SpiffeId.parse(uri);
		}
		catch (IllegalArgumentException ex) {
			throw new SvidValidationException("not-a-service", String.valueOf(ex.getMessage()), ex);
		}
	}

	private boolean isAscii(String value) {
		return value.chars().allMatch((ch) -> ch < 0x80);
	}

	private enum Role {

		CLIENT(CLIENT_AUTH, "clientAuth", "client"), SERVER(SERVER_AUTH, "serverAuth", "server");

		private final String purpose;

		private final String purposeName;

		private final String description;

		Role(String purpose, String purposeName, String description) {
			this.purpose = purpose;
			this.purposeName = purposeName;
			this.description = description;
		}

	}

}
