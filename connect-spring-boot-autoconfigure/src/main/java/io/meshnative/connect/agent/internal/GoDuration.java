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

package io.meshnative.connect.agent.internal;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * Parses and formats durations in the encodings Consul uses: Go duration strings
 * ({@code "1h2m3.5s"}, {@code "500ms"}, {@code "0s"}) and integer nanoseconds.
 *
 * @author connect-spring-boot authors
 */
final class GoDuration {

	private GoDuration() {
	}

	/**
	 * Parse a Go duration string such as {@code "72h"}, {@code "1m30s"}, {@code "1.5s"},
	 * {@code "100us"} or {@code "-5s"}.
	 * @param text the text
	 * @return the duration
	 * @throws IllegalArgumentException if the text is not a Go duration
	 */
	static Duration parse(String text) {
		String value = text.trim();
		if (value.isEmpty()) {
			throw new IllegalArgumentException("empty duration");
		}
		boolean negative = false;
		int position = 0;
		if (value.charAt(0) == '-' || value.charAt(0) == '+') {
			negative = value.charAt(0) == '-';
			position = 1;
		}
		if (value.substring(position).equals("0")) {
			return Duration.ZERO;
		}
		BigDecimal nanos = BigDecimal.ZERO;
		boolean any = false;
		while (position < value.length()) {
			int start = position;
			while (position < value.length()
					&& (Character.isDigit(value.charAt(position)) || value.charAt(position) == '.')) {
				position++;
			}
			if (start == position) {
				throw new IllegalArgumentException("invalid duration '" + text + "'");
			}
			BigDecimal number = new BigDecimal(value.substring(start, position));
			int unitStart = position;
			while (position < value.length() && !Character.isDigit(value.charAt(position))
					&& value.charAt(position) != '.') {
				position++;
			}
			nanos = nanos
				.add(number.multiply(BigDecimal.valueOf(unitNanos(value.substring(unitStart, position), text))));
			any = true;
		}
		if (!any) {
			throw new IllegalArgumentException("invalid duration '" + text + "'");
		}
		Duration duration = Duration.ofNanos(nanos.longValue());
		return negative ? duration.negated() : duration;
	}

	private static long unitNanos(String unit, String text) {
		return switch (unit) {
			case "ns" -> 1L;
			case "us", "\u00b5s", "\u03bcs" -> 1_000L;
			case "ms" -> 1_000_000L;
			case "s" -> 1_000_000_000L;
			case "m" -> 60_000_000_000L;
			case "h" -> 3_600_000_000_000L;
			default -> throw new IllegalArgumentException("unknown unit '" + unit + "' in duration '" + text + "'");
		};
	}

	/**
	 * Format a duration the way Consul's query parameters accept it: whole seconds as
	 * {@code "<n>s"}, otherwise milliseconds as {@code "<n>ms"}, never {@code "0ms"} for
	 * a positive duration.
	 * @param duration the duration
	 * @return the text
	 */
	static String format(Duration duration) {
		if (duration.isZero() || duration.isNegative()) {
			return "0s";
		}
		if (duration.toNanos() % 1_000_000_000L == 0) {
			return duration.toSeconds() + "s";
		}
		return Math.max(1, duration.toMillis()) + "ms";
	}

}
