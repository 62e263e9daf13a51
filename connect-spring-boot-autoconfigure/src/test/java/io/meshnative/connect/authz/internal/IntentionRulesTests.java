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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.meshnative.connect.agent.internal.Intention;
import io.meshnative.connect.agent.internal.Intention.HeaderPermission;
import io.meshnative.connect.agent.internal.Intention.HttpPermission;
import io.meshnative.connect.agent.internal.Intention.Permission;
import io.meshnative.connect.identity.SpiffeId;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link IntentionRules}: Consul's evaluation order (precedence, first match,
 * permissions in order, default when none matches), L4 and L7, every HTTP match type and
 * pseudo-header, and the fail-closed rules (T-L7-01, CVE-2021-36213,
 * CVE-2024-10005/10006).
 *
 * @author connect-spring-boot authors
 */
class IntentionRulesTests {

	private static final SpiffeId WEB = SpiffeId.forService("11111111-2222-3333-4444-555555555555.consul", "default",
			"dc1", "web");

	private static final SpiffeId OTHER = SpiffeId.forService("11111111-2222-3333-4444-555555555555.consul", "default",
			"dc1", "other");

	private final List<String> problems = new ArrayList<>();

	@Test
	void allowApiPrefixAndDenyAdminDecideInPermissionOrder() {
		IntentionRules rules = compile(
				l7("web", 9, allow(path("/api/", null, null)), deny(path(null, "/admin", null))));
		assertThat(outcome(rules, WEB, "GET", "/api/items")).isEqualTo("allow");
		assertThat(outcome(rules, WEB, "GET", "/admin")).isEqualTo("deny");
		assertThat(outcome(rules, WEB, "GET", "/other")).isEqualTo("default-allow");
	}

	@ParameterizedTest
	@ValueSource(
			strings = { "/admin", "/%61dmin", "/ADMIN", "/Admin", "/admin/", "/admin;jsessionid=x", "/%41DMIN;x=y/" })
	void noCanonicalSpellingOfADeniedPathEscapesTheDeny(String raw) {
		IntentionRules rules = compile(l7("web", 9, deny(path(null, "/admin", null)), allow(path("/", null, null))));
		assertThat(outcome(rules, WEB, "GET", raw)).isEqualTo("deny");
	}

	@ParameterizedTest
	@ValueSource(strings = { "/admin;x=/api", "/api;x=1/items", "/%61pi/items" })
	void pathParametersAreReadBothWaysDenyAnyAllowAll(String raw) {
		IntentionRules denyParameters = compile(
				l7("web", 9, deny(path(null, null, ".*;.*")), allow(path("/", null, null))));
		assertThat(outcome(denyParameters, WEB, "GET", raw)).isEqualTo(raw.contains(";") ? "deny" : "allow");
		IntentionRules allowExact = compile(l7("web", 9, allow(path(null, "/api/items", null))));
		assertThat(outcome(allowExact, WEB, "GET", raw))
			.isEqualTo(raw.equals("/%61pi/items") ? "allow" : "default-allow");
	}

	@Test
	void allowPathsMatchExactlyAsConsulDoes() {
		IntentionRules rules = compile(l7("web", 9, allow(path("/api/", null, null)), allow(path(null, "/exact", null)),
				allow(path(null, null, "/re/[0-9]+"))), false);
		assertThat(outcome(rules, WEB, "GET", "/API/items")).isEqualTo("default-deny");
		assertThat(outcome(rules, WEB, "GET", "/exact")).isEqualTo("allow");
		assertThat(outcome(rules, WEB, "GET", "/exact/")).isEqualTo("default-deny");
		assertThat(outcome(rules, WEB, "GET", "/re/42")).isEqualTo("allow");
		assertThat(outcome(rules, WEB, "GET", "/re/42/x")).isEqualTo("default-deny");
	}

	@Test
	void firstMatchingPermissionWins() {
		IntentionRules denyFirst = compile(
				l7("web", 9, deny(path("/api/secret", null, null)), allow(path("/api/", null, null))));
		assertThat(outcome(denyFirst, WEB, "GET", "/api/secret/x")).isEqualTo("deny");
		assertThat(outcome(denyFirst, WEB, "GET", "/api/open")).isEqualTo("allow");
		IntentionRules allowFirst = compile(
				l7("web", 9, allow(path("/api/", null, null)), deny(path("/api/secret", null, null))));
		assertThat(outcome(allowFirst, WEB, "GET", "/api/secret/x")).isEqualTo("allow");
	}

