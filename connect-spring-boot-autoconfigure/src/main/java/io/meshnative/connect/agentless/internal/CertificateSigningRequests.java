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

package io.meshnative.connect.agentless.internal;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/**
 * Key pairs and PKCS#10 certificate signing requests for agentless mode: an EC P-256 key
 * generated in the process and a CSR that carries exactly one URI SAN, the service's
 * SPIFFE ID, signed with ECDSA SHA-256 (RFC 2986, RFC 5280 section 4.2.1.6). The JDK has
 * no public CSR API, so the DER is written here; Consul parses it with Go's
 * {@code x509.ParseCertificateRequest} and checks the signature.
 *
 * @author connect-spring-boot authors
 */
final class CertificateSigningRequests {

	/** ecdsa-with-SHA256 (RFC 5758). */
	private static final byte[] ECDSA_WITH_SHA256 = { 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x04, 0x03, 0x02 };

	/** pkcs-9-at-extensionRequest (RFC 2985). */
	private static final byte[] EXTENSION_REQUEST = { 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01,
			0x09, 0x0e };

	/** id-ce-subjectAltName. */
	private static final byte[] SUBJECT_ALT_NAME = { 0x55, 0x1d, 0x11 };

	private CertificateSigningRequests() {
	}

	/**
	 * Generate a new EC P-256 key pair.
	 * @return the key pair
	 */
	static KeyPair newKeyPair() {
		try {
			KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
			generator.initialize(new ECGenParameterSpec("secp256r1"));
			return generator.generateKeyPair();
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("The JDK cannot generate EC P-256 keys", ex);
		}
	}

	/**
	 * Create a PEM-encoded CSR for a SPIFFE ID.
	 * @param keyPair the key pair whose public key the CSR carries and whose private key
	 * signs it
	 * @param spiffeId the only URI SAN
	 * @return the CSR, PEM-encoded
	 */
	static String pem(KeyPair keyPair, URI spiffeId) {
		byte[] der = der(keyPair, spiffeId);
		return "-----BEGIN CERTIFICATE REQUEST-----\n"
				+ Base64.getMimeEncoder(64, new byte[] { '\n' }).encodeToString(der)
				+ "\n-----END CERTIFICATE REQUEST-----\n";
	}

	static byte[] der(KeyPair keyPair, URI spiffeId) {
		byte[] generalNames = tlv(0x30, tlv(0x86, spiffeId.toString().getBytes(StandardCharsets.US_ASCII)));
		byte[] extension = tlv(0x30, tlv(0x06, SUBJECT_ALT_NAME), tlv(0x04, generalNames));
		byte[] attribute = tlv(0x30, tlv(0x06, EXTENSION_REQUEST), tlv(0x31, tlv(0x30, extension)));
		byte[] info = tlv(0x30, new byte[] { 0x02, 0x01, 0x00 }, tlv(0x30), keyPair.getPublic().getEncoded(),
				tlv(0xa0, attribute));
		byte[] signature;
		try {
			Signature signer = Signature.getInstance("SHA256withECDSA");
			signer.initSign(keyPair.getPrivate());
			signer.update(info);
			signature = signer.sign();
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("Could not sign the certificate signing request", ex);
		}
		byte[] bitString = new byte[signature.length + 1];
		System.arraycopy(signature, 0, bitString, 1, signature.length);
		return tlv(0x30, info, tlv(0x30, tlv(0x06, ECDSA_WITH_SHA256)), tlv(0x03, bitString));
	}

	private static byte[] tlv(int tag, byte[]... contents) {
		ByteArrayOutputStream value = new ByteArrayOutputStream();
		for (byte[] content : contents) {
			value.writeBytes(content);
		}
		int length = value.size();
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		out.write(tag);
		if (length < 0x80) {
			out.write(length);
		}
		else if (length < 0x100) {
			out.write(0x81);
			out.write(length);
		}
		else {
			out.write(0x82);
			out.write(length >> 8);
			out.write(length & 0xff);
		}
		out.writeBytes(value.toByteArray());
		return out.toByteArray();
	}

}
