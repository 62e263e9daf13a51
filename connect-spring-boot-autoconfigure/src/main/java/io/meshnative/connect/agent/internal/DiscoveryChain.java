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

import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;

/**
 * A compiled discovery chain, from {@code GET /v1/discovery-chain/:service}: a graph of
 * router, splitter and resolver nodes starting at {@link #startNode()}, and the targets
 * the resolvers point at.
 * <p>
 * Durations are decoded from both encodings the endpoint uses: Go duration strings and,
 * for {@code Resolver.RequestTimeout}, integer nanoseconds.
 *
 * @param serviceName the service the chain is for
 * @param namespace the namespace
 * @param partition the partition
 * @param datacenter the datacenter it was compiled for
 * @param customizationHash set when overrides were applied
 * @param isDefault whether no router, splitter or resolver entries exist for the service
 * @param protocol {@code tcp}, {@code http}, {@code http2} or {@code grpc}
 * @param serviceMeta the service metadata
 * @param startNode the key of the first node in {@link #nodes()}
 * @param nodes the nodes by key
 * @param targets the targets by ID
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public record DiscoveryChain(String serviceName, String namespace, String partition, String datacenter,
		String customizationHash, @JsonProperty("Default") boolean isDefault, String protocol,
		Map<String, String> serviceMeta, String startNode, Map<String, Node> nodes, Map<String, Target> targets) {

	public DiscoveryChain {
		serviceName = Values.string(serviceName);
		namespace = Values.string(namespace);
		partition = Values.string(partition);
		datacenter = Values.string(datacenter);
		customizationHash = Values.string(customizationHash);
		protocol = Values.string(protocol);
		serviceMeta = Values.map(serviceMeta);
		startNode = Values.string(startNode);
		nodes = Values.map(nodes);
		targets = Values.map(targets);
	}

	/**
	 * A node of the chain.
	 *
	 * @param type {@code router}, {@code splitter} or {@code resolver}
	 * @param name the node name
	 * @param routes the routes of a router, in order
	 * @param splits the splits of a splitter
	 * @param resolver the resolver of a resolver node
	 * @param loadBalancer the load-balancer settings of a resolver or splitter
	 */
	public record Node(String type, String name, List<Route> routes, List<Split> splits, @Nullable Resolver resolver,
			@Nullable LoadBalancer loadBalancer) {

		public Node {
			type = Values.string(type);
			name = Values.string(name);
			routes = Values.list(routes);
			splits = Values.list(splits);
		}

	}

	/**
	 * A route of a router node.
	 *
	 * @param definition the route definition
	 * @param nextNode the key of the node to continue with
	 */
	public record Route(RouteDefinition definition, String nextNode) {

		public Route {
			nextNode = Values.string(nextNode);
		}

	}

	/**
	 * A route definition from a {@code service-router} entry.
	 *
	 * @param match the match, {@code null} matches everything
	 * @param destination where and how matching requests go, {@code null} for the
	 * defaults
	 */
	public record RouteDefinition(@Nullable RouteMatch match, @Nullable RouteDestination destination) {

	}

	/**
	 * The match of a route.
	 *
	 * @param http the HTTP match
	 */
	public record RouteMatch(@JsonProperty("HTTP") @Nullable HttpMatch http) {

	}

	/**
	 * An HTTP route match; all present conditions must hold.
	 *
	 * @param pathExact exact path
	 * @param pathPrefix path prefix
	 * @param pathRegex path regular expression
	 * @param header header matches
	 * @param queryParam query parameter matches
	 * @param methods methods, any when empty
	 */
	public record HttpMatch(@Nullable String pathExact, @Nullable String pathPrefix, @Nullable String pathRegex,
			List<HeaderMatch> header, List<QueryParamMatch> queryParam, List<String> methods) {

		public HttpMatch {
			header = Values.list(header);
			queryParam = Values.list(queryParam);
			methods = Values.list(methods);
		}

	}

	/**
	 * A header match of a route.
	 *
	 * @param name the header name
	 * @param present match when present
	 * @param exact exact value
	 * @param prefix value prefix
	 * @param suffix value suffix
	 * @param regex value regular expression
	 * @param invert invert the match
	 */
	public record HeaderMatch(String name, boolean present, @Nullable String exact, @Nullable String prefix,
			@Nullable String suffix, @Nullable String regex, boolean invert) {

		public HeaderMatch {
			name = Values.string(name);
		}

	}

	/**
	 * A query parameter match of a route.
	 *
	 * @param name the parameter name
	 * @param present match when present
	 * @param exact exact value
	 * @param regex value regular expression
	 */
	public record QueryParamMatch(String name, boolean present, @Nullable String exact, @Nullable String regex) {

		public QueryParamMatch {
			name = Values.string(name);
		}

	}

	/**
	 * The destination of a route.
	 *
	 * @param service the service, empty for the chain's own
	 * @param serviceSubset the subset
	 * @param namespace the namespace
	 * @param partition the partition
	 * @param prefixRewrite replacement for the matched path prefix
	 * @param requestTimeout the request timeout
	 * @param idleTimeout the idle timeout
	 * @param numRetries the number of retries
	 * @param retryOnConnectFailure whether to retry on connect failures
	 * @param retryOn the retry conditions
	 * @param retryOnStatusCodes the status codes to retry on
	 * @param requestHeaders request header changes
	 * @param responseHeaders response header changes
	 */
	public record RouteDestination(String service, String serviceSubset, String namespace, String partition,
			String prefixRewrite, @Nullable Duration requestTimeout, @Nullable Duration idleTimeout, int numRetries,
			boolean retryOnConnectFailure, List<String> retryOn, List<Integer> retryOnStatusCodes,
			@Nullable HeaderModifiers requestHeaders, @Nullable HeaderModifiers responseHeaders) {

		public RouteDestination {
			service = Values.string(service);
			serviceSubset = Values.string(serviceSubset);
			namespace = Values.string(namespace);
			partition = Values.string(partition);
			prefixRewrite = Values.string(prefixRewrite);
			retryOn = Values.list(retryOn);
			retryOnStatusCodes = Values.list(retryOnStatusCodes);
		}

	}

	/**
	 * Header changes.
	 *
	 * @param add headers to add (appending to existing values)
	 * @param set headers to set (replacing existing values)
	 * @param remove headers to remove
	 */
	public record HeaderModifiers(Map<String, String> add, Map<String, String> set, List<String> remove) {

		public HeaderModifiers {
			add = Values.map(add);
			set = Values.map(set);
			remove = Values.list(remove);
		}

	}

	/**
	 * A split of a splitter node.
	 *
	 * @param definition the split definition
	 * @param weight the weight, in percent
	 * @param nextNode the key of the node to continue with
	 */
	public record Split(@Nullable SplitDefinition definition, float weight, String nextNode) {

		public Split {
			nextNode = Values.string(nextNode);
		}

	}

	/**
	 * A split definition from a {@code service-splitter} entry.
	 *
	 * @param weight the weight, in percent
	 * @param service the service
	 * @param serviceSubset the subset
	 * @param namespace the namespace
	 * @param partition the partition
	 * @param requestHeaders request header changes
	 * @param responseHeaders response header changes
	 */
	public record SplitDefinition(float weight, String service, String serviceSubset, String namespace,
			String partition, @Nullable HeaderModifiers requestHeaders, @Nullable HeaderModifiers responseHeaders) {

		public SplitDefinition {
			service = Values.string(service);
			serviceSubset = Values.string(serviceSubset);
			namespace = Values.string(namespace);
			partition = Values.string(partition);
		}

	}

	/**
	 * The resolver of a resolver node.
	 *
	 * @param isDefault whether it is a default resolver (no entry)
	 * @param connectTimeout the connect timeout
	 * @param requestTimeout the request timeout (integer nanoseconds on the wire)
	 * @param target the ID of the primary target
	 * @param failover the failover targets, {@code null} when none
	 */
	public record Resolver(@JsonProperty("Default") boolean isDefault, @Nullable Duration connectTimeout,
			@Nullable Duration requestTimeout, String target, @Nullable Failover failover) {

		public Resolver {
			target = Values.string(target);
		}

	}

	/**
	 * Failover of a resolver.
	 *
	 * @param targets target IDs in order of preference
	 */
	public record Failover(List<String> targets) {

		public Failover {
			targets = Values.list(targets);
		}

	}

	/**
	 * Load-balancer settings.
	 *
	 * @param policy the policy ({@code round_robin}, {@code least_request},
	 * {@code random}, {@code ring_hash}, {@code maglev}), empty for the default
	 * @param ringHashConfig ring hash settings
	 * @param leastRequestConfig least request settings
	 * @param hashPolicies hash policies for the hash-based policies
	 */
	public record LoadBalancer(String policy, @Nullable RingHashConfig ringHashConfig,
			@Nullable LeastRequestConfig leastRequestConfig, List<HashPolicy> hashPolicies) {

		public LoadBalancer {
			policy = Values.string(policy);
			hashPolicies = Values.list(hashPolicies);
		}

	}

	/**
	 * Ring hash settings.
	 *
	 * @param minimumRingSize minimum ring size
	 * @param maximumRingSize maximum ring size
	 */
	public record RingHashConfig(long minimumRingSize, long maximumRingSize) {

	}

	/**
	 * Least request settings.
	 *
	 * @param choiceCount number of random choices
	 */
	public record LeastRequestConfig(int choiceCount) {

	}

	/**
	 * A hash policy.
	 *
	 * @param field {@code header}, {@code cookie} or {@code query_parameter}
	 * @param fieldValue the name of the header, cookie or parameter
	 * @param cookieConfig cookie settings
	 * @param sourceIp hash on the source IP
	 * @param terminal stop at this policy when it produced a hash
	 */
	public record HashPolicy(String field, String fieldValue, @Nullable CookieConfig cookieConfig,
			@JsonProperty("SourceIP") boolean sourceIp, boolean terminal) {

		public HashPolicy {
			field = Values.string(field);
			fieldValue = Values.string(fieldValue);
		}

	}

	/**
	 * Cookie settings of a hash policy.
	 *
	 * @param session whether the cookie is a session cookie
	 * @param ttl the cookie TTL
	 * @param path the cookie path
	 */
	public record CookieConfig(boolean session, @JsonProperty("TTL") @Nullable Duration ttl, String path) {

		public CookieConfig {
			path = Values.string(path);
		}

	}

	/**
	 * A target: one service (subset) in one namespace, partition and datacenter.
	 *
	 * @param id the target ID
	 * @param service the service
	 * @param serviceSubset the subset
	 * @param namespace the namespace
	 * @param partition the partition
	 * @param datacenter the datacenter
	 * @param peer the cluster peer
	 * @param subset the subset definition
	 * @param connectTimeout the connect timeout
	 * @param sni the TLS server name Envoy would use
	 * @param name the target's cluster name
	 */
	public record Target(@JsonProperty("ID") String id, String service, String serviceSubset, String namespace,
			String partition, String datacenter, String peer, @Nullable Subset subset,
			@Nullable Duration connectTimeout, @JsonProperty("SNI") String sni, String name) {

		public Target {
			id = Values.string(id);
			service = Values.string(service);
			serviceSubset = Values.string(serviceSubset);
			namespace = Values.string(namespace);
			partition = Values.string(partition);
			datacenter = Values.string(datacenter);
			peer = Values.string(peer);
			sni = Values.string(sni);
			name = Values.string(name);
		}

	}

	/**
	 * A service subset.
	 *
	 * @param filter the bexpr filter selecting instances
	 * @param onlyPassing whether to use only instances with every check passing
	 */
	public record Subset(String filter, boolean onlyPassing) {

		public Subset {
			filter = Values.string(filter);
		}

	}

}