	@Test
	void intentionsAreEvaluatedByPrecedenceAndOnlyTheFirstMatchingSourceDecides() {
		Intention wildcard = l7("*", 8, allow(path("/", null, null)));
		Intention exact = l7("web", 9, deny(path("/admin", null, null)));
		IntentionRules rules = compile(List.of(wildcard, exact), false);
		assertThat(outcome(rules, WEB, "GET", "/admin")).isEqualTo("deny");
		assertThat(outcome(rules, WEB, "GET", "/api")).as("web's own intention decides: no match, the default")
			.isEqualTo("default-deny");
		assertThat(outcome(rules, OTHER, "GET", "/admin")).isEqualTo("allow");
	}

	@Test
	void layer4IntentionsDecideByActionAndMostPreciseFirst() {
		IntentionRules rules = compile(List.of(l4("*", 8, "deny"), l4("web", 9, "allow")), true);
		assertThat(outcome(rules, WEB, "POST", "/x")).isEqualTo("allow");
		assertThat(outcome(rules, OTHER, "POST", "/x")).isEqualTo("deny");
		assertThat(rules.decide(WEB, null).allowed()).isTrue();
		assertThat(rules.decide(OTHER, null).reason()).startsWith("Matched L4 intention: default/* => default/db");
	}

	@Test
	void aLayer7IntentionDeniesAConnection() {
		IntentionRules rules = compile(l7("web", 9, allow(path("/", null, null))));
		IntentionRules.Evaluation evaluation = rules.decide(WEB, null);
		assertThat(evaluation.kind()).isEqualTo(IntentionRules.Kind.INTENTION);
		assertThat(evaluation.allowed()).isFalse();
	}

	@Test
	void noIntentionForTheCallerGetsTheDefaultAndAnUnknownDefaultDecidesNothing() {
		IntentionRules rules = compile(l7("other", 9, allow(path("/", null, null))));
		assertThat(outcome(rules, WEB, "GET", "/x")).isEqualTo("default-allow");
		assertThat(outcome(rules.withDefault(false), WEB, "GET", "/x")).isEqualTo("default-deny");
		assertThat(outcome(rules.withDefault(null), WEB, "GET", "/x")).isEqualTo("unknown");
		assertThat(outcome(IntentionRules.unavailable("no intentions:read"), WEB, "GET", "/x")).isEqualTo("unknown");
	}

	@Test
	void methodsOfAnAllowMatchExactlyAndADenyOnGetAlsoDeniesHead() {
		IntentionRules allowRules = compile(
				l7("web", 9, allow(new HttpPermission(null, "/api/", null, Collections.emptyList(), List.of("GET")))),
				false);
		assertThat(outcome(allowRules, WEB, "GET", "/api/x")).isEqualTo("allow");
		assertThat(outcome(allowRules, WEB, "HEAD", "/api/x")).isEqualTo("default-deny");
		assertThat(outcome(allowRules, WEB, "POST", "/api/x")).isEqualTo("default-deny");
		assertThat(outcome(allowRules, WEB, "get", "/api/x")).isEqualTo("default-deny");
		IntentionRules denyRules = compile(
				l7("web", 9, deny(new HttpPermission(null, "/api/", null, Collections.emptyList(), List.of("GET")))));
		assertThat(outcome(denyRules, WEB, "HEAD", "/api/x")).isEqualTo("deny");
		assertThat(outcome(denyRules, WEB, "get", "/api/x")).isEqualTo("deny");
		assertThat(outcome(denyRules, WEB, "POST", "/api/x")).isEqualTo("default-allow");
	}

