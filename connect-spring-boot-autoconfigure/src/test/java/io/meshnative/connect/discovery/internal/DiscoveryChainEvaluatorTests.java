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

package io.meshnative.connect.discovery.internal;

import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.meshnative.connect.agent.internal.DiscoveryChain;
import io.meshnative.connect.agent.internal.DiscoveryChain.HeaderMatch;
import io.meshnative.connect.agent.internal.DiscoveryChain.HeaderModifiers;
import io.meshnative.connect.agent.internal.DiscoveryChain.HttpMatch;
import io.meshnative.connect.agent.internal.DiscoveryChain.LoadBalancer;
import io.meshnative.connect.agent.internal.DiscoveryChain.Node;
import io.meshnative.connect.agent.internal.DiscoveryChain.QueryParamMatch;
import io.meshnative.connect.agent.internal.DiscoveryChain.Route;
import io.meshnative.connect.agent.internal.DiscoveryChain.RouteDefinition;
import io.meshnative.connect.agent.internal.DiscoveryChain.RouteDestination;
import io.meshnative.connect.agent.internal.DiscoveryChain.RouteMatch;
import io.meshnative.connect.agent.internal.DiscoveryChain.Split;
import io.meshnative.connect.agent.internal.DiscoveryChain.SplitDefinition;
import io.meshnative.connect.agent.internal.DiscoveryChain.Target;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link DiscoveryChainEvaluator}, {@link RouteRequest} and
 * {@link HeaderModifications} with hand-built chains.
 *
 * @author connect-spring-boot authors
 */
class DiscoveryChainEvaluatorTests {

	private static final String V1 = "v1.api.default.default.dc1";

	private static final String V2 = "v2.api.default.default.dc1";

	private static final String V3 = "v3.api.default.default.dc1";

	private static final String RESOLVER_V1 = "resolver:" + V1;

	private static final String RESOLVER_V2 = "resolver:" + V2;

	private static final String ROUTER = "router:api.default.default";

	private static final String SPLITTER = "splitter:api.default.default";

	private static final LoadBalancer LEAST_REQUEST = new LoadBalancer("least_request", null, null, null);

	private static final LoadBalancer RANDOM = new LoadBalancer("random", null, null, null);

	private final DiscoveryChainEvaluator evaluator = new DiscoveryChainEvaluator();

	@Test
	void routeRequestHeaderLookupsAreCaseInsensitive() {
		RouteRequest request = RouteRequest.of("GET", "/").withHeader("X-Version", "a").withHeader("x-version", "b");
		assertThat(request.headers().get("X-VERSION")).containsExactly("a", "b");
		assertThat(request.header("x-Version")).isEqualTo("a");
		assertThat(request.headers()).hasSize(1);
	}

	@Test
	void routeRequestCopyMethodsLeaveTheOriginalUnchanged() {
		RouteRequest original = RouteRequest.of("GET", "/");
		RouteRequest copy = original.withQueryParameter("a", "1").withQueryParameter("a", "2").withSourceIp("10.0.0.1");
		assertThat(original.queryParameters()).isEmpty();
		assertThat(original.sourceIp()).isNull();
		assertThat(copy.queryParameters().get("a")).containsExactly("1", "2");
		assertThat(copy.queryParameter("a")).isEqualTo("1");
		assertThat(copy.sourceIp()).isEqualTo("10.0.0.1");
	}

	@Test
	void routeRequestPathMustNotIncludeAQuery() {
		assertThatIllegalArgumentException().isThrownBy(() -> RouteRequest.of("GET", "/a?b=c"))
			.withMessageContaining("/a?b=c");
	}

