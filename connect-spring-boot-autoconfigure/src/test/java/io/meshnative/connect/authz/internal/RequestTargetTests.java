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

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link RequestTarget}: a canonical target is accepted and decoded once, with
 * and without its {@code ;} parameters; every non-canonical spelling is refused with its
 * reason (T-L7-01, CVE-2024-10005, CVE-2021-29492).
 *
 * @author connect-spring-boot authors
 */
class RequestTargetTests {

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			value = { "/|/|/", "/api/|/api/|/api/", "/api/items|/api/items|/api/items", "/%61dmin|/admin|/admin",
					"/%61%64%6D%69%6E|/admin|/admin", "/a%20b|/a b|/a b", "/%C3%A9t%C3%A9|/été|/été",
					"/admin;jsessionid=1|/admin|/admin;jsessionid=1", "/api;v=1/items;x|/api/items|/api;v=1/items;x",
					"/...|/...|/...", "/.x/..y|/.x/..y|/.x/..y", "/%2e%2e%2e|/...|/..." })
	void canonicalTargetsAreDecodedOnce(String raw, String path, String withParameters) {
		RequestTarget target = RequestTarget.parse(raw);
		assertThat(target.rawPath()).isEqualTo(raw);
		assertThat(target.path()).isEqualTo(path);
		assertThat(target.pathWithParameters()).isEqualTo(withParameters);
		assertThat(target.rawQuery()).isNull();
	}

	@Test
	void queryIsKeptAsSentAndReadIntoThePseudoPath() {
		RequestTarget target = RequestTarget.parse("/%61pi?a=%26&b=c?d/e");
		assertThat(target.path()).isEqualTo("/api");
		assertThat(target.rawQuery()).isEqualTo("a=%26&b=c?d/e");
		assertThat(target.pseudoPath()).isEqualTo("/%61pi?a=%26&b=c?d/e");
		assertThat(target.withQuery(target.path())).isEqualTo("/api?a=%26&b=c?d/e");
		assertThat(RequestTarget.parse("/api?").rawQuery()).isEmpty();
		assertThat(RequestTarget.parse("/api", null).pseudoPath()).isEqualTo("/api");
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			value = { "http://evil/admin|NOT_ORIGIN_FORM", "evil:443|NOT_ORIGIN_FORM", "*|NOT_ORIGIN_FORM",
					"admin|NOT_ORIGIN_FORM", "|NOT_ORIGIN_FORM", "/admin#frag|FRAGMENT", "/api?x#frag|FRAGMENT",
					"//admin|EMPTY_SEGMENT", "/api//admin|EMPTY_SEGMENT", "/;x/admin|EMPTY_SEGMENT",
					"/admin/;x|EMPTY_SEGMENT", "/./admin|DOT_SEGMENT", "/api/../admin|DOT_SEGMENT",
					"/api/..|DOT_SEGMENT", "/api/.|DOT_SEGMENT", "/api/%2e%2e/admin|DOT_SEGMENT",
					"/api/%2E%2E/admin|DOT_SEGMENT", "/api/.%2e/admin|DOT_SEGMENT", "/api/%2e./admin|DOT_SEGMENT",
					"/api/..;/admin|DOT_SEGMENT", "/api/%2e;x=y/admin|DOT_SEGMENT", "/admin%2F|ENCODED_SEPARATOR",
					"/admin%2f|ENCODED_SEPARATOR", "/api%2F..%2Fadmin|ENCODED_SEPARATOR", "/admin%5C|ENCODED_SEPARATOR",
					"/admin%5c|ENCODED_SEPARATOR", "/a;x=%2F|ENCODED_SEPARATOR", "/admin\\x|BACKSLASH",
					"/admin%00|CONTROL_CHARACTER", "/admin%0A|CONTROL_CHARACTER", "/admin%7F|CONTROL_CHARACTER",
					"/ad min|ILLEGAL_CHARACTER", "/admin<|ILLEGAL_CHARACTER", "/admin{|ILLEGAL_CHARACTER",
					"/été|ILLEGAL_CHARACTER", "/admin%|MALFORMED_ESCAPE", "/admin%2|MALFORMED_ESCAPE",
					"/admin%zz|MALFORMED_ESCAPE", "/admin%C3|MALFORMED_ESCAPE", "/admin%FF|MALFORMED_ESCAPE",
					"/%C0%AE%C0%AE/admin|MALFORMED_ESCAPE", "/%252e%252e/admin|DOUBLE_ENCODING",
					"/%2561dmin|DOUBLE_ENCODING", "/api?a b|ILLEGAL_CHARACTER", "/api?é|ILLEGAL_CHARACTER" })
	void nonCanonicalTargetsAreRefusedWithTheirReason(String raw, NonCanonicalRequestException.Reason reason) {
		String target = (raw != null) ? raw : "";
		assertThatExceptionOfType(NonCanonicalRequestException.class).isThrownBy(() -> RequestTarget.parse(target))
			.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo(reason));
	}

	@ParameterizedTest
	@ValueSource(strings = { "/admin\u0000", "/admin\tx", "/admin\r\n" })
	void rawControlCharactersAreRefused(String raw) {
		assertThatExceptionOfType(NonCanonicalRequestException.class).isThrownBy(() -> RequestTarget.parse(raw))
			.satisfies((ex) -> assertThat(ex.getReason())
				.isEqualTo(NonCanonicalRequestException.Reason.CONTROL_CHARACTER));
	}

	@ParameterizedTest
	@ValueSource(strings = { "/adm\"in", "/admin|x", "/admin^", "/admin`", "/admin}", "/admin>" })
	void charactersRfc3986DoesNotAllowInAPathAreRefused(String raw) {
		assertThatExceptionOfType(NonCanonicalRequestException.class).isThrownBy(() -> RequestTarget.parse(raw))
			.satisfies((ex) -> assertThat(ex.getReason())
				.isEqualTo(NonCanonicalRequestException.Reason.ILLEGAL_CHARACTER));
	}

	@Test
	void everyCharacterRfc3986AllowsInASegmentIsKept() {
		String raw = "/a:b@c!$&'()*+,=~_-.x";
		assertThat(RequestTarget.parse(raw).path()).isEqualTo(raw);
	}

	@Test
	void reasonsHaveBoundedTagValues() {
		assertThat(NonCanonicalRequestException.Reason.DOT_SEGMENT.tag()).isEqualTo("dot-segment");
		assertThat(NonCanonicalRequestException.Reason.values()).hasSize(11);
	}

	@Test
	void canonicalPathsTakeTheShortCutToTheSameTargetTheDecodingParseMakes() {
		char[] alphabet = { '/', 'a', '.', '%', '2', 'F', ';', ' ', '\\', '~' };
		int canonical = 0;
		int checked = 0;
		for (String path : paths(alphabet, 5)) {
			Object viaParse = outcome(() -> RequestTarget.parse(path, "q=1"));
			Object viaDecoding = outcome(() -> RequestTarget.decodePath(path, "q=1"));
			assertThat(viaParse).as(path).isEqualTo(viaDecoding);
			if (RequestTarget.isCanonical(path)) {
				canonical++;
				assertThat(viaDecoding).as(path).isEqualTo(new RequestTarget(path, path, path, "q=1"));
			}
			checked++;
		}
		assertThat(checked).isGreaterThan(100_000);
		assertThat(canonical).isGreaterThan(1_000);
	}

	@ParameterizedTest
	@ValueSource(strings = { "/", "/bytes", "/a/b/", "/a.b/..c/...", "/~user/x-y_z!$&'()*+,=:@" })
	void canonicalPaths(String path) {
		assertThat(RequestTarget.isCanonical(path)).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = { "//", "/a//b", "/.", "/..", "/a/./b", "/a/../b", "/a/.", "/a%2Fb", "/a;b", "/a b", "/a\\b",
			"/\u00e9" })
	void pathsThatNeedTheDecodingParse(String path) {
		assertThat(RequestTarget.isCanonical(path)).isFalse();
	}

	private static List<String> paths(char[] alphabet, int maxLength) {
		List<String> paths = new ArrayList<>();
		List<String> previous = List.of("/");
		paths.addAll(previous);
		for (int length = 1; length <= maxLength; length++) {
			List<String> next = new ArrayList<>();
			for (String prefix : previous) {
				for (char c : alphabet) {
					next.add(prefix + c);
				}
			}
			paths.addAll(next);
			previous = next;
		}
		return paths;
	}

	private static Object outcome(Supplier<RequestTarget> parse) {
		try {
			return parse.get();
		}
		catch (NonCanonicalRequestException ex) {
			return ex.getReason();
		}
	}

}
