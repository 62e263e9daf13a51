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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.authz.ConnectAuthorizer;
import io.meshnative.connect.autoconfigure.MeshApplications.MeshApplication;
import io.meshnative.connect.autoconfigure.MeshApplications.Stack;
import io.meshnative.connect.test.ConsulAgentExtension;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
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
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * What the handler sees is what was authorized, on real Tomcat and real Netty against a
 * real agent: a deny on {@code GET} also denies {@code HEAD}; forwarded headers of a mesh
 * caller (with {@code server.forward-headers-strategy} {@code native} or
 * {@code framework}) cannot make a denied handler reachable; a context path or base path
 * is part of the path decided on; Envoy's pseudo-headers {@code :path} (with the query),
 * {@code :method}, {@code :authority} and {@code :scheme} match in header conditions; a
 * filter that changes the method after the decision refuses the start.
 *
 * @author connect-spring-boot authors
 */
class RequestViewIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	static final List<String> hits = new CopyOnWriteArrayList<>();

	private static final ConsulAgentClient client = TestConsulAgentConnectionDetails.client(consul);

	@ParameterizedTest
	@EnumSource(Stack.class)
	void aDenyOnGetAlsoDeniesHeadWhoseHandlerIsTheGetHandler(Stack stack) throws IOException {
		String service = "head-" + stack.slug();
		withL7(stack, service, List.of(permission("deny", Map.of("PathPrefix", "/admin", "Methods", List.of("GET"))),
				permission("allow", Map.of("PathPrefix", "/"))), (port, cli) -> {
					assertThat(status(cli, port, "HEAD", "/admin/x", Collections.emptyMap())).isEqualTo("403");
					assertThat(status(cli, port, "GET", "/admin/x", Collections.emptyMap())).isEqualTo("403");
					assertThat(status(cli, port, "HEAD", "/api/x", Collections.emptyMap())).isEqualTo("200");
					assertThat(hits).noneMatch((hit) -> hit.startsWith("admin"))
						.containsExactly("api HEAD /api/x https");
				});
	}

	@ParameterizedTest
	@EnumSource(Stack.class)
	void forwardedHeadersOfAMeshCallerCannotMakeADeniedHandlerReachableWithNativeHandling(Stack stack)
			throws IOException {
		assertForwardedHeadersIgnored(stack, "native");
	}

	@ParameterizedTest
	@EnumSource(Stack.class)
	void forwardedHeadersOfAMeshCallerCannotMakeADeniedHandlerReachableWithSpringsFilter(Stack stack)
			throws IOException {
		assertForwardedHeadersIgnored(stack, "framework");
	}

	private void assertForwardedHeadersIgnored(Stack stack, String strategy) throws IOException {
		String service = "fwd-" + strategy + "-" + stack.slug();
		withL7(stack, service, List.of(permission("allow", Map.of("PathPrefix", "/api/")),
				permission("deny", Map.of("PathPrefix", "/"))), (port, cli) -> {
					Map<String, String> prefix = Map.of("X-Forwarded-Prefix", "/api");
					assertThat(status(cli, port, "GET", "/admin/x", prefix)).isEqualTo("403");
					Map<String, String> forwarded = new LinkedHashMap<>();
					forwarded.put("Forwarded", "host=evil;proto=http;for=10.0.0.1");
					forwarded.put("X-Forwarded-Host", "evil");
					forwarded.put("X-Forwarded-Proto", "http");
					forwarded.put("X-Forwarded-For", "10.0.0.1");
					forwarded.put("X-Forwarded-Port", "80");
					forwarded.put("X-Forwarded-Prefix", "/api");
					assertThat(status(cli, port, "GET", "/api/x", forwarded)).isEqualTo("200");
					assertThat(hits).noneMatch((hit) -> hit.startsWith("admin"))
						.as("the handler saw the request as the caller sent it, not as forwarded headers describe it")
						.containsExactly("api GET /api/x https");
				}, "server.forward-headers-strategy=" + strategy);
	}

	@ParameterizedTest
	@EnumSource(Stack.class)
	void theContextPathIsPartOfThePathDecidedOn(Stack stack) throws IOException {
		String service = "ctx-" + stack.slug();
		String property = (stack == Stack.TOMCAT) ? "server.servlet.context-path=/ctx"
				: "spring.webflux.base-path=/ctx";
		withL7(stack, service, List.of(permission("deny", Map.of("PathPrefix", "/ctx/admin")),
				permission("allow", Map.of("PathPrefix", "/ctx/"))), (port, cli) -> {
					assertThat(status(cli, port, "GET", "/ctx/admin/x", Collections.emptyMap())).isEqualTo("403");
					assertThat(status(cli, port, "GET", "/ctx/api/x", Collections.emptyMap())).isEqualTo("200");
					assertThat(hits).containsExactly("api GET /ctx/api/x https");
				}, property);
	}

	@ParameterizedTest
	@EnumSource(Stack.class)
	void pseudoHeadersMatchAsEnvoyMatchesThem(Stack stack) throws IOException {
		String service = "pseudo-" + stack.slug();
		withL7(stack, service, List.of(
				permission("deny", Map.of("Header", List.of(Map.of("Name", ":path", "Regex", ".*[?&]debug=.*")))),
				permission("deny", Map.of("Header", List.of(Map.of("Name", ":method", "Exact", "DELETE")))),
				permission("deny", Map.of("Header", List.of(Map.of("Name", ":authority", "Prefix", "admin.")))),
				permission("allow",
						Map.of("PathPrefix", "/api/", "Header", List.of(Map.of("Name", ":scheme", "Exact", "https")))),
				permission("deny", Map.of("PathPrefix", "/"))), (port, cli) -> {
					Map<String, String> outcomes = new LinkedHashMap<>();
					outcomes.put("GET /api/x", status(cli, port, "GET", "/api/x", Collections.emptyMap()));
					outcomes.put("GET /api/x?debug=1",
							status(cli, port, "GET", "/api/x?debug=1", Collections.emptyMap()));
					outcomes.put("GET /api/x?a=1&debug=1",
							status(cli, port, "GET", "/api/x?a=1&debug=1", Collections.emptyMap()));
					outcomes.put("DELETE /api/x", status(cli, port, "DELETE", "/api/x", Collections.emptyMap()));
					outcomes.put("GET /api/x Host admin.local",
							status(cli, port, "GET", "/api/x", Map.of("Host", "admin.local")));
					outcomes.put("GET /other", status(cli, port, "GET", "/other", Collections.emptyMap()));
					assertThat(outcomes).containsExactly(Map.entry("GET /api/x", "200"),
							Map.entry("GET /api/x?debug=1", "403"), Map.entry("GET /api/x?a=1&debug=1", "403"),
							Map.entry("DELETE /api/x", "403"), Map.entry("GET /api/x Host admin.local", "403"),
							Map.entry("GET /other", "403"));
					assertThat(hits).containsExactly("api GET /api/x https");
				});
	}

	@ParameterizedTest
	@EnumSource(Stack.class)
	void aConditionThatCannotBeEvaluatedFailsClosed(Stack stack) throws IOException {
		String service = "unknown-pseudo-" + stack.slug();
		withL7(stack, service,
				List.of(permission("deny", Map.of("Header", List.of(Map.of("Name", ":protocol", "Exact", "h2")))),
						permission("allow", Map.of("PathPrefix", "/"))),
				(port, cli) -> {
					assertThat(status(cli, port, "GET", "/api/x", Collections.emptyMap())).isEqualTo("403");
					assertThat(hits).isEmpty();
				});
	}

	@ParameterizedTest
	@EnumSource(Stack.class)
	void aFilterThatChangesTheMethodAfterTheDecisionRefusesTheStart(Stack stack) {
		String property = (stack == Stack.TOMCAT) ? "spring.mvc.hiddenmethod.filter.enabled=true"
				: "spring.webflux.hiddenmethod.filter.enabled=true";
		assertThatExceptionOfType(Exception.class)
			.isThrownBy(() -> start(stack, "hidden-" + stack.slug(), property).close())
			.satisfies((ex) -> {
				ConnectInboundException refusal = inboundRefusal(ex);
				assertThat(refusal).isNotNull();
				assertThat(refusal.getMessage()).contains("HiddenHttpMethodFilter");
				assertThat(refusal.getAction()).contains(property.substring(0, property.indexOf('=')));
			});
	}

	private static @Nullable ConnectInboundException inboundRefusal(Throwable failure) {
		for (Throwable current = failure; current != null; current = current.getCause()) {
			if (current instanceof ConnectInboundException refusal) {
				return refusal;
			}
		}
		return null;
	}

	private static void withL7(Stack stack, String service, List<Map<String, Object>> permissions, Check check,
			String... extra) throws IOException {
		consul.getOperator().putConfigEntry(Map.of("Kind", "service-defaults", "Name", service, "Protocol", "http"));
		try (MeshApplication app = start(stack, service, extra)) {
			int port = app.getPort();
			consul.getOperator()
				.putConfigEntry(Map.of("Kind", "service-intentions", "Name", service, "Sources",
						List.of(Map.of("Name", "cli", "Permissions", permissions))));
			MeshTestClient cli = MeshTestClient.of(client.getLeafCertificate("cli"), client.getCaRoots());
			await().atMost(Duration.ofSeconds(30))
				.pollInterval(Duration.ofMillis(50))
				.until(() -> app.getContext().getBean(ConnectAuthorizer.class).getIntentions().size() == 1);
			hits.clear();
			check.run(port, cli);
		}
		finally {
			consul.getOperator().deleteConfigEntry("service-intentions", service);
			consul.getOperator().deleteConfigEntry("service-defaults", service);
		}
	}

	static String status(MeshTestClient caller, int port, String method, String target, Map<String, String> headers) {
		try {
			return String.valueOf(caller.request(port, method, target, headers).status());
		}
		catch (IOException ex) {
			return "refused (" + ex.getMessage() + ")";
		}
	}

	static Map<String, Object> permission(String action, Map<String, Object> http) {
		return Map.of("Action", action, "HTTP", http);
	}

	private static MeshApplication start(Stack stack, String service, String... properties) {
		String[] all = Stream.concat(Stream.of(MeshApplications.NO_REGISTRATION), Stream.of(properties))
			.toArray(String[]::new);
		return MeshApplications.start(stack, stack.select(ServletApp.class, ReactiveApp.class), consul, service, all);
	}

	@FunctionalInterface
	interface Check {

		void run(int port, MeshTestClient cli) throws IOException;

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@RestController
	static class ServletApp {

		@GetMapping({ "/admin", "/admin/**" })
		String admin(HttpServletRequest request) {
			return record("admin", request);
		}

		@RequestMapping("/**")
		String api(HttpServletRequest request) {
			return record("api", request);
		}

		private static String record(String handler, HttpServletRequest request) {
			hits.add(handler + " " + request.getMethod() + " " + request.getRequestURI() + " " + request.getScheme());
			return handler;
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(InboundTestApplications.OwnReactorResources.class)
	@RestController
	static class ReactiveApp {

		@GetMapping({ "/admin", "/admin/**" })
		Mono<String> admin(ServerHttpRequest request) {
			return Mono.just(record("admin", request));
		}

		@RequestMapping("/**")
		Mono<String> api(ServerHttpRequest request) {
			return Mono.just(record("api", request));
		}

		private static String record(String handler, ServerHttpRequest request) {
			hits.add(handler + " " + request.getMethod().name() + " " + request.getPath().value() + " "
					+ request.getURI().getScheme());
			return handler;
		}

	}

}