	@Test
	void resolverOnlyChainGivesPrimaryThenFailoverTargetsAndResolverSettings() {
		Node resolver = new Node("resolver", V1, null, null, new DiscoveryChain.Resolver(false, Duration.ofSeconds(5),
				Duration.ofSeconds(10), V1, new DiscoveryChain.Failover(List.of(V3, V2))), RANDOM);
		DiscoveryChain chain = chain(RESOLVER_V1, Map.of(RESOLVER_V1, resolver));
		RoutingDecision decision = this.evaluator.evaluate(chain, RouteRequest.of("GET", "/a"), 0);
		assertThat(decision.targets()).extracting(Target::id).containsExactly(V1, V3, V2);
		assertThat(decision.primaryTarget().serviceSubset()).isEqualTo("v1");
		assertThat(decision.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
		assertThat(decision.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
		assertThat(decision.rewrittenPath()).isNull();
		assertThat(decision.retryPolicy()).isEqualTo(RetryPolicy.NONE);
		assertThat(decision.requestHeaderModifiers()).isEmpty();
		assertThat(decision.responseHeaderModifiers()).isEmpty();
		assertThat(decision.loadBalancer()).isEqualTo(RANDOM);
	}

	@Test
	void zeroResolverTimeoutsAreAbsent() {
		Node resolver = new Node("resolver", V1, null, null,
				new DiscoveryChain.Resolver(true, Duration.ZERO, Duration.ZERO, V1, null), null);
		RoutingDecision decision = this.evaluator.evaluate(chain(RESOLVER_V1, Map.of(RESOLVER_V1, resolver)),
				RouteRequest.of("GET", "/"), 0);
		assertThat(decision.connectTimeout()).isNull();
		assertThat(decision.requestTimeout()).isNull();
		assertThat(decision.loadBalancer()).isNull();
	}

	@Test
	void pathExactMatchesOnlyTheExactPathAndRewritesIt() {
		DiscoveryChain chain = routerChain(route(http("/exact", null, null), rewrite("/other"), RESOLVER_V2),
				catchAll());
		RoutingDecision exact = evaluate(chain, "GET", "/exact");
		assertThat(exact.primaryTarget().id()).isEqualTo(V2);
		assertThat(exact.rewrittenPath()).isEqualTo("/other");
		assertThat(evaluate(chain, "GET", "/exact/more").primaryTarget().id()).isEqualTo(V1);
		assertThat(evaluate(chain, "GET", "/exac").primaryTarget().id()).isEqualTo(V1);
	}

	@Test
	void pathPrefixRewriteReplacesTheMatchedPrefix() {
		DiscoveryChain chain = routerChain(route(http(null, "/admin", null), rewrite("/"), RESOLVER_V2),
				route(http(null, "/api/", null), rewrite("/v2/"), RESOLVER_V2), catchAll());
		assertThat(evaluate(chain, "GET", "/admin/x").rewrittenPath()).isEqualTo("/x");
		assertThat(evaluate(chain, "GET", "/admin").rewrittenPath()).isEqualTo("/");
		assertThat(evaluate(chain, "GET", "/administrator").rewrittenPath()).isEqualTo("/istrator");
		assertThat(evaluate(chain, "GET", "/api/orders/1").rewrittenPath()).isEqualTo("/v2/orders/1");
		RoutingDecision other = evaluate(chain, "GET", "/other");
		assertThat(other.primaryTarget().id()).isEqualTo(V1);
		assertThat(other.rewrittenPath()).isNull();
	}

	@Test
	void pathRegexIsAFullMatchAndNeverRewrites() {
		DiscoveryChain chain = routerChain(route(http(null, null, "/items/[0-9]+"), rewrite("/"), RESOLVER_V2),
				catchAll());
		RoutingDecision matched = evaluate(chain, "GET", "/items/42");
		assertThat(matched.primaryTarget().id()).isEqualTo(V2);
		assertThat(matched.rewrittenPath()).isNull();
		assertThat(evaluate(chain, "GET", "/items/42/x").primaryTarget().id()).isEqualTo(V1);
		assertThat(evaluate(chain, "GET", "/x/items/42").primaryTarget().id()).isEqualTo(V1);
	}

	@Test
	void routeDestinationSuppliesRetriesTimeoutAndHeaderModifiers() {
		HeaderModifiers requestHeaders = new HeaderModifiers(Map.of("x-route", "1"), null, null);
		HeaderModifiers responseHeaders = new HeaderModifiers(null, Map.of("x-served-by", "route"), null);
		RouteDestination destination = new RouteDestination(null, null, null, null, null, Duration.ofSeconds(3), null,
				2, true, List.of("5xx", "reset"), List.of(503, 504), requestHeaders, responseHeaders);
		DiscoveryChain chain = routerChain(route(http(null, "/admin", null), destination, RESOLVER_V2), catchAll());
		RoutingDecision decision = evaluate(chain, "GET", "/admin/x");
		assertThat(decision.retryPolicy())
			.isEqualTo(new RetryPolicy(2, true, List.of("5xx", "reset"), List.of(503, 504)));
		assertThat(decision.requestTimeout()).isEqualTo(Duration.ofSeconds(3));
		assertThat(decision.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
		assertThat(decision.requestHeaderModifiers()).containsExactly(requestHeaders);
		assertThat(decision.responseHeaderModifiers()).containsExactly(responseHeaders);
		RoutingDecision fallback = evaluate(chain, "GET", "/");
		assertThat(fallback.retryPolicy()).isEqualTo(RetryPolicy.NONE);
		assertThat(fallback.requestTimeout()).isEqualTo(Duration.ofSeconds(15));
	}

	@Test
	void headerMatchTypes() {
		assertHeaderMatch(header("present", true, null, null, null, null, false), "x", true);
		assertHeaderMatch(header("exact", false, "canary", null, null, null, false), "canary", true);
		assertHeaderMatch(header("exact", false, "canary", null, null, null, false), "canary-2", false);
		assertHeaderMatch(header("prefix", false, null, "can", null, null, false), "canary", true);
		assertHeaderMatch(header("prefix", false, null, "can", null, null, false), "scan", false);
		assertHeaderMatch(header("suffix", false, null, null, "ary", null, false), "canary", true);
		assertHeaderMatch(header("suffix", false, null, null, "ary", null, false), "aryx", false);
		assertHeaderMatch(header("regex", false, null, null, null, "v[0-9]+", false), "v12", true);
		assertHeaderMatch(header("regex", false, null, null, null, "v[0-9]+", false), "v12x", false);
		assertHeaderMatch(header("exact", false, "canary", null, null, null, true), "canary", false);
		assertHeaderMatch(header("exact", false, "canary", null, null, null, true), "stable", true);
		assertHeaderMatch(header("regex", false, null, null, null, "v[0-9]+", true), "latest", true);
	}

	@Test
	void missingHeaderMatchesOnlyAnInvertedPresenceMatch() {
		RouteRequest request = RouteRequest.of("GET", "/").withHeader("other", "x");
		assertThat(headerChainTarget(header("x-h", true, null, null, null, null, false), request)).isEqualTo(V1);
		assertThat(headerChainTarget(header("x-h", true, null, null, null, null, true), request)).isEqualTo(V2);
		assertThat(headerChainTarget(header("x-h", false, "a", null, null, null, true), request)).isEqualTo(V1);
		assertThat(headerChainTarget(header("x-h", false, "a", null, null, null, false), request)).isEqualTo(V1);
	}

	@Test
	void headerNamesMatchCaseInsensitivelyAndRepeatedValuesAreJoined() {
		HeaderMatch match = header("X-Version", false, "a,b", null, null, null, false);
		RouteRequest request = RouteRequest.of("GET", "/").withHeader("x-version", "a").withHeader("X-VERSION", "b");
		assertThat(headerChainTarget(match, request)).isEqualTo(V2);
	}

	@Test
	void everyHeaderAndQueryParameterMatchMustHold() {
		HttpMatch http = new HttpMatch(null, null, null,
				List.of(header("x-a", true, null, null, null, null, false),
						header("x-b", false, "1", null, null, null, false)),
				List.of(new QueryParamMatch("debug", true, null, null)), null);
		DiscoveryChain chain = routerChain(route(http, null, RESOLVER_V2), catchAll());
		RouteRequest all = RouteRequest.of("GET", "/")
			.withHeader("x-a", "")
			.withHeader("x-b", "1")
			.withQueryParameter("debug", "");
		assertThat(target(chain, all)).isEqualTo(V2);
		assertThat(target(chain, RouteRequest.of("GET", "/").withHeader("x-a", "").withHeader("x-b", "1")))
			.isEqualTo(V1);
		assertThat(target(chain, RouteRequest.of("GET", "/").withHeader("x-a", "").withQueryParameter("debug", "")))
			.isEqualTo(V1);
	}

	@Test
	void queryParameterMatchTypes() {
		assertQueryMatch(new QueryParamMatch("q", true, null, null), "anything", true);
		assertQueryMatch(new QueryParamMatch("q", false, "yes", null), "yes", true);
		assertQueryMatch(new QueryParamMatch("q", false, "yes", null), "yess", false);
		assertQueryMatch(new QueryParamMatch("q", false, null, "[a-z]+"), "abc", true);
		assertQueryMatch(new QueryParamMatch("q", false, null, "[a-z]+"), "abc1", false);
		assertQueryMatch(new QueryParamMatch("q", true, null, null), null, false);
		assertQueryMatch(new QueryParamMatch("q", false, "yes", null), null, false);
	}

	@Test
	void methodsMatchCaseInsensitivelyAndEmptyMeansAny() {
		HttpMatch http = new HttpMatch(null, "/", null, null, null, List.of("POST", "put"));
		DiscoveryChain chain = routerChain(route(http, null, RESOLVER_V2), catchAll());
		assertThat(evaluate(chain, "post", "/x").primaryTarget().id()).isEqualTo(V2);
		assertThat(evaluate(chain, "PUT", "/x").primaryTarget().id()).isEqualTo(V2);
		assertThat(evaluate(chain, "GET", "/x").primaryTarget().id()).isEqualTo(V1);
		DiscoveryChain any = routerChain(route(http(null, "/", null), null, RESOLVER_V2));
		assertThat(evaluate(any, "DELETE", "/x").primaryTarget().id()).isEqualTo(V2);
	}

	@Test
	void routeWithoutMatchOrWithoutHttpMatchMatchesEverything() {
		DiscoveryChain noMatch = routerChain(new Route(new RouteDefinition(null, null), RESOLVER_V2));
		assertThat(evaluate(noMatch, "GET", "/anything").primaryTarget().id()).isEqualTo(V2);
		DiscoveryChain noHttp = routerChain(new Route(new RouteDefinition(new RouteMatch(null), null), RESOLVER_V2));
		assertThat(evaluate(noHttp, "GET", "/anything").primaryTarget().id()).isEqualTo(V2);
	}

	@Test
	void firstMatchingRouteWins() {
		DiscoveryChain chain = routerChain(route(http(null, "/a", null), rewrite("/first"), RESOLVER_V1),
				route(http(null, "/a/b", null), rewrite("/second"), RESOLVER_V2), catchAll());
		RoutingDecision decision = evaluate(chain, "GET", "/a/b");
		assertThat(decision.primaryTarget().id()).isEqualTo(V1);
		assertThat(decision.rewrittenPath()).isEqualTo("/first/b");
	}

	@Test
	void splitterPicksTheFirstSplitWhoseCumulativeWeightExceedsTheRoll() {
		DiscoveryChain chain = splitterChain(null, null);
		assertThat(split(chain, 0)).isEqualTo(V1);
		assertThat(split(chain, 79.99)).isEqualTo(V1);
		assertThat(split(chain, 80)).isEqualTo(V2);
		assertThat(split(chain, 99.99)).isEqualTo(V2);
	}

	@Test
	void splitterCoversTheWholeRangeDespiteFloatRounding() {
		Node splitter = new Node("splitter", "api", null, List.of(new Split(null, 33.33f, RESOLVER_V1),
				new Split(null, 33.33f, RESOLVER_V1), new Split(null, 33.33f, RESOLVER_V2)), null, null);
		DiscoveryChain chain = chain(SPLITTER, nodes(SPLITTER, splitter));
		assertThat(split(chain, 99.999)).isEqualTo(V2);
	}

	@Test
	void splitRollOutOfRangeIsRejected() {
		DiscoveryChain chain = splitterChain(null, null);
		assertThatIllegalArgumentException().isThrownBy(() -> split(chain, 100));
		assertThatIllegalArgumentException().isThrownBy(() -> split(chain, -0.1));
		assertThatIllegalArgumentException().isThrownBy(() -> split(chain, Double.NaN));
	}

	@Test
	void splitHeaderModifiersFollowTheRoutesAndSplitterLoadBalancerIsTheFallback() {
		HeaderModifiers routeRequest = new HeaderModifiers(Map.of("x-route", "1"), null, null);
		HeaderModifiers splitRequest = new HeaderModifiers(Map.of("x-split", "1"), null, null);
		HeaderModifiers splitResponse = new HeaderModifiers(null, null, List.of("x-internal"));
		Map<String, Node> nodes = splitterChain(splitRequest, splitResponse).nodes();
		Node router = new Node("router", "api", List.of(route(http(null, "/", null), new RouteDestination(null, null,
				null, null, null, null, null, 0, false, null, null, routeRequest, null), SPLITTER)), null, null, null);
		DiscoveryChain chain = chain(ROUTER, nodes(ROUTER, router, SPLITTER, nodes.get(SPLITTER)));
		RoutingDecision decision = this.evaluator.evaluate(chain, RouteRequest.of("GET", "/"), 90);
		assertThat(decision.primaryTarget().id()).isEqualTo(V2);
		assertThat(decision.requestHeaderModifiers()).containsExactly(routeRequest, splitRequest);
		assertThat(decision.responseHeaderModifiers()).containsExactly(splitResponse);
		assertThat(decision.loadBalancer()).isEqualTo(LEAST_REQUEST);
		Node resolverWithBalancer = new Node("resolver", V2, null, null, resolver(V2).resolver(), RANDOM);
		DiscoveryChain preferResolver = chain(SPLITTER,
				nodes(SPLITTER, nodes.get(SPLITTER), RESOLVER_V2, resolverWithBalancer));
		assertThat(this.evaluator.evaluate(preferResolver, RouteRequest.of("GET", "/"), 90).loadBalancer())
			.isEqualTo(RANDOM);
	}

	@Test
	void missingNodeIsAnErrorNamingChainAndKey() {
		DiscoveryChain chain = routerChain(route(http(null, "/", null), null, "resolver:missing"));
		assertThatIllegalStateException().isThrownBy(() -> evaluate(chain, "GET", "/"))
			.withMessageContaining("'api'")
			.withMessageContaining("'resolver:missing'");
		DiscoveryChain noStart = chain("router:nowhere", Collections.emptyMap());
		assertThatIllegalStateException().isThrownBy(() -> evaluate(noStart, "GET", "/"))
			.withMessageContaining("'router:nowhere'");
	}

	@Test
	void missingTargetIsAnErrorNamingChainAndKey() {
		Node resolver = new Node("resolver", V1, null, null, new DiscoveryChain.Resolver(false, null, null, V1,
				new DiscoveryChain.Failover(List.of("v9.api.default.default.dc1"))), null);
		DiscoveryChain chain = chain(RESOLVER_V1, Map.of(RESOLVER_V1, resolver));
		assertThatIllegalStateException().isThrownBy(() -> evaluate(chain, "GET", "/"))
			.withMessageContaining("'api'")
			.withMessageContaining("'v9.api.default.default.dc1'");
	}

	@Test
	void unknownNodeTypeIsAnError() {
		DiscoveryChain chain = chain("gateway:x",
				Map.of("gateway:x", new Node("gateway", "x", null, null, null, null)));
		assertThatIllegalStateException().isThrownBy(() -> evaluate(chain, "GET", "/"))
			.withMessageContaining("'api'")
			.withMessageContaining("'gateway:x'")
			.withMessageContaining("'gateway'");
	}

	@Test
	void routerWithoutMatchingRouteAndCyclesAreErrors() {
		DiscoveryChain chain = routerChain(route(http("/only", null, null), null, RESOLVER_V1));
		assertThatIllegalStateException().isThrownBy(() -> evaluate(chain, "GET", "/other"))
			.withMessageContaining("'api'")
			.withMessageContaining(ROUTER);
		Node loop = new Node("router", "api", List.of(new Route(new RouteDefinition(null, null), ROUTER)), null, null,
				null);
		DiscoveryChain cycle = chain(ROUTER, Map.of(ROUTER, loop));
		assertThatIllegalStateException().isThrownBy(() -> evaluate(cycle, "GET", "/")).withMessageContaining("cycle");
	}

	@Test
	void headerModificationsAddSetAndRemoveCaseInsensitively() {
		Map<String, List<String>> headers = Map.of("X-Keep", List.of("k"), "X-Multi", List.of("a"), "X-Replace",
				List.of("old1", "old2"), "X-Drop", List.of("d"));
		HeaderModifiers first = new HeaderModifiers(Map.of("x-multi", "b", "x-new", "n"), Map.of("x-replace", "new"),
				List.of("x-drop"));
		HeaderModifiers second = new HeaderModifiers(null, Map.of("X-NEW", "n2"), null);
		Map<String, List<String>> result = HeaderModifications.apply(List.of(first, second), headers);
		assertThat(result.get("x-keep")).containsExactly("k");
		assertThat(result.get("x-multi")).containsExactly("a", "b");
		assertThat(result.get("x-replace")).containsExactly("new");
		assertThat(result.get("x-new")).containsExactly("n2");
		assertThat(result).doesNotContainKey("x-drop");
		assertThat(result).hasSize(4);
		assertThat(headers.get("X-Drop")).containsExactly("d");
	}

	private void assertHeaderMatch(HeaderMatch match, String value, boolean expected) {
		RouteRequest request = RouteRequest.of("GET", "/").withHeader(match.name(), value);
		assertThat(headerChainTarget(match, request)).as("%s against %s", match, value).isEqualTo(expected ? V2 : V1);
	}

	private void assertQueryMatch(QueryParamMatch match, @Nullable String value, boolean expected) {
		RouteRequest request = RouteRequest.of("GET", "/");
		if (value != null) {
			request = request.withQueryParameter(match.name(), value);
		}
		HttpMatch http = new HttpMatch(null, null, null, null, List.of(match), null);
		assertThat(target(routerChain(route(http, null, RESOLVER_V2), catchAll()), request))
			.as("%s against %s", match, value)
			.isEqualTo(expected ? V2 : V1);
	}

	private String headerChainTarget(HeaderMatch match, RouteRequest request) {
		HttpMatch http = new HttpMatch(null, null, null, List.of(match), null, null);
		return target(routerChain(route(http, null, RESOLVER_V2), catchAll()), request);
	}

	private String target(DiscoveryChain chain, RouteRequest request) {
		return this.evaluator.evaluate(chain, request, 0).primaryTarget().id();
	}

	private String split(DiscoveryChain chain, double roll) {
		return this.evaluator.evaluate(chain, RouteRequest.of("GET", "/"), roll).primaryTarget().id();
	}

	private RoutingDecision evaluate(DiscoveryChain chain, String method, String path) {
		return this.evaluator.evaluate(chain, RouteRequest.of(method, path), 0);
	}

	private static HeaderMatch header(String name, boolean present, @Nullable String exact, @Nullable String prefix,
			@Nullable String suffix, @Nullable String regex, boolean invert) {
		return new HeaderMatch(name, present, exact, prefix, suffix, regex, invert);
	}

	private static HttpMatch http(@Nullable String exact, @Nullable String prefix, @Nullable String regex) {
		return new HttpMatch(exact, prefix, regex, null, null, null);
	}

	private static RouteDestination rewrite(String prefixRewrite) {
		return new RouteDestination(null, null, null, null, prefixRewrite, null, null, 0, false, null, null, null,
				null);
	}

	private static Route route(HttpMatch http, @Nullable RouteDestination destination, String next) {
		return new Route(new RouteDefinition(new RouteMatch(http), destination), next);
	}

	private static Route catchAll() {
		return route(http(null, "/", null), null, RESOLVER_V1);
	}

	private static DiscoveryChain routerChain(Route... routes) {
		Node router = new Node("router", "api", List.of(routes), null, null, null);
		return chain(ROUTER, nodes(ROUTER, router));
	}

	private static DiscoveryChain splitterChain(@Nullable HeaderModifiers requestHeaders,
			@Nullable HeaderModifiers responseHeaders) {
		Split v1 = new Split(new SplitDefinition(80, null, "v1", null, null, null, null), 80, RESOLVER_V1);
		Split v2 = new Split(new SplitDefinition(20, null, "v2", null, null, requestHeaders, responseHeaders), 20,
				RESOLVER_V2);
		Node splitter = new Node("splitter", "api", null, List.of(v1, v2), null, LEAST_REQUEST);
		return chain(SPLITTER, nodes(SPLITTER, splitter));
	}

	private static Map<String, Node> nodes(String key, Node node) {
		return Map.of(key, node, RESOLVER_V1, resolver(V1), RESOLVER_V2, resolver(V2));
	}

	private static Map<String, Node> nodes(String key1, Node node1, String key2, Node node2) {
		Map<String, Node> nodes = new HashMap<>(Map.of(key1, node1, key2, node2));
		nodes.putIfAbsent(RESOLVER_V1, resolver(V1));
		nodes.putIfAbsent(RESOLVER_V2, resolver(V2));
		return nodes;
	}

	private static Node resolver(String target) {
		return new Node("resolver", target, null, null,
				new DiscoveryChain.Resolver(false, Duration.ofSeconds(5), Duration.ofSeconds(15), target, null), null);
	}

	private static DiscoveryChain chain(String startNode, Map<String, Node> nodes) {
		return new DiscoveryChain("api", "default", "default", "dc1", null, false, "http", null, startNode, nodes,
				Map.of(V1, target(V1, "v1"), V2, target(V2, "v2"), V3, target(V3, "v3")));
	}

	private static Target target(String id, String subset) {
		return new Target(id, "api", subset, "default", "default", "dc1", null, null, null, null, id);
	}

}
