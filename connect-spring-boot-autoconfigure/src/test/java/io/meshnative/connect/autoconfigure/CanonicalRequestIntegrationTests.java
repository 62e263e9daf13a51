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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.authz.AuthorizationDecision;
import io.meshnative.connect.authz.ConnectAuthorizationListener;
import io.meshnative.connect.authz.ConnectAuthorizer;
import io.meshnative.connect.authz.InboundDecision;
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
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.ServletRequestPathUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The differential test of the inbound filters on real Tomcat and real Netty: for a
 * seeded corpus of request targets (dot-segments in every encoding and position, repeated
 * slashes, {@code ;} parameters, escaped slashes and backslashes, case variants, trailing
 * slashes, absolute form, long paths), the method and the path a handler ran for are
 * exactly the method and the path the authorization decision was made on, or the request
 * was refused before any handler ran; a handler behind a deny never runs (L7 intentions
 * "deny PathPrefix /admin, allow PathPrefix /", T-L7-01).
 *
 * @author connect-spring-boot authors
 */
class CanonicalRequestIntegrationTests {

	/**
	 * The seed of the corpus; printed, so a failure can be replayed.
	 */
	static final long SEED = 20261205L;

	static final int TARGETS = 2_000;

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	static final List<Seen> seen = new CopyOnWriteArrayList<>();

	private static final ConsulAgentClient client = TestConsulAgentConnectionDetails.client(consul);

	@ParameterizedTest
	@EnumSource(Stack.class)
	void everyHandlerRunsForExactlyTheRequestThatWasAuthorized(Stack stack) throws IOException {
		String service = "canonical-" + stack.name().toLowerCase(java.util.Locale.ROOT);
		consul.getOperator().putConfigEntry(Map.of("Kind", "service-defaults", "Name", service, "Protocol", "http"));
		try (MeshApplication app = start(stack, service)) {
			int port = app.getPort();
			consul.getOperator()
				.putConfigEntry(Map.of("Kind", "service-intentions", "Name", service, "Sources",
						List.of(Map.of("Name", "cli", "Permissions",
								List.of(Map.of("Action", "deny", "HTTP", Map.of("PathPrefix", "/admin")),
										Map.of("Action", "allow", "HTTP", Map.of("PathPrefix", "/")))))));
			List<InboundDecision> decisions = new CopyOnWriteArrayList<>();
			List<String> refusals = new CopyOnWriteArrayList<>();
			app.getContext().getBean(ConnectAuthorizer.class).addListener(new ConnectAuthorizationListener() {

				@Override
				public void decided(AuthorizationDecision decision) {
				}

				@Override
				public void checked(InboundDecision outcome) {
					decisions.add(outcome);
				}

				@Override
				public void refused(String reason) {
					refusals.add(reason);
				}

			});
			MeshTestClient cli = MeshTestClient.of(client.getLeafCertificate("cli"), client.getCaRoots());
			await().atMost(Duration.ofSeconds(30))
				.pollInterval(Duration.ofMillis(50))
				.until(() -> cli.get(port, "/admin").status() == 403);
			List<Probe> corpus = corpus(new Random(SEED), TARGETS, port);
			Map<String, Integer> summary = new TreeMap<>();
			Map<String, List<String>> examples = new TreeMap<>();
			List<String> violations = new ArrayList<>();
			try (Sender sender = new Sender(cli, port)) {
				for (Probe probe : corpus) {
					decisions.clear();
					refusals.clear();
					seen.clear();
					String status = sender.send(probe);
					String category = check(probe, status, decisions, refusals, violations);
					summary.merge(category, 1, Integer::sum);
					List<String> some = examples.computeIfAbsent(category, (key) -> new ArrayList<>());
					if (some.size() < 3) {
						some.add(probe.method() + " " + abbreviate(probe.target()));
					}
				}
			}
			System.out
				.println("[differential] " + stack + ": " + corpus.size() + " targets (seed " + SEED + "): " + summary);
			assertThat(violations).as("requests whose handler saw another request than the one authorized").isEmpty();
			assertThat(summary.keySet()).as("the corpus reaches handlers, denies and refusals")
				.contains("served", "denied")
				.anyMatch((category) -> category.startsWith("refused by the filter"));
		}
		finally {
			consul.getOperator().deleteConfigEntry("service-intentions", service);
			consul.getOperator().deleteConfigEntry("service-defaults", service);
		}
	}