	@Test
	void headerMatchTypesAsConsulDefinesThem() {
		assertThat(headerOutcome(header("x-a", true, null, null, null, null, null, false, false), "x-a", "v"))
			.isEqualTo("allow");
		assertThat(headerOutcome(header("x-a", true, null, null, null, null, null, false, false), "x-b", "v"))
			.isEqualTo("default-deny");
		assertThat(headerOutcome(header("x-a", true, null, null, null, null, null, false, true), "x-b", "v"))
			.isEqualTo("allow");
		assertThat(headerOutcome(header("x-a", false, "v", null, null, null, null, false, false), "X-A", "v"))
			.isEqualTo("allow");
		assertThat(headerOutcome(header("x-a", false, "v", null, null, null, null, false, false), "x-a", "V"))
			.isEqualTo("default-deny");
		assertThat(headerOutcome(header("x-a", false, "v", null, null, null, null, true, false), "x-a", "V"))
			.isEqualTo("allow");
		assertThat(headerOutcome(header("x-a", false, null, "pre", null, null, null, false, false), "x-a", "prefix"))
			.isEqualTo("allow");
		assertThat(headerOutcome(header("x-a", false, null, null, "fix", null, null, false, false), "x-a", "suffix"))
			.isEqualTo("allow");
		assertThat(headerOutcome(header("x-a", false, null, null, null, "a+b", null, false, false), "x-a", "aaab"))
			.isEqualTo("allow");
		assertThat(headerOutcome(header("x-a", false, null, null, null, "a+b", null, false, false), "x-a", "aaabc"))
			.isEqualTo("default-deny");
		assertThat(headerOutcome(header("x-a", false, null, null, null, null, "mid", false, false), "x-a", "amidst"))
			.isEqualTo("allow");
		assertThat(headerOutcome(header("x-a", false, "v", null, null, null, null, false, true), "x-a", "w"))
			.isEqualTo("allow");
		assertThat(headerOutcome(header("x-a", false, "v", null, null, null, null, false, true), "x-b", "w"))
			.as("a value condition on an absent header does not match, even inverted (as in Envoy)")
			.isEqualTo("default-deny");
		assertThat(headerOutcome(header("x-a", false, "v", null, null, "w", null, false, false), "x-a", "v"))
			.as("Exact is read before Regex, as Consul translates it")
			.isEqualTo("allow");
	}

	@Test
	void pseudoHeadersMatchAsEnvoyMatchesThem() {
		assertThat(pseudoOutcome(header(":path", false, null, "/api/items?", null, null, null, false, false), "GET",
				"/api/items?x=1"))
			.as(":path carries the query")
			.isEqualTo("allow");
		assertThat(pseudoOutcome(header(":path", false, "/api/items", null, null, null, null, false, false), "GET",
				"/api/items?x=1"))
			.isEqualTo("default-deny");
		assertThat(pseudoOutcome(header(":method", false, "PUT", null, null, null, null, false, false), "PUT", "/x"))
			.isEqualTo("allow");
		assertThat(pseudoOutcome(header(":method", false, "PUT", null, null, null, null, false, false), "GET", "/x"))
			.isEqualTo("default-deny");
		assertThat(pseudoOutcome(header(":scheme", false, "https", null, null, null, null, false, false), "GET", "/x"))
			.isEqualTo("allow");
		assertThat(pseudoOutcome(header(":authority", false, "api.local", null, null, null, null, false, false), "GET",
				"/x"))
			.isEqualTo("allow");
		IntentionRules denyRawAndDecoded = compile(l7("web", 9,
				deny(new HttpPermission(null, null, null,
						List.of(header(":path", false, null, "/admin", null, null, null, false, false)),
						Collections.emptyList())),
				allow(path("/", null, null))));
		assertThat(outcome(denyRawAndDecoded, WEB, "GET", "/%61dmin?x"))
			.as("a deny on :path reads the decoded path too")
			.isEqualTo("deny");
		IntentionRules denyHeadAsGet = compile(l7("web", 9,
				deny(new HttpPermission(null, null, null,
						List.of(header(":method", false, "GET", null, null, null, null, false, false)),
						Collections.emptyList())),
				allow(path("/", null, null))));
		assertThat(outcome(denyHeadAsGet, WEB, "HEAD", "/x")).isEqualTo("deny");
	}

