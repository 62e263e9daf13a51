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

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.meshnative.connect.agent.Intention;
import io.meshnative.connect.agent.Intention.HeaderPermission;
import io.meshnative.connect.agent.Intention.HttpPermission;
import io.meshnative.connect.agent.Intention.Permission;
import io.meshnative.connect.identity.SpiffeId;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link IntentionRules}: Consul's evaluation order (precedence, first match,
 * permissions in order, default when none matches), every HTTP match type, and the
 * fail-closed rules (T-L7-01, CVE-2021-36213, CVE-2024-10005/10006).
 *
 * @author connect-spring-boot authors
 */
class IntentionRulesTests {

	private static final SpiffeId WEB = SpiffeId.forService("11111111-2222-3333-4444-555555555555.consul", "default",
			"dc1", "web");

	private static final SpiffeId OTHER = SpiffeId.forService("11111111-2222-3333-4444-555555555555.consul", "default",
			"dc1", "other");

	@Test
	void allowApiPrefixAndDenyAdminDecideInPermissionOrder() {
		IntentionRules rules = IntentionRules
			.compile(List.of(l7("web", 9, allow(path("/api/", null, null)), deny(path(null, "/admin", null)))));
		assertThat(result(rules, WEB, "GET", "/api/items")).isEqualTo(IntentionRules.Result.ALLOW);
		assertThat(result(rules, WEB, "GET", "/admin")).isEqualTo(IntentionRules.Result.DENY);
		assertThat(result(rules, WEB, "GET", "/other")).isEqualTo(IntentionRules.Result.NO_MATCH);
	}

	@ParameterizedTest
	@ValueSource(strings = { "/admin", "//admin", "/api/../admin", "/%61dmin", "/ADMIN", "/Admin", "/admin/",
			"/admin;jsessionid=x", "/./admin", "/api/%2e%2e/admin" })
	void noSpellingOfADeniedPathEscapesTheDeny(String raw) {
		IntentionRules rules = IntentionRules.compile(List.of(l7("web", 9, deny(path(null, "/admin", null)))));
		assertThat(result(rules, WEB, "GET", raw)).isEqualTo(IntentionRules.Result.DENY);
	}

	@ParameterizedTest
	@ValueSource(strings = { "/admin%2F", "/api%2F..%2Fadmin", "/admin%5C", "/admin\\x", "/admin%zz" })
	void pathsThatCannotBeNormalizedAreDenied(String raw) {
		IntentionRules rules = IntentionRules.compile(List.of(l7("web", 9, allow(path(null, null, null)))));
		IntentionRules.Evaluation evaluation = rules.evaluate(WEB, request("GET", raw, Collections.emptyMap()));
		assertThat(evaluation.result()).isEqualTo(IntentionRules.Result.DENY);
		assertThat(evaluation.reason()).startsWith("request path refused");
	}

	@Test
	void fragmentIsDenied() {
		IntentionRules rules = IntentionRules.compile(List.of(l7("web", 9, allow(path(null, null, null)))));
		assertThat(rules.evaluate(WEB, new L7Request("GET", "/api", true, Collections.emptyMap())).result())
			.isEqualTo(IntentionRules.Result.DENY);
	}

	@Test
	void allowPathsMatchExactlyAsConsulDoes() {
		IntentionRules rules = IntentionRules.compile(List.of(l7("web", 9, allow(path("/api/", null, null)),
				allow(path(null, "/exact", null)), allow(path(null, null, "/re/[0-9]+")))));
		assertThat(result(rules, WEB, "GET", "/API/items")).isEqualTo(IntentionRules.Result.NO_MATCH);
		assertThat(result(rules, WEB, "GET", "/exact")).isEqualTo(IntentionRules.Result.ALLOW);
		assertThat(result(rules, WEB, "GET", "/exact/")).isEqualTo(IntentionRules.Result.NO_MATCH);
		assertThat(result(rules, WEB, "GET", "/re/42")).isEqualTo(IntentionRules.Result.ALLOW);
		assertThat(result(rules, WEB, "GET", "/re/42/x")).isEqualTo(IntentionRules.Result.NO_MATCH);
		assertThat(result(rules, WEB, "GET", "/api/../exact")).isEqualTo(IntentionRules.Result.ALLOW);
	}

