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

package io.meshnative.connect.test;

import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Operator calls on a Consul agent's HTTP API that applications never make but tests
 * need: writing and deleting config entries (intentions, service defaults, routers,
 * splitters, resolvers) and reading or replacing the Connect CA configuration.
 * <p>
 * Obtain one from {@link ConsulAgentExtension#getOperator()}, or with
 * {@link #of(String, String)} for any agent, such as one of a {@link ConsulCluster}. An
 * answer other than HTTP 200 fails the call with an {@link IllegalStateException} that
 * names the method, the path, the status and Consul's message.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConsulOperator {

	private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
	};

	private static final JsonMapper json = JsonMapper.builder().build();

	private final HttpClient http = ConsulHttp.client();

	private final String address;

	private final @Nullable String token;

	private ConsulOperator(String address, @Nullable String token) {
		this.address = address;
		this.token = token;
	}

	/**
	 * Create an operator for the agent at the given address.
	 * @param address the agent's HTTP address, {@code http://host:port}
	 * @param token the ACL token to send, or {@code null} for none
	 * @return the operator
	 */
	public static ConsulOperator of(String address, @Nullable String token) {
		return new ConsulOperator(address, token);
	}

	/**
	 * Return the agent's HTTP address.
	 * @return the address
	 */
	public String getAddress() {
		return this.address;
	}

	/**
	 * Create or replace a config entry.
	 * @param entry the entry, with {@code Kind} and {@code Name}
	 * @throws IllegalStateException if Consul rejects the entry (it reports validation
	 * errors with HTTP 500) or does not write it
	 */
	public void putConfigEntry(Map<String, ?> entry) {
		String body = call("PUT", "/v1/config", json.writeValueAsString(entry));
		if (!"true".equals(body.trim())) {
			throw new IllegalStateException("PUT /v1/config did not write the " + entry.get("Kind") + " entry '"
					+ entry.get("Name") + "': " + body.trim());
		}
	}

	/**
	 * Return a config entry.
	 * @param kind the kind, for example {@code service-intentions}
	 * @param name the name
	 * @return the entry, or empty if there is none
	 */
	public Optional<Map<String, Object>> getConfigEntry(String kind, String name) {
		HttpResponse<String> response = send("GET", configPath(kind, name), null);
		if (response.statusCode() == 404) {
			return Optional.empty();
		}
		return Optional.of(json.readValue(ConsulHttp.body("GET", configPath(kind, name), response), MAP));
	}

	/**
	 * Delete a config entry; deleting an absent entry succeeds.
	 * @param kind the kind
	 * @param name the name
	 */
	public void deleteConfigEntry(String kind, String name) {
		call("DELETE", configPath(kind, name), null);
	}

	/**
	 * Return the Connect CA configuration.
	 * @return the configuration
	 */
	public CaConfiguration getCaConfiguration() {
		Map<String, Object> body = json.readValue(call("GET", "/v1/connect/ca/configuration", null), MAP);
		Object config = body.get("Config");
		Map<String, Object> copy = new LinkedHashMap<>();
		if (config instanceof Map<?, ?> map) {
			map.forEach((key, value) -> copy.put(String.valueOf(key), value));
		}
		return new CaConfiguration(String.valueOf(body.get("Provider")), Collections.unmodifiableMap(copy));
	}

	/**
	 * Replace the Connect CA configuration; a new root key or certificate rotates the
	 * root.
	 * @param provider the provider, for example {@code consul}
	 * @param config the provider's configuration
	 */
	public void updateCaConfiguration(String provider, Map<String, ?> config) {
		updateCaConfiguration(provider, config, false);
	}

	/**
	 * Replace the Connect CA configuration; a new root key or certificate rotates the
	 * root.
	 * @param provider the provider, for example {@code consul}
	 * @param config the provider's configuration
	 * @param forceWithoutCrossSigning whether to rotate without cross-signing the new
	 * root with the old one
	 */
	public void updateCaConfiguration(String provider, Map<String, ?> config, boolean forceWithoutCrossSigning) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("Provider", provider);
		body.put("Config", config);
		if (forceWithoutCrossSigning) {
			body.put("ForceWithoutCrossSigning", true);
		}
		call("PUT", "/v1/connect/ca/configuration", json.writeValueAsString(body));
	}

	private static String configPath(String kind, String name) {
		return "/v1/config/" + segment(kind) + "/" + segment(name);
	}

	private static String segment(String value) {
		return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
	}

	private String call(String method, String path, @Nullable String body) {
		return ConsulHttp.body(method, path, send(method, path, body));
	}

	private HttpResponse<String> send(String method, String path, @Nullable String body) {
		return ConsulHttp.send(this.http, this.address, method, path, body, this.token);
	}

	/**
	 * The Connect CA configuration.
	 *
	 * @param provider the provider, for example {@code consul}
	 * @param config the provider's configuration, for example {@code LeafCertTTL}
	 */
	public record CaConfiguration(String provider, Map<String, Object> config) {

	}

}
