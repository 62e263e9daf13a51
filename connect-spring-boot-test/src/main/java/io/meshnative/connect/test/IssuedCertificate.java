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

import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A certificate issued by a {@link TestCertificateAuthority}, with its private key and
 * the chain a peer would send.
 * <p>
 * The chain starts with the certificate itself and continues with the intermediates that
 * lead to the issuing root, without the root: the shape of a Consul leaf's
 * {@code CertPEM}. {@link #toString()} never shows the private key.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class IssuedCertificate {

	private final List<X509Certificate> chain;

	private final PrivateKey privateKey;

	IssuedCertificate(List<X509Certificate> chain, PrivateKey privateKey) {
		this.chain = List.copyOf(chain);
		this.privateKey = privateKey;
	}

	/**
	 * Return the certificate.
	 * @return the certificate
	 */
	public X509Certificate getCertificate() {
		return this.chain.get(0);
	}

	/**
	 * Return the certificate followed by the intermediates up to, but not including, the
	 * root.
	 * @return the chain
	 */
	public List<X509Certificate> getChain() {
		return this.chain;
	}

	/**
	 * Return {@link #getChain()} as an array, the form TLS peers present.
	 * @return a new array holding the chain
	 */
	public X509Certificate[] getChainArray() {
		return this.chain.toArray(new X509Certificate[0]);
	}

	/**
	 * Return the private key of the certificate.
	 * @return the private key
	 */
	public PrivateKey getPrivateKey() {
		return this.privateKey;
	}

	/**
	 * Return the certificate alone, PEM.
	 * @return the certificate, PEM
	 */
	public String getCertificatePem() {
		return Pem.certificate(getCertificate());
	}

	/**
	 * Return the chain, PEM, certificate first (as in a Consul leaf's {@code CertPEM}).
	 * @return the chain, PEM
	 */
	public String getChainPem() {
		StringBuilder pem = new StringBuilder();
		for (X509Certificate certificate : this.chain) {
			pem.append(Pem.certificate(certificate));
		}
		return pem.toString();
	}

	/**
	 * Return the private key as SEC1 PEM ({@code EC PRIVATE KEY}, with the curve and the
	 * public key), the form Consul uses for its own keys.
	 * @return the private key, PEM
	 */
	public String getPrivateKeyPem() {
		return Pem.sec1PrivateKey(this.privateKey, getCertificate().getPublicKey());
	}

	/**
	 * Return the private key as PKCS#8 PEM ({@code PRIVATE KEY}).
	 * @return the private key, PEM
	 */
	public String getPrivateKeyPkcs8Pem() {
		return Pem.encode("PRIVATE KEY", this.privateKey.getEncoded());
	}

	/**
	 * Return the DER encoding of the certificate.
	 * @return the DER encoding
	 */
	public byte[] getCertificateDer() {
		try {
			return getCertificate().getEncoded();
		}
		catch (CertificateEncodingException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@Override
	public String toString() {
		return "IssuedCertificate[subject=" + getCertificate().getSubjectX500Principal() + ", serialNumber="
				+ getCertificate().getSerialNumber() + ", chainLength=" + this.chain.size() + ", privateKey=<hidden>]";
	}

}