	private static String check(Probe probe, String status, List<InboundDecision> decisions, List<String> refusals,
			List<String> violations) {
		List<Seen> ran = new ArrayList<>(seen);
		String where = probe.method() + " " + abbreviate(probe.target()) + " -> " + status;
		if (ran.size() > 1) {
			violations.add(where + ": more than one handler ran " + ran);
		}
		for (Seen handler : ran) {
			if (handler.handler().equals("admin")) {
				violations.add(where + ": the /admin handler ran behind a deny: " + handler);
			}
			if (decisions.size() != 1) {
				violations.add(where + ": a handler ran after " + decisions.size() + " decisions: " + handler);
				continue;
			}
			InboundDecision decision = decisions.get(0);
			if (!decision.allowed()) {
				violations.add(where + ": a handler ran after a deny: " + handler);
			}
			if (!handler.method().equals(decision.method()) || !handler.matchedPath().equals(decision.path())) {
				violations.add(where + ": decided on " + decision.method() + " " + decision.path()
						+ ", the handler ran " + "for " + handler.method() + " " + handler.matchedPath());
			}
			if (!probe.target().startsWith("http") && !probe.target().startsWith(handler.rawPath())) {
				violations.add(where + ": the handler saw the raw path " + handler.rawPath());
			}
		}
		if (!ran.isEmpty()) {
			return "served";
		}
		if (!refusals.isEmpty()) {
			if (!decisions.isEmpty()) {
				violations.add(where + ": refused after a decision");
			}
			return "refused by the filter: " + refusals.get(0);
		}
		if (decisions.size() == 1 && !decisions.get(0).allowed()) {
			return "denied";
		}
		if (decisions.isEmpty()) {
			return "refused by the server (" + status + "): " + feature(probe.target());
		}
		return "allowed, no handler (" + status + ")";
	}

	/**
	 * Name the first non-canonical feature of a target, for the summary of what the
	 * server itself refused.
	 * @param target the target
	 * @return the feature
	 */
	static String feature(String target) {
		String lower = target.toLowerCase(java.util.Locale.ROOT);
		if (!target.startsWith("/")) {
			return "not-origin-form";
		}
		if (target.length() > 4096) {
			return "long";
		}
		if (lower.contains("#")) {
			return "fragment";
		}
		if (lower.contains("%2f") || lower.contains("%5c")) {
			return "encoded-separator";
		}
		if (target.contains("\\")) {
			return "backslash";
		}
		if (lower.contains("%00") || lower.contains("%0a")) {
			return "control-character";
		}
		String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
		if (path.contains("//")) {
			return "empty-segment";
		}
		for (String segment : path.split("/")) {
			String name = segment.contains(";") ? segment.substring(0, segment.indexOf(';')) : segment;
			String decoded = name.replace("%2e", ".").replace("%2E", ".");
			if (decoded.equals(".") || decoded.equals("..")) {
				return "dot-segment";
			}
		}
		if (lower.contains("%25")) {
			return "double-encoding";
		}
		if (lower.matches(".*%([^0-9a-f]|.[^0-9a-f]|.?$).*") || lower.contains("%c0")) {
			return "malformed-escape";
		}
		return "other";
	}

	private static String abbreviate(String target) {
		return (target.length() > 120) ? target.substring(0, 120) + "...(" + target.length() + " chars)" : target;
	}

	/**
	 * Generate the corpus: {@code count} distinct request targets built from segments
	 * that spell {@code admin}, {@code api}, dot-segments and separators in many ways.
	 * @param random the seeded source
	 * @param count how many targets
	 * @param port the server's port, for absolute-form targets
	 * @return the probes
	 */
	static List<Probe> corpus(Random random, int count, int port) {
		String[] segments = { "admin", "ADMIN", "Admin", "aDmIn", "%61dmin", "%41DMIN", "%61%64%6d%69%6e", "adm%69n",
				"api", "API", "items", "x", "", ".", "..", "%2e", "%2E", "%2e%2e", "%2E%2E", ".%2e", "%2e.", "..;",
				"..;x=1", ".;y", "%2e%2e;z", "admin;jsessionid=1", "api;v=2", ";x", "%2F", "%2f", "%5C", "%5c", "\\",
				"a%2Fb", "..%2F", "%2e%2e%2F", "%252e", "%252e%252e", "%2561dmin", "%25", "%", "%zz", "%C3%A9",
				"%C0%AE", "%00", "%0a", "a%20b", "~user", "admin%2Fx", "admin.", "admin~", "admin%20", "*", "@", ":",
				"admin:x" };
		String[] methods = { "GET", "GET", "GET", "GET", "HEAD", "POST", "DELETE", "get", "Get" };
		Set<String> targets = new LinkedHashSet<>();
		List<Probe> probes = new ArrayList<>();
		String[] fixed = { "/admin", "/admin/", "/admin/x", "/api/x", "/", "//admin", "/api/../admin", "/admin/..",
				"/admin/x/..", "/admin/%2e%2e", "/admin/..;/", "/api/%2e%2e/admin", "/admin/.", "/./admin", "/%61dmin",
				"/ADMIN", "/admin;x=1/y", "/admin%2Fx", "/admin#f", "http://mesh/admin",
				"http://127.0.0.1:" + port + "/admin/x", "https://127.0.0.1:" + port + "/api/x", "127.0.0.1:" + port,
				"*", "/api?x=/admin", "/api/x?y=%2F&z=..", "/" + "a/".repeat(3_000) + "admin",
				"/api/" + "x".repeat(9_000) };
		for (String target : fixed) {
			targets.add(target);
			probes.add(new Probe("GET", target));
		}
		while (probes.size() < count) {
			StringBuilder target = new StringBuilder();
			int form = random.nextInt(40);
			if (form == 0) {
				target.append("http://127.0.0.1:").append(port);
			}
			else if (form == 1) {
				target.append("http://mesh");
			}
			int depth = 1 + random.nextInt(5);
			for (int i = 0; i < depth; i++) {
				target.append((random.nextInt(12) == 0) ? "//" : "/");
				target.append(segments[random.nextInt(segments.length)]);
			}
			if (random.nextInt(6) == 0) {
				target.append('/');
			}
			if (random.nextInt(10) == 0) {
				target.append("?q=").append(segments[random.nextInt(segments.length)]);
			}
			if (random.nextInt(40) == 0) {
				target.append("#frag");
			}
			String value = target.toString();
			if (targets.add(value)) {
				probes.add(new Probe(methods[random.nextInt(methods.length)], value));
			}
		}
		return probes;
	}

