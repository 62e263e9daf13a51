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

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Normalizes a request path before L7 intentions are matched against it, so that no
 * spelling of a path reaches a handler that a deny permission covers (CVE-2024-10005,
 * CVE-2021-29492, Istio CVE-2021-31920/39156).
 * <p>
 * From the raw (still percent-encoded) path as the client sent it: path parameters
 * ({@code ;jsessionid=...}) are cut from every segment, as Tomcat and Spring do before
 * they dispatch; every segment is percent-decoded once (UTF-8); empty segments are
 * dropped (merged slashes, {@code //admin} is {@code /admin}); {@code .} and {@code ..}
 * segments are resolved ({@code ..} above the root stays at the root, as RFC 3986 does);
 * a trailing slash is kept. A path is rejected when it does not start with {@code /},
 * carries a fragment ({@code #}), a backslash, an escaped slash or backslash
 * ({@code %2F}, {@code %5C}) that would change the segment structure, a control
 * character, or a malformed escape: these are refusals, never guesses.
 *
 * @author connect-spring-boot authors
 */
final class RequestPaths {

	private RequestPaths() {
	}

	/**
	 * Normalize a raw request path.
	 * @param rawPath the path as sent, without the query string
	 * @return the normalized path, starting with {@code /}
	 * @throws IllegalArgumentException if the path is refused; the message says why
	 */
	static String normalize(String rawPath) {
		if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
			throw new IllegalArgumentException("the path does not start with '/'");
		}
		if (rawPath.indexOf('#') >= 0) {
			throw new IllegalArgumentException("the path carries a fragment ('#')");
		}
		if (rawPath.indexOf('\\') >= 0) {
			throw new IllegalArgumentException("the path contains a backslash");
		}
		List<String> segments = new ArrayList<>();
		String[] raw = rawPath.split("/", -1);
		boolean trailingSlash = false;
		for (int i = 1; i < raw.length; i++) {
			String segment = decode(stripParameters(raw[i]));
			boolean last = i == raw.length - 1;
			if (segment.isEmpty()) {
				trailingSlash = last && !segments.isEmpty();
			}
			else if (segment.equals(".")) {
				trailingSlash = last && !segments.isEmpty();
			}
			else if (segment.equals("..")) {
				if (!segments.isEmpty()) {
					segments.remove(segments.size() - 1);
				}
				trailingSlash = last && !segments.isEmpty();
			}
			else {
				segments.add(segment);
				trailingSlash = false;
			}
		}
		StringBuilder normalized = new StringBuilder();
		for (String segment : segments) {
			normalized.append('/').append(segment);
		}
		if (normalized.length() == 0 || trailingSlash) {
			normalized.append('/');
		}
		return normalized.toString();
	}

	private static String stripParameters(String segment) {
		int semicolon = segment.indexOf(';');
		return (semicolon >= 0) ? segment.substring(0, semicolon) : segment;
	}

	private static String decode(String segment) {
		if (segment.indexOf('%') < 0) {
			checkCharacters(segment);
			return segment;
		}
		ByteArrayOutputStream bytes = new ByteArrayOutputStream(segment.length());
		for (int i = 0; i < segment.length(); i++) {
			char c = segment.charAt(i);
			if (c == '%') {
				if (i + 2 >= segment.length()) {
					throw new IllegalArgumentException("the path contains a malformed escape");
				}
				int high = Character.digit(segment.charAt(i + 1), 16);
				int low = Character.digit(segment.charAt(i + 2), 16);
				if (high < 0 || low < 0) {
					throw new IllegalArgumentException("the path contains a malformed escape");
				}
				int value = (high << 4) | low;
				if (value == '/' || value == '\\') {
					throw new IllegalArgumentException("the path contains an escaped slash or backslash (%2F, %5C)");
				}
				bytes.write(value);
				i += 2;
			}
			else {
				byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
				bytes.write(encoded, 0, encoded.length);
			}
		}
		String decoded;
		try {
			decoded = StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(bytes.toByteArray()))
				.toString();
		}
		catch (CharacterCodingException ex) {
			throw new IllegalArgumentException("the path contains an escape that is not UTF-8");
		}
		checkCharacters(decoded);
		return decoded;
	}

	private static void checkCharacters(String segment) {
		for (int i = 0; i < segment.length(); i++) {
			char c = segment.charAt(i);
			if (c < 0x20 || c == 0x7f) {
				throw new IllegalArgumentException("the path contains a control character");
			}
		}
	}

}