	@Test
	void firstMatchingPermissionWins() {
		IntentionRules denyFirst = IntentionRules
			.compile(List.of(l7("web", 9, deny(path("/api/secret", null, null)), allow(path("/api/", null, null)))));
		assertThat(result(denyFirst, WEB, "GET", "/api/secret/x")).isEqualTo(IntentionRules.Result.DENY);
		assertThat(result(denyFirst, WEB, "GET", "/api/open")).isEqualTo(IntentionRules.Result.ALLOW);
		IntentionRules allowFirst = IntentionRules
			.compile(List.of(l7("web", 9, allow(path("/api/", null, null)), deny(path("/api/secret", null, null)))));
		assertThat(result(allowFirst, WEB, "GET", "/api/secret/x")).isEqualTo(IntentionRules.Result.ALLOW);
	}

	@Test
	void intentionsAreEvaluatedByPrecedenceAndOnlyTheFirstMatchingSourceDecides() {
		Intention wildcard = l7("*", 8, allow(path("/", null, null)));
		Intention exact = l7("web", 9, deny(path("/admin", null, null)));
		IntentionRules rules = IntentionRules.compile(List.of(wildcard, exact));
		assertThat(result(rules, WEB, "GET", "/admin")).isEqualTo(IntentionRules.Result.DENY);
		assertThat(result(rules, WEB, "GET", "/api")).isEqualTo(IntentionRules.Result.NO_MATCH);
		assertThat(result(rules, OTHER, "GET", "/admin")).isEqualTo(IntentionRules.Result.ALLOW);
	}

	@Test
	void intentionOfAnotherSourceNeverDecidesForTheCaller() {
		IntentionRules rules = IntentionRules.compile(List.of(l7("other", 9, allow(path("/", null, null)))));
		IntentionRules.Evaluation evaluation = rules.evaluate(WEB, request("GET", "/x", Collections.emptyMap()));
		assertThat(evaluation.result()).isEqualTo(IntentionRules.Result.DENY);
		assertThat(evaluation.reason()).contains("do not show yet");
	}

	@Test
	void methodsMustMatchExactly() {
		IntentionRules rules = IntentionRules.compile(List.of(l7("web", 9,
				allow(new HttpPermission(null, "/api/", null, Collections.emptyList(), List.of("GET", "HEAD"))))));
		assertThat(result(rules, WEB, "GET", "/api/x")).isEqualTo(IntentionRules.Result.ALLOW);
		assertThat(result(rules, WEB, "POST", "/api/x")).isEqualTo(IntentionRules.Result.NO_MATCH);
		assertThat(result(rules, WEB, "get", "/api/x")).isEqualTo(IntentionRules.Result.NO_MATCH);
	}