	@Test
	void conditionsThatCannotBeEvaluatedFailClosedAndAreReported() {
		HeaderPermission unknownPseudo = header(":protocol", false, "h2", null, null, null, null, false, false);
		IntentionRules denyUnknown = compile(l7("web", 9,
				deny(new HttpPermission(null, null, null, List.of(unknownPseudo), Collections.emptyList())),
				allow(path("/", null, null))));
		assertThat(outcome(denyUnknown, WEB, "GET", "/x")).as("a deny that cannot be evaluated matches")
			.isEqualTo("deny");
		IntentionRules allowUnknown = compile(
				l7("web", 9,
						allow(new HttpPermission(null, null, null, List.of(unknownPseudo), Collections.emptyList()))),
				true);
		assertThat(outcome(allowUnknown, WEB, "GET", "/x")).as("an allow that cannot be evaluated never matches")
			.isEqualTo("default-allow");
		assertThat(this.problems).anySatisfy((problem) -> assertThat(problem)
			.contains("intention default/web => default/db (precedence 9), permission 0")
			.contains("':protocol'"));
		IntentionRules badRegex = compile(l7("web", 9, deny(path(null, null, "([a-z")), allow(path("/", null, null))));
		assertThat(outcome(badRegex, WEB, "GET", "/anything")).isEqualTo("deny");
		IntentionRules badAllowRegex = compile(l7("web", 9, allow(path(null, null, "([a-z"))), false);
		assertThat(outcome(badAllowRegex, WEB, "GET", "/anything")).isEqualTo("default-deny");
		IntentionRules unknownAction = compile(l7("web", 9, new Permission("maybe", null, null)));
		assertThat(outcome(unknownAction, WEB, "GET", "/x")).isEqualTo("deny");
		IntentionRules noMatch = compile(l7("web", 9, allow(new HttpPermission(null, null, null,
				List.of(header("x-a", false, null, null, null, null, null, false, false)), Collections.emptyList()))),
				false);
		assertThat(outcome(noMatch, WEB, "GET", "/x")).isEqualTo("default-deny");
		assertThat(this.problems).hasSizeGreaterThanOrEqualTo(5);
	}

	@Test
	void duplicateAndUnderscoreHeadersCannotSlipPastADeny() {
		IntentionRules rules = compile(l7("web", 9,
				deny(new HttpPermission(null, null, null,
						List.of(header("x-user", false, "mallory", null, null, null, null, false, false)),
						Collections.emptyList())),
				allow(path("/", null, null))));
		Map<String, List<String>> duplicate = new LinkedHashMap<>();
		duplicate.put("x-user", List.of("alice", "mallory"));
		assertThat(outcome(rules, WEB, request("GET", "/x", duplicate))).isEqualTo("deny");
		assertThat(outcome(rules, WEB, request("GET", "/x", Map.of("x_user", List.of("mallory"))))).isEqualTo("deny");
		assertThat(outcome(rules, WEB, request("GET", "/x", Map.of("X-User", List.of("alice"))))).isEqualTo("allow");
	}

	@Test
	void anAllowHeaderConditionMustHoldForEveryValue() {
		IntentionRules rules = compile(l7("web", 9,
				allow(new HttpPermission(null, null, null,
						List.of(header("x-role", false, "admin", null, null, null, null, false, false)),
						Collections.emptyList()))),
				false);
		assertThat(outcome(rules, WEB, request("GET", "/x", Map.of("x-role", List.of("admin"))))).isEqualTo("allow");
		assertThat(outcome(rules, WEB, request("GET", "/x", Map.of("x-role", List.of("admin", "guest")))))
			.isEqualTo("default-deny");
		assertThat(outcome(rules, WEB,
				request("GET", "/x", Map.of("x_role", List.of("guest"), "x-role", List.of("admin")))))
			.isEqualTo("default-deny");
	}

	@Test
	void hostIsComparedWithoutRegardToCase() {
		IntentionRules rules = compile(l7("web", 9,
				deny(new HttpPermission(null, null, null,
						List.of(header("Host", false, null, null, "bad.com", null, null, false, false)),
						Collections.emptyList()))));
		assertThat(outcome(rules, WEB, request("GET", "/x", Map.of("host", List.of("foo.BAD.com"))))).isEqualTo("deny");
	}