	private static MeshApplication start(Stack stack, String service, String... properties) {
		String[] all = Stream
			.concat(Stream.of(MeshApplications.NO_REGISTRATION, "logging.level.io.meshnative.connect.authz=warn"),
					Stream.of(properties))
			.toArray(String[]::new);
		return MeshApplications.start(stack, stack.select(ServletApp.class, ReactiveApp.class), consul, service, all);
	}

	/**
	 * One request of the corpus.
	 *
	 * @param method the method
	 * @param target the request target, sent as it is
	 */
	record Probe(String method, String target) {

	}

	/**
	 * What a handler saw.
	 *
	 * @param handler which handler
	 * @param method the request method
	 * @param rawPath the raw path
	 * @param matchedPath the path Spring matched handlers on: decoded, parameters cut
	 */
	record Seen(String handler, String method, String rawPath, String matchedPath) {

		static String matched(PathContainer path) {
			StringBuilder matched = new StringBuilder();
			for (PathContainer.Element element : path.elements()) {
				matched.append((element instanceof PathContainer.PathSegment segment) ? segment.valueToMatch()
						: element.value());
			}
			return matched.toString();
		}

	}

	/**
	 * Sends the probes, reusing a connection while the server keeps it open.
	 */
	static final class Sender implements AutoCloseable {

		private final MeshTestClient client;

		private final int port;

		private MeshTestClient.@Nullable Connection connection;

		Sender(MeshTestClient client, int port) {
			this.client = client;
			this.port = port;
		}

		String send(Probe probe) {
			try {
				MeshTestClient.Connection current = this.connection;
				if (current == null) {
					current = this.client.open(this.port);
					this.connection = current;
				}
				MeshTestClient.Response response = current.request(probe.method(), probe.target(),
						Collections.emptyMap());
				if ("close".equalsIgnoreCase(response.headers().get("connection"))) {
					close();
				}
				return String.valueOf(response.status());
			}
			catch (IOException ex) {
				close();
				return "closed";
			}
		}

		@Override
		public void close() {
			MeshTestClient.Connection current = this.connection;
			this.connection = null;
			if (current != null) {
				try {
					current.close();
				}
				catch (IOException ex) {
					// the connection is gone either way
				}
			}
		}

	}

	/**
	 * A servlet application (Tomcat) with a handler behind the deny and a catch-all.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@RestController
	static class ServletApp {

		@RequestMapping({ "/admin", "/admin/**" })
		String admin(HttpServletRequest request) {
			return record("admin", request);
		}

		@RequestMapping("/**")
		String any(HttpServletRequest request) {
			return record("any", request);
		}

		private static String record(String handler, HttpServletRequest request) {
			seen.add(new Seen(handler, request.getMethod(), request.getRequestURI(),
					Seen.matched(ServletRequestPathUtils.getParsedRequestPath(request).pathWithinApplication())));
			return handler;
		}

	}

	/**
	 * A WebFlux application (Netty) with a handler behind the deny and a catch-all.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(InboundTestApplications.OwnReactorResources.class)
	@RestController
	static class ReactiveApp {

		@RequestMapping({ "/admin", "/admin/**" })
		Mono<String> admin(ServerHttpRequest request) {
			return Mono.just(record("admin", request));
		}

		@RequestMapping("/**")
		Mono<String> any(ServerHttpRequest request) {
			return Mono.just(record("any", request));
		}

		private static String record(String handler, ServerHttpRequest request) {
			seen.add(new Seen(handler, request.getMethod().name(), request.getPath().value(),
					Seen.matched(request.getPath().pathWithinApplication())));
			return handler;
		}

	}

}