	@Test
	void headerMatchTypesAsConsulDefinesThem() {
		assertThat(headerResult(header("x-a", true, null, null, null, null, null, false, false), "x-a", "v"))
			.isEqualTo(IntentionRules.Result.ALLOW);
		assertThat(headerResult(header("x-a", true, null, null, null, null, null, false, false), "x-b", "v"))
			.isEqualTo(IntentionRules.Result.NO_MATCH);
		assertThat(headerResult(header("x-a", true, null, null, null, null, null, false, true), "x-b", "v"))
			.isEqualTo(IntentionRules.Result.ALLOW);
		assertThat(headerResult(header("x-a", false, "v", null, null, null, null, false, false), "X-A", "v"))
			.isEqualTo(IntentionRules.Result.ALLOW);
		assertThat(headerResult(header("x-a", false, "v", null, null, null, null, false, false), "x-a", "V"))
			.isEqualTo(IntentionRules.Result.NO_MATCH);
		assertThat(headerResult(header("x-a", false, "v", null, null, null, null, true, false), "x-a", "V"))
			.isEqualTo(IntentionRules.Result.ALLOW);
		assertThat(headerResult(header("x-a", false, null, "pre", null, null, null, false, false), "x-a", "prefix"))
			.isEqualTo(IntentionRules.Result.ALLOW);
		assertThat(headerResult(header("x-a", false, null, null, "fix", null, null, false, false), "x-a", "suffix"))
			.isEqualTo(IntentionRules.Result.ALLOW);
		assertThat(headerResult(header("x-a", false, null, null, null, "a+b", null, false, false), "x-a", "aaab"))
			.isEqualTo(IntentionRules.Result.ALLOW);
		assertThat(headerResult(header("x-a", false, null, null, null, "a+b", null, false, false), "x-a", "aaabc"))
			.isEqualTo(IntentionRules.Result.NO_MATCH);
		assertThat(headerResult(header("x-a", false, null, null, null, null, "mid", false, false), "x-a", "amidst"))
			.isEqualTo(IntentionRules.Result.ALLOW);
		assertThat(headerResult(header("x-a", false, "v", null, null, null, null, false, true), "x-a", "w"))
			.isEqualTo(IntentionRules.Result.ALLOW);
		assertThat(headerResult(header("x-a", false, "v", null, null, null, null, false, true), "x-b", "w"))
			.as("a value condition on an absent header does not match, even inverted (as in Envoy)")
			.isEqualTo(IntentionRules.Result.NO_MATCH);
	}

	@Test
	void duplicateAndUnderscoreHeadersCannotSlipPastADeny() {
		IntentionRules rules = IntentionRules.compile(List.of(l7("web", 9,
				deny(new HttpPermission(null, null, null,
						List.of(header("x-user", false, "mallory", null, null, null, null, false, false)),
						Collections.emptyList())),
				allow(path("/", null, null)))));
		Map<String, List<String>> duplicate = new LinkedHashMap<>();
		duplicate.put("x-user", List.of("alice", "mallory"));
		assertThat(rules.evaluate(WEB, request("GET", "/x", duplicate)).result()).isEqualTo(IntentionRules.Result.DENY);
		assertThat(rules.evaluate(WEB, request("GET", "/x", Map.of("x_user", List.of("mallory")))).result())
			.isEqualTo(IntentionRules.Result.DENY);
		assertThat(rules.evaluate(WEB, request("GET", "/x", Map.of("X-User", List.of("alice")))).result())
			.isEqualTo(IntentionRules.Result.ALLOW);
	}

	@Test
	void anAllowHeaderConditionMustHoldForEveryValue() {
		IntentionRules rules = IntentionRules.compile(List.of(l7("web", 9,
				allow(new HttpPermission(null, null, null,
						List.of(header("x-role", false, "admin", null, null, null, null, false, false)),
						Collections.emptyList())))));
		assertThat(rules.evaluate(WEB, request("GET", "/x", Map.of("x-role", List.of("admin")))).result())
			.isEqualTo(IntentionRules.Result.ALLOW);
		assertThat(rules.evaluate(WEB, request("GET", "/x", Map.of("x-role", List.of("admin", "guest")))).result())
			.isEqualTo(IntentionRules.Result.NO_MATCH);
		assertThat(rules
			.evaluate(WEB, request("GET", "/x", Map.of("x_role", List.of("guest"), "x-role", List.of("admin"))))
			.result()).isEqualTo(IntentionRules.Result.NO_MATCH);
	}

	@Test
	void hostIsComparedWithoutRegardToCase() {
		IntentionRules rules = IntentionRules.compile(List.of(l7("web", 9,
				deny(new HttpPermission(null, null, null,
						List.of(header("Host", false, null, null, "bad.com", null, null, false, false)),
						Collections.emptyList())))));
		assertThat(rules.evaluate(WEB, request("GET", "/x", Map.of("host", List.of("foo.BAD.com")))).result())
			.isEqualTo(IntentionRules.Result.DENY);
	}

