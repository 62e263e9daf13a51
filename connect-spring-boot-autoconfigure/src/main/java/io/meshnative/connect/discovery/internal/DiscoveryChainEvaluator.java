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
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import io.meshnative.connect.agent.internal.DiscoveryChain;
import io.meshnative.connect.agent.internal.DiscoveryChain.HeaderMatch;
import io.meshnative.connect.agent.internal.DiscoveryChain.HeaderModifiers;
import io.meshnative.connect.agent.internal.DiscoveryChain.HttpMatch;
import io.meshnative.connect.agent.internal.DiscoveryChain.Node;
import io.meshnative.connect.agent.internal.DiscoveryChain.QueryParamMatch;
import io.meshnative.connect.agent.internal.DiscoveryChain.Route;
import io.meshnative.connect.agent.internal.DiscoveryChain.RouteDestination;
import io.meshnative.connect.agent.internal.DiscoveryChain.Split;
import org.jspecify.annotations.Nullable;

/**
 * Walks a compiled {@link DiscoveryChain} for one request, the way Envoy would apply the
 * routes, splits and clusters Consul generates from it, and returns a
 * {@link RoutingDecision}.
 * <p>
 * Routers pick the first route whose HTTP match holds; splitters pick a split by a
 * caller-supplied roll in {@code [0, 100)}; resolvers end the walk. Instances are
 * stateless and thread-safe.
 * <p>
 * Differences from Envoy: regular expressions use {@link java.util.regex.Pattern} syntax
 * rather than RE2, and a prefix rewrite that ends with {@code /} applied to a remainder
 * that starts with {@code /} drops one of the slashes, so {@code /admin} rewritten to
 * {@code /} turns {@code /admin/x} into {@code /x} (Envoy would send {@code //x}).
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class DiscoveryChainEvaluator {

	private static final String ROUTER = "router";

	private static final String SPLITTER = "splitter";

	private static final String RESOLVER = "resolver";

	/**
	 * Evaluate a chain for a request.
	 * @param chain the compiled chain
	 * @param request the request
	 * @param splitRoll a number in {@code [0, 100)} that selects the split at splitter
	 * nodes: the first split whose cumulative weight exceeds it is taken (pass a uniform
	 * random number for weighted splitting)
	 * @return the routing decision
	 * @throws IllegalArgumentException if {@code splitRoll} is out of range
	 * @throws IllegalStateException if the chain is inconsistent: a missing node or
	 * target, an unknown node type, a router without a matching route, a splitter without
	 * splits or a cycle
	 */
	public RoutingDecision evaluate(DiscoveryChain chain, RouteRequest request, double splitRoll) {
		if (!(splitRoll >= 0 && splitRoll < 100)) {
			throw new IllegalArgumentException("splitRoll must be in [0, 100) but was " + splitRoll);
		}
		String key = chain.startNode();
		RouteDestination destination = null;
		String rewrittenPath = null;
		DiscoveryChain.SplitDefinition split = null;
		DiscoveryChain.LoadBalancer splitterLoadBalancer = null;
		int maxSteps = chain.nodes().size() + 1;
		for (int step = 0; step < maxSteps; step++) {
			Node node = node(chain, key);
			switch (node.type()) {
				case ROUTER -> {
					Route route = matchingRoute(chain, key, node, request);
					destination = route.definition().destination();
					rewrittenPath = rewrite(route, destination, request.path());
					key = route.nextNode();
				}
				case SPLITTER -> {
					Split selected = selectSplit(chain, key, node, splitRoll);
					split = selected.definition();
					splitterLoadBalancer = node.loadBalancer();
					key = selected.nextNode();
				}
				case RESOLVER -> {
					return decide(chain, key, node, destination, rewrittenPath, split, splitterLoadBalancer);
				}
				default -> throw new IllegalStateException("Discovery chain '" + chain.serviceName() + "' node '" + key
						+ "' has unknown type '" + node.type() + "'");
			}
		}
		throw new IllegalStateException("Discovery chain '" + chain.serviceName() + "' has a cycle at node '" + key
				+ "': no resolver reached after " + maxSteps + " nodes");
	}

	private RoutingDecision decide(DiscoveryChain chain, String key, Node node, @Nullable RouteDestination destination,
			@Nullable String rewrittenPath, DiscoveryChain.@Nullable SplitDefinition split,
			DiscoveryChain.@Nullable LoadBalancer splitterLoadBalancer) {
		DiscoveryChain.Resolver resolver = node.resolver();
		if (resolver == null) {
			throw new IllegalStateException(
					"Discovery chain '" + chain.serviceName() + "' resolver node '" + key + "' has no resolver");
		}
		List<DiscoveryChain.Target> targets = new ArrayList<>();
		targets.add(target(chain, resolver.target()));
		if (resolver.failover() != null) {
			resolver.failover().targets().forEach((id) -> targets.add(target(chain, id)));
		}
		Duration requestTimeout = (destination != null) ? nonZero(destination.requestTimeout()) : null;
		if (requestTimeout == null) {
			requestTimeout = nonZero(resolver.requestTimeout());
		}
		RetryPolicy retryPolicy = (destination != null) ? new RetryPolicy(destination.numRetries(),
				destination.retryOnConnectFailure(), destination.retryOn(), destination.retryOnStatusCodes())
				: RetryPolicy.NONE;
		List<HeaderModifiers> requestHeaders = new ArrayList<>();
		List<HeaderModifiers> responseHeaders = new ArrayList<>();
		if (destination != null) {
			addIfPresent(requestHeaders, destination.requestHeaders());
			addIfPresent(responseHeaders, destination.responseHeaders());
		}
		if (split != null) {
			addIfPresent(requestHeaders, split.requestHeaders());
			addIfPresent(responseHeaders, split.responseHeaders());
		}
		DiscoveryChain.LoadBalancer loadBalancer = (node.loadBalancer() != null) ? node.loadBalancer()
				: splitterLoadBalancer;
		return new RoutingDecision(targets, rewrittenPath, requestTimeout, nonZero(resolver.connectTimeout()),
				retryPolicy, requestHeaders, responseHeaders, loadBalancer);
	}

	private static void addIfPresent(List<HeaderModifiers> list, @Nullable HeaderModifiers modifiers) {
		if (modifiers != null) {
			list.add(modifiers);
		}
	}

	private static @Nullable Duration nonZero(@Nullable Duration duration) {
		return (duration != null && !duration.isZero()) ? duration : null;
	}

	private static Node node(DiscoveryChain chain, String key) {
		Node node = chain.nodes().get(key);
		if (node == null) {
			throw new IllegalStateException("Discovery chain '" + chain.serviceName() + "' has no node '" + key + "'");
		}
		return node;
	}

	private static DiscoveryChain.Target target(DiscoveryChain chain, String id) {
		DiscoveryChain.Target target = chain.targets().get(id);
		if (target == null) {
			throw new IllegalStateException("Discovery chain '" + chain.serviceName() + "' has no target '" + id + "'");
		}
		return target;
	}

	private static Route matchingRoute(DiscoveryChain chain, String key, Node node, RouteRequest request) {
		for (Route route : node.routes()) {
			DiscoveryChain.RouteMatch match = route.definition().match();
			if (match == null || match.http() == null || matches(match.http(), request)) {
				return route;
			}
		}
		throw new IllegalStateException("Discovery chain '" + chain.serviceName() + "' router node '" + key
				+ "' has no route matching " + request.method() + " " + request.path());
	}

	private static Split selectSplit(DiscoveryChain chain, String key, Node node, double splitRoll) {
		List<Split> splits = node.splits();
		if (splits.isEmpty()) {
			throw new IllegalStateException(
					"Discovery chain '" + chain.serviceName() + "' splitter node '" + key + "' has no splits");
		}
		double cumulative = 0;
		for (Split split : splits) {
			cumulative += split.weight();
			if (cumulative > splitRoll) {
				return split;
			}
		}
		// Weights sum to 100 but float rounding can leave the top of the range uncovered
		return splits.get(splits.size() - 1);
	}

	private static boolean matches(HttpMatch http, RouteRequest request) {
		return matchesPath(http, request.path()) && matchesMethod(http, request.method())
				&& http.header().stream().allMatch((header) -> matchesHeader(header, request))
				&& http.queryParam().stream().allMatch((param) -> matchesQueryParam(param, request));
	}

	private static boolean matchesPath(HttpMatch http, String path) {
		if (hasText(http.pathExact())) {
			return path.equals(http.pathExact());
		}
		if (hasText(http.pathPrefix())) {
			return path.startsWith(http.pathPrefix());
		}
		if (hasText(http.pathRegex())) {
			return Pattern.compile(http.pathRegex()).matcher(path).matches();
		}
		return true;
	}

	private static boolean matchesMethod(HttpMatch http, String method) {
		return http.methods().isEmpty() || http.methods().stream().anyMatch(method::equalsIgnoreCase);
	}

	private static boolean matchesHeader(HeaderMatch match, RouteRequest request) {
		List<String> values = request.headers().get(match.name());
		if (values == null || values.isEmpty()) {
			// Envoy: a missing header only matches an inverted presence match
			return match.invert() && isPresenceMatch(match);
		}
		// Envoy matches repeated headers as their values joined with commas
		String value = String.join(",", values);
		boolean matched;
		if (match.exact() != null && !match.exact().isEmpty()) {
			matched = value.equals(match.exact());
		}
		else if (hasText(match.prefix())) {
			matched = value.startsWith(match.prefix());
		}
		else if (hasText(match.suffix())) {
			matched = value.endsWith(match.suffix());
		}
		else if (hasText(match.regex())) {
			matched = Pattern.compile(match.regex()).matcher(value).matches();
		}
		else {
			matched = true;
		}
		return matched != match.invert();
	}

	private static boolean isPresenceMatch(HeaderMatch match) {
		return !hasText(match.exact()) && !hasText(match.prefix()) && !hasText(match.suffix())
				&& !hasText(match.regex());
	}

	private static boolean matchesQueryParam(QueryParamMatch match, RouteRequest request) {
		String value = request.queryParameter(match.name());
		if (value == null) {
			return false;
		}
		if (hasText(match.exact())) {
			return value.equals(match.exact());
		}
		if (hasText(match.regex())) {
			return Pattern.compile(match.regex()).matcher(value).matches();
		}
		return true;
	}

	private static @Nullable String rewrite(Route route, @Nullable RouteDestination destination, String path) {
		if (destination == null || destination.prefixRewrite().isEmpty()) {
			return null;
		}
		DiscoveryChain.RouteMatch match = route.definition().match();
		HttpMatch http = (match != null) ? match.http() : null;
		if (http == null) {
			return null;
		}
		String matched = hasText(http.pathExact()) ? http.pathExact()
				: hasText(http.pathPrefix()) ? http.pathPrefix() : null;
		if (matched == null) {
			return null;
		}
		String rewrite = destination.prefixRewrite();
		String rest = path.substring(matched.length());
		if (rewrite.endsWith("/") && rest.startsWith("/")) {
			// "/admin" rewritten to "/" turns "/admin/x" into "/x", not "//x"
			rest = rest.substring(1);
		}
		return rewrite + rest;
	}

	private static boolean hasText(@Nullable String value) {
		return value != null && !value.isEmpty();
	}

}
