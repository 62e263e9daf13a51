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

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.meshnative.connect.agent.internal.AuthorizeRequest;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.autoconfigure.MeshApplications.MeshApplication;
import io.meshnative.connect.autoconfigure.MeshApplications.Stack;
import io.meshnative.connect.test.ConsulAgentExtension;
import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * L7 intentions (HTTP permissions) enforced per request by the inbound filter, on Tomcat
 * and on Netty, against a real agent with ACLs disabled (default allow), intentions
 * written through the API (T-L7-01, CVE-2024-10005, CVE-2021-29492).
 *
 * @author connect-spring-boot authors
 */
class L7IntentionsIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	/**
	 * Every handler invocation: handler name and the request URI it saw.
	 */
	static final List<String> hits = new CopyOnWriteArrayList<>();

	private static final ConsulAgentClient client = TestConsulAgentConnectionDetails.client(consul);

	@ParameterizedTest
	@EnumSource(Stack.class)
	void allowApiAndDenyAdminPassAndFailAsIntendedAndNoSpellingOfAdminBypassesTheDeny_TL701(Stack stack)
			throws IOException {
		String service = "l7-paths-" + stack.name().toLowerCase(Locale.ROOT);
		consul.getOperator().putConfigEntry(Map.of("Kind", "service-defaults", "Name", service, "Protocol", "http"));
		try (MeshApplication app = start(stack, consul, service)) {
			int port = app.getPort();
			consul.getOperator()
				.putConfigEntry(intentions(service, "cli", permission("allow", Map.of("PathPrefix", "/api/")),
						permission("deny", Map.of("PathExact", "/admin"))));
			MeshTestClient cli = MeshTestClient.of(client.getLeafCertificate("cli"), client.getCaRoots());
			assertThat(client.authorize(new AuthorizeRequest(service, spiffeId("cli"), null)).authorized())
				.as("the agent answers L4 only: an L7 intention is a deny there")
				.isFalse();
			await().atMost(Duration.ofSeconds(30))
				.pollInterval(Duration.ofMillis(50))
				.until(() -> cli.get(port, "/admin").status() == 403);
			hits.clear();
			assertThat(cli.get(port, "/api/items").status()).isEqualTo(200);
			assertThat(cli.get(port, "/api/items").body()).isEqualTo("api");
			assertThat(cli.get(port, "/hello").status()).as("no permission matches: the default (allow, ACLs off)")
				.isEqualTo(200);
			List<String> attempts = List.of("/admin", "//admin", "///admin", "/api/../admin", "/api/%2e%2e/admin",
					"/api/..;/admin", "/./admin", "/%61dmin", "/%61%64%6d%69%6e", "/admin%2F", "/admin%2f",
					"/api%2F..%2Fadmin", "/admin%5C", "/ADMIN", "/Admin", "/admin/", "/admin;jsessionid=1",
					"/admin#fragment", "/admin/.", "/x/../admin");
			List<String> outcomes = new ArrayList<>();
			for (String attempt : attempts) {
				outcomes.add(attempt + " -> " + status(cli, port, "GET", attempt, Collections.emptyMap()));
			}
			System.out.println("[l7 outcomes] " + stack + ": " + outcomes);
			assertThat(outcomes).allSatisfy((outcome) -> assertThat(outcome).doesNotMatch(".* -> 2\\d\\d"));
			assertThat(outcomes).contains("/admin -> 403", "/%61dmin -> 403", "/ADMIN -> 403");
			assertThat(hits).as("no attempt reached a handler for /admin")
				.noneMatch((hit) -> hit.startsWith("admin"))
				.containsExactly("api /api/items", "api /api/items", "hello /hello");
		}
		finally {
			consul.getOperator().deleteConfigEntry("service-intentions", service);
			consul.getOperator().deleteConfigEntry("service-defaults", service);
		}
	}

	@ParameterizedTest
	@EnumSource(Stack.class)
	void methodsAndHeadersOfPermissionsAreEnforcedPerRequest_TL701(Stack stack) throws IOException {
		String service = "l7-headers-" + stack.name().toLowerCase(Locale.ROOT);
		consul.getOperator().putConfigEntry(Map.of("Kind", "service-defaults", "Name", service, "Protocol", "http"));
		try (MeshApplication app = start(stack, consul, service)) {
			int port = app.getPort();
			consul.getOperator()
				.putConfigEntry(intentions(service, "cli",
						permission("deny", Map.of("Header", List.of(Map.of("Name", "x-user", "Exact", "mallory")))),
						permission("allow", Map.of("PathPrefix", "/api/", "Methods", List.of("GET"))),
						permission("deny", Map.of("PathPrefix", "/"))));
			MeshTestClient cli = MeshTestClient.of(client.getLeafCertificate("cli"), client.getCaRoots());
			await().atMost(Duration.ofSeconds(30))
				.pollInterval(Duration.ofMillis(50))
				.until(() -> cli.get(port, "/api/items").status() == 200);
			hits.clear();
			Map<String, String> outcomes = new LinkedHashMap<>();
			outcomes.put("GET /api/items", status(cli, port, "GET", "/api/items", Collections.emptyMap()));
			outcomes.put("POST /api/items", status(cli, port, "POST", "/api/items", Collections.emptyMap()));
			outcomes.put("GET /hello", status(cli, port, "GET", "/hello", Collections.emptyMap()));
			outcomes.put("x-user: mallory", status(cli, port, "GET", "/api/items", Map.of("x-user", "mallory")));
			outcomes.put("X-USER: mallory", status(cli, port, "GET", "/api/items", Map.of("X-USER", "mallory")));
			outcomes.put("x_user: mallory", status(cli, port, "GET", "/api/items", Map.of("x_user", "mallory")));
			outcomes.put("x-user: alice", status(cli, port, "GET", "/api/items", Map.of("x-user", "alice")));
			assertThat(outcomes).containsExactly(Map.entry("GET /api/items", "200"),
					Map.entry("POST /api/items", "403"), Map.entry("GET /hello", "403"),
					Map.entry("x-user: mallory", "403"), Map.entry("X-USER: mallory", "403"),
					Map.entry("x_user: mallory", "403"), Map.entry("x-user: alice", "200"));
			assertThat(hits).containsExactly("api /api/items", "api /api/items");
			MeshTestClient other = MeshTestClient.of(client.getLeafCertificate("other"), client.getCaRoots());
			assertThat(other.request(port, "POST", "/api/items", Collections.emptyMap()).status())
				.as("the permissions are cli's; a caller without an intention gets the default (allow)")
				.isEqualTo(200);
		}
		finally {
			consul.getOperator().deleteConfigEntry("service-intentions", service);
			consul.getOperator().deleteConfigEntry("service-defaults", service);
		}
	}

	static String status(MeshTestClient caller, int port, String method, String path, Map<String, String> headers) {
		try {
			return String.valueOf(caller.request(port, method, path, headers).status());
		}
		catch (IOException ex) {
			return "refused (" + ex.getMessage() + ")";
		}
	}

	@SafeVarargs
	static Map<String, Object> intentions(String service, String source, Map<String, Object>... permissions) {
		return Map.of("Kind", "service-intentions", "Name", service, "Sources",
				List.of(Map.of("Name", source, "Permissions", List.of(permissions))));
	}

	static Map<String, Object> permission(String action, Map<String, Object> http) {
		return Map.of("Action", action, "HTTP", http);
	}

	static MeshApplication start(Stack stack, ConsulAgentExtension consul, String service, String... properties) {
		return MeshApplications.start(stack, stack.select(ServletApp.class, ReactiveApp.class), consul, service,
				properties);
	}

	private static String spiffeId(String service) {
		return "spiffe://" + client.getCaRoots().trustDomain() + "/ns/default/dc/dc1/svc/" + service;
	}

	/**
	 * A servlet application (Tomcat).
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@RestController
	static class ServletApp {

		@GetMapping({ "/admin", "/admin/**" })
		String admin(HttpServletRequest request) {
			hits.add("admin " + request.getRequestURI());
			return "admin";
		}

		@RequestMapping("/api/**")
		String api(HttpServletRequest request) {
			hits.add("api " + request.getRequestURI());
			return "api";
		}

		@GetMapping("/hello")
		String hello(HttpServletRequest request) {
			hits.add("hello " + request.getRequestURI());
			return "hello";
		}

	}

	/**
	 * A WebFlux application (Netty).
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(InboundTestApplications.OwnReactorResources.class)
	@RestController
	static class ReactiveApp {

		@GetMapping({ "/admin", "/admin/**" })
		Mono<String> admin(ServerHttpRequest request) {
			hits.add("admin " + request.getURI().getRawPath());
			return Mono.just("admin");
		}

		@RequestMapping("/api/**")
		Mono<String> api(ServerHttpRequest request) {
			hits.add("api " + request.getURI().getRawPath());
			return Mono.just("api");
		}

		@GetMapping("/hello")
		Mono<String> hello(ServerHttpRequest request) {
			hits.add("hello " + request.getURI().getRawPath());
			return Mono.just("hello");
		}

	}

}
