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
import java.util.Arrays;

import org.jspecify.annotations.Nullable;

/**
 * Reads the subject and authority key identifiers of a certificate, for path building.
 * Anything that cannot be read counts as absent.
 *
 * @author connect-spring-boot authors
 */
final class KeyIdentifiers {

	private static final String SUBJECT_KEY_IDENTIFIER = "2.5.29.14";

	private static final String AUTHORITY_KEY_IDENTIFIER = "2.5.29.35";

	private static final int OCTET_STRING = 0x04;

	private static final int SEQUENCE = 0x30;

	private static final int KEY_IDENTIFIER = 0x80;

	private KeyIdentifiers() {
	}

	static byte @Nullable [] subjectKeyId(X509Certificate certificate) {
		byte[] extension = certificate.getExtensionValue(SUBJECT_KEY_IDENTIFIER);
		byte[] value = (extension != null) ? contents(extension, OCTET_STRING) : null;
		return (value != null) ? contents(value, OCTET_STRING) : null;
	}

	static byte @Nullable [] authorityKeyId(X509Certificate certificate) {
		byte[] extension = certificate.getExtensionValue(AUTHORITY_KEY_IDENTIFIER);
		byte[] value = (extension != null) ? contents(extension, OCTET_STRING) : null;
		byte[] sequence = (value != null) ? contents(value, SEQUENCE) : null;
		return (sequence != null) ? contents(sequence, KEY_IDENTIFIER) : null;
	}

	static boolean matches(byte @Nullable [] authorityKeyId, byte @Nullable [] subjectKeyId) {
		return authorityKeyId == null || subjectKeyId == null || Arrays.equals(authorityKeyId, subjectKeyId);
	}

	/**
	 * Return the contents of the DER element at the start of {@code der} if it has the
	 * given tag.
	 * @param der the encoding
	 * @param tag the expected tag
	 * @return the contents, or {@code null} if the tag differs or the encoding is bad
	 */
	private static byte @Nullable [] contents(byte[] der, int tag) {
		if (der.length < 2 || (der[0] & 0xFF) != tag) {
			return null;
		}
		int first = der[1] & 0xFF;
		int offset = 2;
		int length;
		if (first < 0x80) {
			length = first;
		}
		else {
			int octets = first & 0x7F;
			if (octets == 0 || octets > 3 || der.length < 2 + octets) {
				return null;
			}
			length = 0;
			for (int i = 0; i < octets; i++) {
				length = (length << 8) | (der[offset++] & 0xFF);
			}
		}
		if (offset + length > der.length) {
			return null;
		}
		return Arrays.copyOfRange(der, offset, offset + length);
	}

}
