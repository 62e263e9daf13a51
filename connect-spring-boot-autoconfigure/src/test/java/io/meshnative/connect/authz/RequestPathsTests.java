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

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link RequestPaths}: every spelling of {@code /admin} normalizes to
 * {@code /admin}, and spellings that cannot be normalized safely are refused (T-L7-01,
 * CVE-2024-10005, CVE-2021-29492).
 *
 * @author connect-spring-boot authors
 */
class RequestPathsTests {

	@ParameterizedTest
	@ValueSource(strings = { "/admin", "//admin", "///admin", "/./admin", "/api/../admin", "/api/%2e%2e/admin",
			"/api/%2E%2E/admin", "/api/.%2e/admin", "/%61dmin", "/%61%64%6D%69%6E", "/admin;jsessionid=1",
			"/api;x=y/..;/admin", "/../admin", "/../../admin", "/a/b/../../admin", "/admin/.", "/api//..//admin" })
	void spellingsOfAdminNormalizeToAdmin(String raw) {
		String normalized = RequestPaths.normalize(raw);
		assertThat(normalized).isIn("/admin", "/admin/");
	}

	@ParameterizedTest
	@CsvSource({ "/,/", "//,/", "/api/,/api/", "/api//,/api/", "/api/items,/api/items", "/api/./items,/api/items",
			"/a%20b,/a b", "/%C3%A9t%C3%A9,/été", "/api/..,/", "/api/items/..,/api/" })
	void pathsNormalizeLikeRfc3986WithMergedSlashes(String raw, String expected) {
		assertThat(RequestPaths.normalize(raw)).isEqualTo(expected);
	}

	@ParameterizedTest
	@ValueSource(strings = { "/admin%2F", "/admin%2f", "/api%2F..%2Fadmin", "/admin%5C", "/admin%5c", "/admin\\",
			"/admin#frag", "admin", "", "*", "/admin%", "/admin%2", "/admin%zz", "/admin%00", "/admin%0A", "/admin%C3",
			"/admin%FF" })
	void unsafeSpellingsAreRefused(String raw) {
		assertThatIllegalArgumentException().isThrownBy(() -> RequestPaths.normalize(raw))
			.withMessageStartingWith("the path ");
	}

}
