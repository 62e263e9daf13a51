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

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.util.Base64;

import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * PEM encodings of certificates and keys.
 *
 * @author connect-spring-boot authors
 */
final class Pem {

	private Pem() {
	}

	static String certificate(X509Certificate certificate) {
		try {
			return encode("CERTIFICATE", certificate.getEncoded());
		}
		catch (CertificateEncodingException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Encode a P-256 private key as SEC1 ({@code EC PRIVATE KEY}) with the named curve
	 * and the public key, the form Go's {@code x509.ParseECPrivateKey} reads.
	 * @param privateKey the private key
	 * @param publicKey the matching public key
	 * @return the PEM encoding
	 */
	static String sec1PrivateKey(PrivateKey privateKey, PublicKey publicKey) {
		if (!(privateKey instanceof ECPrivateKey ecPrivateKey)) {
			throw new IllegalStateException("Not an EC private key: " + privateKey.getAlgorithm());
		}
		if (ecPrivateKey.getParams().getCurve().getField().getFieldSize() != 256) {
			throw new IllegalStateException("Only P-256 keys are supported");
		}
		SubjectPublicKeyInfo publicKeyInfo = SubjectPublicKeyInfo.getInstance(publicKey.getEncoded());
		org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(
				ecPrivateKey.getParams().getOrder().bitLength(), ecPrivateKey.getS(), publicKeyInfo.getPublicKeyData(),
				SECObjectIdentifiers.secp256r1);
		try {
			return encode("EC PRIVATE KEY", sec1.getEncoded(ASN1Encoding.DER));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	static String encode(String type, byte[] der) {
		String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
		return "-----BEGIN " + type + "-----\n" + base64 + "\n-----END " + type + "-----\n";
	}

}
