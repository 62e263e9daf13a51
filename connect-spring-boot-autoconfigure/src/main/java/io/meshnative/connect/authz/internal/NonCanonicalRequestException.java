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

import java.util.Locale;

/**
 * Thrown when a request target is not canonical (see {@link RequestTarget}); the request
 * is refused with {@code 400} before any authorization decision.
 *
 * @author connect-spring-boot authors
 */
public final class NonCanonicalRequestException extends IllegalArgumentException {

	private final Reason reason;

	/**
	 * Create a new instance.
	 * @param reason the kind of refusal
	 * @param message what is not canonical
	 */
	public NonCanonicalRequestException(Reason reason, String message) {
		super(message);
		this.reason = reason;
	}

	/**
	 * Return the kind of refusal, a bounded set fit for a metric tag.
	 * @return the reason
	 */
	Reason getReason() {
		return this.reason;
	}

	/**
	 * Why a request target is not canonical.
	 */
	public enum Reason {

		/**
		 * Absolute form, authority form, {@code *}, or a path that does not start with
		 * {@code /}.
		 */
		NOT_ORIGIN_FORM,

		/**
		 * A fragment ({@code #}).
		 */
		FRAGMENT,

		/**
		 * An empty segment ({@code //}, {@code /;param}).
		 */
		EMPTY_SEGMENT,

		/**
		 * A {@code .} or {@code ..} segment in any encoding.
		 */
		DOT_SEGMENT,

		/**
		 * An escaped {@code /} or {@code \}.
		 */
		ENCODED_SEPARATOR,

		/**
		 * A raw backslash.
		 */
		BACKSLASH,

		/**
		 * A control character, raw or escaped.
		 */
		CONTROL_CHARACTER,

		/**
		 * A character RFC 3986 does not allow unescaped.
		 */
		ILLEGAL_CHARACTER,

		/**
		 * A malformed escape, or escapes that are not UTF-8.
		 */
		MALFORMED_ESCAPE,

		/**
		 * An escaped escape ({@code %25} followed by two hex digits).
		 */
		DOUBLE_ENCODING,

		/**
		 * The server's or Spring's view of the request differs from the request line.
		 */
		VIEW_MISMATCH;

		/**
		 * Return the tag value of this reason.
		 * @return lower-case, dash-separated
		 */
		String tag() {
			return name().toLowerCase(Locale.ROOT).replace('_', '-');
		}

	}

}
