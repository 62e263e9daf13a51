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

package io.meshnative.connect.autoconfigure;

import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

import io.meshnative.connect.client.ConnectClientFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.web.service.registry.HttpServiceGroup;
import org.springframework.web.service.registry.HttpServiceGroupConfigurer;
import org.springframework.web.service.registry.HttpServiceProxyRegistry;

/**
 * The HTTP service groups bound to mesh upstreams by
 * {@code connect.http-service-groups.<group>=<upstream>}: binds the client builder of
 * each such group with the {@link ConnectClientFactory} (the same routing, mTLS and
 * identity checks as {@code @ConnectClient}) and, once the singletons exist, checks that
 * every bound group was declared.
 *
 * @author connect-spring-boot authors
 */
final class ConnectHttpServiceGroups implements SmartInitializingSingleton {

	/**
	 * Order of the configurers: after Spring Boot's (its properties configurer,
	 * {@code HIGHEST_PRECEDENCE + 10}, replaces every group's request factory; its
	 * customizer configurer runs at 0) and before configurers of default order, which may
	 * still add interceptors or headers.
	 */
	static final int ORDER = 1000;

	private static final String LOAD_BALANCER_PACKAGE = "org.springframework.cloud.client.loadbalancer.";

	private static final String BOOT_PREFIX = "spring.http.serviceclient";

	private final Map<String, String> bindings;

	private final ConnectClientFactory clients;

	private final Environment environment;

	private final ObjectProvider<HttpServiceProxyRegistry> registry;

	ConnectHttpServiceGroups(Map<String, String> bindings, ConnectClientFactory clients, Environment environment,
			ObjectProvider<HttpServiceProxyRegistry> registry) {
		this.bindings = new LinkedHashMap<>(bindings);
		this.clients = clients;
		this.environment = environment;
		this.registry = registry;
	}

	ConnectClientFactory clients() {
		return this.clients;
	}

	/**
	 * Bind the client builders of the bound groups among {@code groups}.
	 * @param <CB> the client builder type
	 * @param groups the groups of one client type
	 * @param bind binds a builder to an upstream
	 * @param baseUrl sets a builder's base URL
	 */
	<CB> void configure(HttpServiceGroupConfigurer.Groups<CB> groups, Binding<CB> bind,
			BiConsumer<CB, String> baseUrl) {
		groups.filter((group) -> this.bindings.containsKey(group.name())).forEachClient((group, builder) -> {
			String upstream = upstream(group);
			bind.bind(builder, upstream);
			String declared = declaredBaseUrl(group.name(), upstream);
			if (declared != null) {
				baseUrl.accept(builder, declared);
			}
		});
	}

	private String upstream(HttpServiceGroup group) {
		String upstream = this.bindings.get(group.name());
		if (upstream == null || upstream.isBlank()) {
			throw new IllegalStateException("connect.http-service-groups." + group.name()
					+ " names no upstream; set it to the mesh service the group calls");
		}
		return upstream.trim();
	}

	/**
	 * Return Spring Boot's {@code base-url} of a bound group when it is set: it may only
	 * add a base path to {@code http://<upstream>}, since the discovery chain chooses the
	 * destination.
	 * @param group the group name
	 * @param upstream the upstream it is bound to
	 * @return the base URL, or {@code null} when not set
	 */
	private @Nullable String declaredBaseUrl(String group, String upstream) {
		String property = BOOT_PREFIX + "." + group + ".base-url";
		String baseUrl = Binder.get(this.environment)
			.bind(BOOT_PREFIX + "[" + group + "].base-url", String.class)
			.orElse(null);
		if (baseUrl == null || baseUrl.isBlank()) {
			return null;
		}
		URI uri;
		try {
			uri = URI.create(baseUrl.trim());
		}
		catch (IllegalArgumentException ex) {
			uri = null;
		}
		if (uri == null || !"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null
				|| !uri.getHost().toLowerCase(Locale.ROOT).equals(upstream.toLowerCase(Locale.ROOT))
				|| uri.getPort() != -1) {
			throw new IllegalStateException(property + " is '" + baseUrl + "', but the HTTP service group '" + group
					+ "' is bound to the mesh upstream '" + upstream + "' (connect.http-service-groups." + group
					+ "), whose discovery chain chooses where requests go: remove " + property + " or set it to http://"
					+ upstream + "/<base path>");
		}
		return baseUrl.trim();
	}

	/**
	 * Remove Spring Cloud LoadBalancer's interceptors or filters: its group configurers
	 * (order 10) add one to every group without a {@code base-url}, which would resolve
	 * the upstream name through the discovery client instead of the discovery chain.
	 * @param interceptors the builder's interceptors or filters
	 */
	static void removeLoadBalancer(List<?> interceptors) {
		interceptors.removeIf((interceptor) -> interceptor.getClass().getName().startsWith(LOAD_BALANCER_PACKAGE));
	}

	@Override
	public void afterSingletonsInstantiated() {
		if (this.bindings.isEmpty()) {
			return;
		}
		HttpServiceProxyRegistry registry = this.registry.getIfAvailable();
		Set<String> declared = (registry != null) ? registry.getGroupNames() : Collections.emptySet();
		List<String> missing = this.bindings.keySet().stream().filter((group) -> !declared.contains(group)).toList();
		if (!missing.isEmpty()) {
			throw new IllegalStateException("connect.http-service-groups binds " + missing
					+ " to mesh upstreams, but no such HTTP service group is declared (declared groups: " + declared
					+ "); declare it with @ImportHttpServices(group = \"...\") or fix the group name");
		}
	}

	/**
	 * Binds a client builder to an upstream.
	 *
	 * @param <CB> the client builder type
	 */
	@FunctionalInterface
	interface Binding<CB> {

		void bind(CB builder, String upstream);

	}

}
