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

package io.meshnative.connect.authz.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

/**
 * The request target of an inbound request in the one form that is both authorized and
 * served.
 * <p>
 * Only a request target that is already canonical is accepted; any other is refused
 * (answered {@code 400} before any decision, Envoy's {@code REJECT}), never rewritten, so
 * the bytes the decision was made on are the bytes the server, Spring and the application
 * act on. Canonical means: origin form ({@code /path?query}; absolute form, authority
 * form and {@code *} are refused); no fragment; only the characters RFC 3986 allows in a
 * path; no empty segment ({@code //}) except a trailing slash; no dot-segment ({@code .}
 * or {@code ..}, plain, percent-encoded, mixed or followed by {@code ;} parameters); no
 * escaped {@code /} or {@code \} ({@code %2F}, {@code %5C}); no escape of a control
 * character; no malformed escape or escape that is not UTF-8; no escape of an escape
 * ({@code %252e}, which an application that decodes twice would read as {@code .}); and a
 * query without control characters, spaces or non-ASCII bytes.
 * <p>
 * The decision is then made on the path percent-decoded once, with {@code ;} parameters
 * cut from every segment, which is how Tomcat maps a request and how Spring's
 * {@code PathPattern} and {@code UrlPathHelper} match handlers; and also on the decoded
 * path with its parameters kept, for applications behind the proxy that read {@code ;}
 * literally.
 *
 * @param rawPath the path exactly as sent, still percent-encoded
 * @param path the path decoded once, {@code ;} parameters cut from every segment
 * @param pathWithParameters the path decoded once, {@code ;} parameters kept
 * @param rawQuery the query exactly as sent, {@code null} when the target had none
 * @author connect-spring-boot authors
 */
public record RequestTarget(String rawPath, String path, String pathWithParameters, @Nullable String rawQuery) {

	/**
	 * Parse a request target as it appeared on the request line.
	 * @param target the request target
	 * @return the canonical target
	 * @throws NonCanonicalRequestException if the target is not canonical
	 */
	public static RequestTarget parse(String target) {
		if (target.isEmpty() || target.charAt(0) != '/') {
			throw new NonCanonicalRequestException(NonCanonicalRequestException.Reason.NOT_ORIGIN_FORM,
					"the request target is not in origin form (/path?query)");
		}
		if (target.indexOf('#') >= 0) {
			throw new NonCanonicalRequestException(NonCanonicalRequestException.Reason.FRAGMENT,
					"the request target carries a fragment ('#')");
		}
		int question = target.indexOf('?');
		return (question >= 0) ? parse(target.substring(0, question), target.substring(question + 1))
				: parse(target, null);
	}