	@Test
	void intentionsThatCannotBeCompiledDenyEveryL7Decision() {
		assertThat(IntentionRules.compile(List.of(l7("web", 9, allow(path(null, null, "([a-z")))))
			.evaluate(WEB, request("GET", "/x", Collections.emptyMap()))).satisfies((evaluation) -> {
				assertThat(evaluation.result()).isEqualTo(IntentionRules.Result.DENY);
				assertThat(evaluation.reason()).contains("not a valid regular expression");
			});
		assertThat(result(IntentionRules.compile(List.of(l7("web", 9, new Permission("maybe", null, null)))), WEB,
				"GET", "/x"))
			.isEqualTo(IntentionRules.Result.DENY);
		assertThat(result(IntentionRules.compile(List.of(l7("web", 9, allow(new HttpPermission(null, null, null,
				List.of(header("x-a", false, null, null, null, null, null, false, false)), Collections.emptyList()))))),
				WEB, "GET", "/x"))
			.isEqualTo(IntentionRules.Result.DENY);
		assertThat(result(IntentionRules.unavailable("no intentions:read"), WEB, "GET", "/x"))
			.isEqualTo(IntentionRules.Result.DENY);
	}

	@Test
	void jwtRequirementsCannotBeEvaluatedSoEveryL7DecisionIsADeny() {
		Permission withJwt = new Permission("allow", path("/", null, null),
				Map.of("Providers", List.of(Map.of("Name", "okta"))));
		IntentionRules.Evaluation evaluation = IntentionRules.compile(List.of(l7("web", 9, withJwt)))
			.evaluate(WEB, request("GET", "/x", Collections.emptyMap()));
		assertThat(evaluation.result()).isEqualTo(IntentionRules.Result.DENY);
		assertThat(evaluation.reason()).contains("JWT");
		Intention intentionJwt = new Intention("", "", "default", "web", "default", "db", "", "", "", "consul", "",
				List.of(allow(path("/", null, null))), 9, Collections.emptyMap(),
				Map.of("Providers", List.of(Map.of("Name", "okta"))));
		assertThat(IntentionRules.compile(List.of(intentionJwt))
			.evaluate(WEB, request("GET", "/x", Collections.emptyMap()))
			.result()).isEqualTo(IntentionRules.Result.DENY);
	}

	@Test
	void permissionWithoutHttpMatchesEveryRequest() {
		IntentionRules rules = IntentionRules.compile(List.of(l7("web", 9, new Permission("deny", null, null))));
		assertThat(result(rules, WEB, "DELETE", "/anything")).isEqualTo(IntentionRules.Result.DENY);
	}

	private static IntentionRules.Result headerResult(HeaderPermission header, String name, String value) {
		IntentionRules rules = IntentionRules.compile(List
			.of(l7("web", 9, allow(new HttpPermission(null, null, null, List.of(header), Collections.emptyList())))));
		return rules.evaluate(WEB, request("GET", "/x", Map.of(name, List.of(value)))).result();
	}

	private static IntentionRules.Result result(IntentionRules rules, SpiffeId caller, String method, String path) {
		return rules.evaluate(caller, request(method, path, Collections.emptyMap())).result();
	}

	static L7Request request(String method, String path, Map<String, List<String>> headers) {
		return L7Request.of(method, path, false, headers.keySet(), headers::get);
	}

	static Intention l7(String source, int precedence, Permission... permissions) {
		return new Intention("", "", "default", source, "default", "db", "", "", "", "consul", "", List.of(permissions),
				precedence, Collections.emptyMap(), null);
	}

	static Permission allow(HttpPermission http) {
		return new Permission("allow", http, null);
	}

	static Permission deny(HttpPermission http) {
		return new Permission("deny", http, null);
	}

	static HttpPermission path(@Nullable String prefix, @Nullable String exact, @Nullable String regex) {
		return new HttpPermission(exact, prefix, regex, Collections.emptyList(), Collections.emptyList());
	}

	static HeaderPermission header(String name, boolean present, @Nullable String exact, @Nullable String prefix,
			@Nullable String suffix, @Nullable String regex, @Nullable String contains, boolean ignoreCase,
			boolean invert) {
		return new HeaderPermission(name, present, exact, prefix, suffix, regex, contains, ignoreCase, invert);
	}

}