	@Test
	void jwtRequirementsCannotBeEvaluatedSoTheyFailClosed() {
		Permission allowWithJwt = new Permission("allow", path("/", null, null),
				Map.of("Providers", List.of(Map.of("Name", "okta"))));
		assertThat(outcome(compile(l7("web", 9, allowWithJwt)), WEB, "GET", "/x")).isEqualTo("default-allow");
		assertThat(outcome(compile(l7("web", 9, allowWithJwt), false), WEB, "GET", "/x")).isEqualTo("default-deny");
		Permission denyWithJwt = new Permission("deny", path("/", null, null),
				Map.of("Providers", List.of(Map.of("Name", "okta"))));
		assertThat(outcome(compile(l7("web", 9, denyWithJwt)), WEB, "GET", "/x")).isEqualTo("deny");
		Intention intentionJwt = new Intention("", "", "default", "web", "default", "db", "", "", "", "consul", "",
				List.of(allow(path("/", null, null))), 9, Collections.emptyMap(),
				Map.of("Providers", List.of(Map.of("Name", "okta"))));
		IntentionRules.Evaluation evaluation = compile(List.of(intentionJwt), true).decide(WEB,
				request("GET", "/x", Collections.emptyMap()));
		assertThat(evaluation.allowed()).isFalse();
		assertThat(evaluation.reason()).contains("JWT");
		assertThat(this.problems).anySatisfy((problem) -> assertThat(problem).contains("JWT"));
	}

	@Test
	void permissionWithoutHttpMatchesEveryRequest() {
		IntentionRules rules = compile(l7("web", 9, new Permission("deny", null, null)));
		assertThat(outcome(rules, WEB, "DELETE", "/anything")).isEqualTo("deny");
	}

	@Test
	void wildcardSourcesAreNoticed() {
		assertThat(compile(l4("web", 9, "allow")).hasWildcardSource()).isFalse();
		assertThat(compile(l4("*", 8, "allow")).hasWildcardSource()).isTrue();
	}

	private IntentionRules compile(Intention intention) {
		return compile(List.of(intention), true);
	}

	private IntentionRules compile(Intention intention, boolean defaultAllow) {
		return compile(List.of(intention), defaultAllow);
	}

	private IntentionRules compile(List<Intention> intentions, boolean defaultAllow) {
		return IntentionRules.compile(intentions, defaultAllow, this.problems::add);
	}

	private String headerOutcome(HeaderPermission header, String name, String value) {
		IntentionRules rules = compile(
				l7("web", 9, allow(new HttpPermission(null, null, null, List.of(header), Collections.emptyList()))),
				false);
		return outcome(rules, WEB, request("GET", "/x", Map.of(name, List.of(value))));
	}

	private String pseudoOutcome(HeaderPermission header, String method, String target) {
		IntentionRules rules = compile(
				l7("web", 9, allow(new HttpPermission(null, null, null, List.of(header), Collections.emptyList()))),
				false);
		return outcome(rules, WEB, request(method, target, Map.of("Host", List.of("api.local"))));
	}

	static String outcome(IntentionRules rules, SpiffeId caller, String method, String target) {
		return outcome(rules, caller, request(method, target, Collections.emptyMap()));
	}

	static String outcome(IntentionRules rules, SpiffeId caller, L7Request request) {
		IntentionRules.Evaluation evaluation = rules.decide(caller, request);
		return switch (evaluation.kind()) {
			case INTENTION -> evaluation.allowed() ? "allow" : "deny";
			case DEFAULT -> evaluation.allowed() ? "default-allow" : "default-deny";
			case UNKNOWN -> "unknown";
		};
	}

	static L7Request request(String method, String target, Map<String, List<String>> headers) {
		return L7Request.of(method, RequestTarget.parse(target), headers.keySet(), headers::get);
	}

	static Intention l7(String source, int precedence, Permission... permissions) {
		return new Intention("", "", "default", source, "default", "db", "", "", "", "consul", "", List.of(permissions),
				precedence, Collections.emptyMap(), null);
	}

	static Intention l4(String source, int precedence, String action) {
		return new Intention("", "", "default", source, "default", "db", "", "", "", "consul", action,
				Collections.emptyList(), precedence, Collections.emptyMap(), null);
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
