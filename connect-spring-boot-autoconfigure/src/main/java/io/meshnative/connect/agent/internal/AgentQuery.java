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

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;

/**
 * A read of the agent API that can be repeated as a blocking query: the endpoint, its
 * parameters, how its body is decoded, and whether it blocks by index or by content hash.
 * Create one with the static factory methods and run it once with
 * {@link ConsulAgentClient#query(AgentQuery)} or keep it current with a {@link Watch}.
 *
 * @param <T> the decoded value type
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class AgentQuery<T> {

	/**
	 * How an endpoint supports blocking queries.
	 */
	public enum Style {

		/**
		 * Blocks on {@code ?index=}, answers carry {@code X-Consul-Index}.
		 */
		INDEX,

		/**
		 * Blocks on {@code ?hash=}, answers carry {@code X-Consul-ContentHash}
		 * (agent-local endpoints).
		 */
		HASH

	}

	private final String path;

	private final Map<String, String> parameters;

	private final Decoder<T> decoder;

	private final Style style;

	private final boolean scoped;

	private final String permission;

	private final @Nullable T notFoundValue;

	private AgentQuery(String path, Map<String, String> parameters, Decoder<T> decoder, Style style, boolean scoped,
			String permission) {
		this(path, parameters, decoder, style, scoped, permission, null);
	}

	private AgentQuery(String path, Map<String, String> parameters, Decoder<T> decoder, Style style, boolean scoped,
			String permission, @Nullable T notFoundValue) {
		this.path = path;
		this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
		this.decoder = decoder;
		this.style = style;
		this.scoped = scoped;
		this.permission = permission;
		this.notFoundValue = notFoundValue;
	}

	/**
	 * Query the Connect CA roots ({@code GET /v1/agent/connect/ca/roots}).
	 * @return the query
	 */
	public static AgentQuery<CaRoots> caRoots() {
		return new AgentQuery<>("/v1/agent/connect/ca/roots", Collections.emptyMap(), type(CaRoots.class), Style.INDEX,
				false, "no ACL permission (the roots endpoint needs none)");
	}

	/**
	 * Query the leaf certificate of a service
	 * ({@code GET /v1/agent/connect/ca/leaf/:service}).
	 * @param service the service name
	 * @return the query
	 */
	public static AgentQuery<LeafCertificate> leafCertificate(String service) {
		return new AgentQuery<>("/v1/agent/connect/ca/leaf/" + segment(service), Collections.emptyMap(),
				type(LeafCertificate.class), Style.INDEX, true, "service:write on '" + service + "'");
	}

	/**
	 * Query a service instance registered with the local agent
	 * ({@code GET /v1/agent/service/:id}); blocks by content hash.
	 * @param serviceId the instance ID
	 * @return the query
	 */
	public static AgentQuery<AgentService> agentService(String serviceId) {
		return new AgentQuery<>("/v1/agent/service/" + segment(serviceId), Collections.emptyMap(),
				type(AgentService.class), Style.HASH, true, "service:read on the service with ID '" + serviceId + "'");
	}

	/**
	 * Query the service instances registered with the local agent
	 * ({@code GET /v1/agent/services}), keyed by instance ID.
	 * @param filter a bexpr filter, or {@code null}
	 * @return the query
	 */
	public static AgentQuery<Map<String, AgentService>> agentServices(@Nullable String filter) {
		Map<String, String> parameters = new LinkedHashMap<>();
		putIfPresent(parameters, "filter", filter);
		return new AgentQuery<>("/v1/agent/services", parameters, type(new TypeReference<Map<String, AgentService>>() {
		}), Style.INDEX, true, "service:read on the services");
	}

	/**
	 * Query the Connect-capable instances of a service
	 * ({@code GET /v1/health/connect/:service}).
	 * @param service the service name
	 * @param passingOnly whether to return only instances whose checks all pass
	 * @param filter a bexpr filter, or {@code null}
	 * @param datacenter the datacenter, or {@code null} for the agent's
	 * @return the query
	 */
	public static AgentQuery<List<ServiceHealth>> connectHealth(String service, boolean passingOnly,
			@Nullable String filter, @Nullable String datacenter) {
		return connectHealth(service, passingOnly, filter, datacenter, null, null);
	}

	/**
	 * Query the Connect-capable instances of a service in a namespace and partition
	 * ({@code GET /v1/health/connect/:service}).
	 * @param service the service name
	 * @param passingOnly whether to return only instances whose checks all pass
	 * @param filter a bexpr filter, or {@code null}
	 * @param datacenter the datacenter, or {@code null} for the agent's
	 * @param namespace the Consul Enterprise namespace, or {@code null} for the token's
	 * default
	 * @param partition the Consul Enterprise admin partition, or {@code null} for the
	 * agent's
	 * @return the query
	 */
	public static AgentQuery<List<ServiceHealth>> connectHealth(String service, boolean passingOnly,
			@Nullable String filter, @Nullable String datacenter, @Nullable String namespace,
			@Nullable String partition) {
		Map<String, String> parameters = new LinkedHashMap<>();
		if (passingOnly) {
			parameters.put("passing", "");
		}
		putIfPresent(parameters, "filter", filter);
		putIfPresent(parameters, "dc", datacenter);
		putIfPresent(parameters, "ns", namespace);
		putIfPresent(parameters, "partition", partition);
		return new AgentQuery<>("/v1/health/connect/" + segment(service), parameters,
				type(new TypeReference<List<ServiceHealth>>() {
				}), Style.INDEX, true, "service:read on '" + service + "' and node:read");
	}

	/**
	 * Query the compiled discovery chain of a service
	 * ({@code GET /v1/discovery-chain/:service}).
	 * @param service the service name
	 * @param compileDatacenter the datacenter to compile for, or {@code null} for the
	 * agent's
	 * @return the query
	 */
	public static AgentQuery<DiscoveryChain> discoveryChain(String service, @Nullable String compileDatacenter) {
		return discoveryChain(service, compileDatacenter, null, null);
	}

	/**
	 * Query the compiled discovery chain of a service in a namespace and partition
	 * ({@code GET /v1/discovery-chain/:service}).
	 * @param service the service name
	 * @param compileDatacenter the datacenter to compile for, or {@code null} for the
	 * agent's
	 * @param namespace the Consul Enterprise namespace, or {@code null} for the token's
	 * default
	 * @param partition the Consul Enterprise admin partition, or {@code null} for the
	 * agent's
	 * @return the query
	 */
	public static AgentQuery<DiscoveryChain> discoveryChain(String service, @Nullable String compileDatacenter,
			@Nullable String namespace, @Nullable String partition) {
		Map<String, String> parameters = new LinkedHashMap<>();
		putIfPresent(parameters, "compile-dc", compileDatacenter);
		putIfPresent(parameters, "ns", namespace);
		putIfPresent(parameters, "partition", partition);
		return new AgentQuery<>("/v1/discovery-chain/" + segment(service), parameters,
				(body) -> AgentJson.MAPPER.treeToValue(chainOf(body), DiscoveryChain.class), Style.INDEX, true,
				"service:read on '" + service + "'");
	}

	/**
	 * Query the datacenters the servers know, the answering server's own first
	 * ({@code GET /v1/catalog/datacenters}); agentless mode takes its datacenter from it.
	 * @return the query
	 */
	public static AgentQuery<List<String>> datacenters() {
		return new AgentQuery<>("/v1/catalog/datacenters", Collections.emptyMap(),
				type(new TypeReference<List<String>>() {
				}), Style.INDEX, false, "no ACL permission (the datacenters endpoint needs none)");
	}

	/**
	 * Query the intentions that apply to services, in evaluation order
	 * ({@code GET /v1/connect/intentions/match}).
	 * @param by {@code destination} or {@code source}
	 * @param names the service names
	 * @return the query, whose value maps each name to its intentions
	 */
	public static AgentQuery<Map<String, List<Intention>>> intentionMatch(String by, String... names) {
		StringBuilder path = new StringBuilder("/v1/connect/intentions/match?by=").append(encode(by));
		for (String name : names) {
			path.append("&name=").append(encode(name));
		}
		return new AgentQuery<>(path.toString(), Collections.emptyMap(),
				type(new TypeReference<Map<String, List<Intention>>>() {
				}), Style.INDEX, true, "intentions:read on " + String.join(", ", names));
	}

	/**
	 * Query whether the intentions allow a source to connect to a destination
	 * ({@code GET /v1/connect/intentions/check}); when no intention matches the source,
	 * the answer is the default decision for the token's ACLs.
	 * @param source the source service name
	 * @param destination the destination service name
	 * @return the query
	 */
	public static AgentQuery<IntentionCheck> intentionCheck(String source, String destination) {
		Map<String, String> parameters = new LinkedHashMap<>();
		parameters.put("source", source);
		parameters.put("destination", destination);
		return new AgentQuery<>("/v1/connect/intentions/check", parameters, type(new TypeReference<IntentionCheck>() {
		}), Style.INDEX, true, "service:read on '" + destination + "'");
	}

	/**
	 * Query the {@code service-defaults} config entry of a service, decoded for its
	 * upstream configuration ({@code GET /v1/config/service-defaults/:service}). A 404
	 * (no entry) is an answer, not a failure: the value is then empty, and a blocking
	 * call waits until the entry is written.
	 * @param service the service name
	 * @param namespace the Consul Enterprise namespace, or {@code null} for the token's
	 * default
	 * @param partition the Consul Enterprise admin partition, or {@code null} for the
	 * agent's
	 * @return the query, whose value is empty when the service has no entry
	 */
	public static AgentQuery<Optional<ServiceDefaults>> serviceDefaults(String service, @Nullable String namespace,
			@Nullable String partition) {
		Map<String, String> parameters = new LinkedHashMap<>();
		putIfPresent(parameters, "ns", namespace);
		putIfPresent(parameters, "partition", partition);
		return new AgentQuery<>("/v1/config/service-defaults/" + segment(service), parameters,
				AgentQuery::serviceDefaultsOf, Style.INDEX, true, "service:read on '" + service + "'",
				Optional.empty());
	}

	/**
	 * Return the path, with any fixed query string.
	 * @return the path
	 */
	public String getPath() {
		return this.path;
	}

	/**
	 * Return the blocking style.
	 * @return the style
	 */
	public Style getStyle() {
		return this.style;
	}

	/**
	 * Return {@code GET} and the path, for messages.
	 * @return the description
	 */
	public String describe() {
		int query = this.path.indexOf('?');
		return "GET " + ((query >= 0) ? this.path.substring(0, query) : this.path);
	}

	String getPermission() {
		return this.permission;
	}

	boolean isScoped() {
		return this.scoped;
	}

	Map<String, String> getParameters() {
		return this.parameters;
	}

	T decode(byte[] body) {
		return this.decoder.decode(body);
	}

	/**
	 * Return the value a 404 answer stands for, for endpoints where it means "none".
	 * @return the value, or {@code null} when a 404 is a failure
	 */
	@Nullable T getNotFoundValue() {
		return this.notFoundValue;
	}

	@Override
	public String toString() {
		return describe();
	}

	static String segment(String value) {
		if (value.isEmpty()) {
			throw new IllegalArgumentException("Path segment must not be empty");
		}
		return encode(value).replace("+", "%20");
	}

	static String encode(String value) {
		return URLEncoder.encode(value, StandardCharsets.UTF_8);
	}

	static List<String> encodeParameters(Map<String, String> parameters) {
		List<String> encoded = new ArrayList<>();
		parameters.forEach((name, value) -> encoded
			.add(value.isEmpty() ? encode(name) : encode(name) + "=" + encode(value).replace("+", "%20")));
		return encoded;
	}

	private static void putIfPresent(Map<String, String> parameters, String name, @Nullable String value) {
		if (value != null && !value.isEmpty()) {
			parameters.put(name, value);
		}
	}

	private static JsonNode chainOf(byte[] body) {
		JsonNode root = AgentJson.MAPPER.readTree(body);
		JsonNode chain = root.get("Chain");
		if (chain == null || !chain.isObject()) {
			throw new IllegalArgumentException("the response has no 'Chain' object");
		}
		return chain;
	}

	private static Optional<ServiceDefaults> serviceDefaultsOf(byte[] body) {
		ServiceDefaults entry = AgentJson.MAPPER.readValue(body, ServiceDefaults.class);
		if (entry == null) {
			throw new IllegalArgumentException("the body is JSON null, not a service-defaults entry");
		}
		if (!entry.kind().isEmpty() && !"service-defaults".equals(entry.kind())) {
			throw new IllegalArgumentException("the entry is of kind '" + entry.kind() + "', not service-defaults");
		}
		return Optional.of(entry);
	}

	private static <T> Decoder<T> type(Class<T> type) {
		return (body) -> AgentJson.MAPPER.readValue(body, type);
	}

	private static <T> Decoder<T> type(TypeReference<T> type) {
		return (body) -> AgentJson.MAPPER.readValue(body, type);
	}

	/**
	 * Decodes a response body.
	 *
	 * @param <T> the value type
	 */
	@FunctionalInterface
	interface Decoder<T> {

		T decode(byte[] body);

	}

}