	/**
	 * Parse a request target given as path and query, as a server API reports them.
	 * @param rawPath the path as sent
	 * @param rawQuery the query as sent, {@code null} when there was none
	 * @return the canonical target
	 * @throws NonCanonicalRequestException if the target is not canonical
	 */
	public static RequestTarget parse(String rawPath, @Nullable String rawQuery) {
		if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
			throw new NonCanonicalRequestException(NonCanonicalRequestException.Reason.NOT_ORIGIN_FORM,
					"the request target is not in origin form (/path?query)");
		}
		if (rawQuery != null) {
			checkQuery(rawQuery);
		}
		if (isCanonical(rawPath)) {
			return new RequestTarget(rawPath, rawPath, rawPath, rawQuery);
		}
		return decodePath(rawPath, rawQuery);
	}

	/**
	 * Return whether a path that starts with {@code /} is its own canonical form, as most
	 * paths are: no escape, no path parameter, no empty segment but a trailing slash, no
	 * dot-segment and only characters RFC 3986 allows in a segment. The decoding parse
	 * returns the same path for it, checked by a test that compares both.
	 * @param rawPath the path as sent
	 * @return whether it needs no decoding
	 */
	static boolean isCanonical(String rawPath) {
		int length = rawPath.length();
		int segmentStart = 1;
		for (int i = 1; i <= length; i++) {
			char c = (i < length) ? rawPath.charAt(i) : '/';
			if (c == '/') {
				int segment = i - segmentStart;
				if (segment == 0 && i < length) {
					return false;
				}
				if ((segment == 1 || segment == 2) && isDots(rawPath, segmentStart, i)) {
					return false;
				}
				segmentStart = i + 1;
			}
			else if (c == '%' || c == ';' || !isPathCharacter(c)) {
				return false;
			}
		}
		return true;
	}

	private static boolean isDots(String rawPath, int start, int end) {
		for (int i = start; i < end; i++) {
			if (rawPath.charAt(i) != '.') {
				return false;
			}
		}
		return true;
	}

	/**
	 * Parse a path segment by segment, decoding escapes; refuses what is not canonical.
	 * @param rawPath the path as sent, starting with {@code /}
	 * @param rawQuery the query as sent (already checked), {@code null} when there was
	 * none
	 * @return the canonical target
	 * @throws NonCanonicalRequestException if the target is not canonical
	 */
	static RequestTarget decodePath(String rawPath, @Nullable String rawQuery) {
		StringBuilder path = new StringBuilder(rawPath.length());
		StringBuilder withParameters = new StringBuilder(rawPath.length());
		int start = 1;
		while (true) {
			int slash = rawPath.indexOf('/', start);
			int end = (slash >= 0) ? slash : rawPath.length();
			boolean last = slash < 0;
			appendSegment(rawPath, start, end, last, path, withParameters);
			if (last) {
				break;
			}
			start = slash + 1;
		}
		return new RequestTarget(rawPath, path.toString(), withParameters.toString(), rawQuery);
	}

	private static void appendSegment(String rawPath, int start, int end, boolean last, StringBuilder path,
			StringBuilder withParameters) {
		int semicolon = rawPath.indexOf(';', start);
		int nameEnd = (semicolon >= 0 && semicolon < end) ? semicolon : end;
		if (start == end && last) {
			path.append('/');
			withParameters.append('/');
			return;
		}
		if (nameEnd == start) {
			throw new NonCanonicalRequestException(NonCanonicalRequestException.Reason.EMPTY_SEGMENT,
					"the path has an empty segment ('//' or '/;')");
		}
		String name = decode(rawPath, start, nameEnd);
		if (name.equals(".") || name.equals("..")) {
			throw new NonCanonicalRequestException(NonCanonicalRequestException.Reason.DOT_SEGMENT,
					"the path has a dot-segment ('.' or '..', in any encoding)");
		}
		path.append('/').append(name);
		withParameters.append('/').append(name);
		if (nameEnd < end) {
			withParameters.append(decode(rawPath, nameEnd, end));
		}
	}

	private static String decode(String raw, int start, int end) {
		boolean escaped = false;
		for (int i = start; i < end; i++) {
			char c = raw.charAt(i);
			if (c == '%') {
				escaped = true;
			}
			else if (!isPathCharacter(c)) {
				throw refusedCharacter(c);
			}
		}
		if (!escaped) {
			return raw.substring(start, end);
		}
		ByteArrayOutputStream bytes = new ByteArrayOutputStream(end - start);
		for (int i = start; i < end; i++) {
			char c = raw.charAt(i);
			if (c != '%') {
				bytes.write(c);
				continue;
			}
			int value = escape(raw, i, end);
			if (value == '/' || value == '\\') {
				throw new NonCanonicalRequestException(NonCanonicalRequestException.Reason.ENCODED_SEPARATOR,
						"the path has an escaped slash or backslash (%2F, %5C)");
			}
			if (value < 0x20 || value == 0x7f) {
				throw new NonCanonicalRequestException(NonCanonicalRequestException.Reason.CONTROL_CHARACTER,
						"the path has an escaped control character");
			}
			if (value == '%' && isEscape(raw, i + 3, end)) {
				throw new NonCanonicalRequestException(NonCanonicalRequestException.Reason.DOUBLE_ENCODING,
						"the path has an escaped escape ('%25' followed by two hex digits)");
			}
			bytes.write(value);
			i += 2;
		}
		try {
			return StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(bytes.toByteArray()))
				.toString();
		}
		catch (CharacterCodingException ex) {
			throw new NonCanonicalRequestException(NonCanonicalRequestException.Reason.MALFORMED_ESCAPE,
					"the path has escapes that are not UTF-8");
		}
	}

	private static int escape(String raw, int percent, int end) {
		if (percent + 2 >= end) {
			throw malformedEscape();
		}
		int high = Character.digit(raw.charAt(percent + 1), 16);
		int low = Character.digit(raw.charAt(percent + 2), 16);
		if (high < 0 || low < 0) {
			throw malformedEscape();
		}
		return (high << 4) | low;
	}

	private static boolean isEscape(String raw, int at, int end) {
		return at + 1 < end && Character.digit(raw.charAt(at), 16) >= 0 && Character.digit(raw.charAt(at + 1), 16) >= 0;
	}

	private static NonCanonicalRequestException malformedEscape() {
		return new NonCanonicalRequestException(NonCanonicalRequestException.Reason.MALFORMED_ESCAPE,
				"the path has a malformed escape ('%' not followed by two hex digits)");
	}

	private static NonCanonicalRequestException refusedCharacter(char c) {
		if (c == '\\') {
			return new NonCanonicalRequestException(NonCanonicalRequestException.Reason.BACKSLASH,
					"the path has a backslash");
		}
		if (c < 0x20 || c == 0x7f) {
			return new NonCanonicalRequestException(NonCanonicalRequestException.Reason.CONTROL_CHARACTER,
					"the path has a control character");
		}
		return new NonCanonicalRequestException(NonCanonicalRequestException.Reason.ILLEGAL_CHARACTER,
				"the path has a character RFC 3986 does not allow there (space, non-ASCII, or one of \"<>^`{|})");
	}

	/**
	 * Whether a character may appear unescaped in a path segment (RFC 3986 {@code pchar}
	 * without {@code %}, which is handled as an escape).
	 * @param c the character
	 * @return whether it may
	 */
	private static boolean isPathCharacter(char c) {
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			return true;
		}
		return switch (c) {
			case '-', '.', '_', '~', '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', ':', '@' -> true;
			default -> false;
		};
	}

	private static void checkQuery(String rawQuery) {
		for (int i = 0; i < rawQuery.length(); i++) {
			char c = rawQuery.charAt(i);
			if (c <= 0x20 || c >= 0x7f) {
				throw new NonCanonicalRequestException(NonCanonicalRequestException.Reason.ILLEGAL_CHARACTER,
						"the query has a control character, a space or a non-ASCII byte");
			}
			if (c == '#') {
				throw new NonCanonicalRequestException(NonCanonicalRequestException.Reason.FRAGMENT,
						"the request target carries a fragment ('#')");
			}
		}
	}

	/**
	 * Return the request target as Envoy's {@code :path} pseudo-header holds it: the raw
	 * path and, when present, {@code ?} and the raw query.
	 * @return the value of {@code :path}
	 */
	String pseudoPath() {
		return withQuery(this.rawPath);
	}

	/**
	 * Return a path followed by this target's query.
	 * @param path the path
	 * @return the path with {@code ?} and the query when there is one
	 */
	String withQuery(String path) {
		return (this.rawQuery != null) ? path + "?" + this.rawQuery : path;
	}

}
