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

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.meshnative.connect.client.ConnectClient;
import io.meshnative.connect.test.ConsulAgentExtension;
import io.meshnative.connect.test.FixedRateLoad;
import io.meshnative.connect.test.JavaProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Instances leaving under steady load: three backends (child JVMs, so that
 * {@code SIGKILL} is real) serve a caller's {@code @ConnectClient} {@code RestClient} and
 * {@code WebClient} at a fixed rate; a fourth instance starts and, while it comes up, one
 * of the three is stopped with {@code SIGTERM} (a graceful shutdown: it deregisters,
 * stops accepting, finishes its requests) or killed with {@code SIGKILL}. A graceful stop
 * must fail no request; a kill at most the requests in flight on the instance (asserted
 * at most 1 % of those sent). Each case prints a {@code [measure] departure} line.
 *
 * @author connect-spring-boot authors
 */
class DepartureIntegrationTests {

	static final String SERVICE = "backend";

	static final int THREADS = 6;

	static final double RATE = 150;

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private static final List<Backend> backends = new ArrayList<>();

	private static int nextId = 1;

	private static ConfigurableApplicationContext caller;

	@BeforeAll
	static void startBackendsAndCaller() {
		consul.getAgent().start();
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-intentions", "Name", SERVICE, "Sources",
					List.of(Map.of("Name", "departure-caller", "Action", "allow"))));
		for (int i = 0; i < 3; i++) {
			startBackend();
		}
		for (Backend backend : backends) {
			awaitPassing(backend);
		}
		caller = MeshApplications
			.builder(WebApplicationType.NONE, Caller.class, consul.getAddress(), "departure-caller",
					MeshApplications.NO_REGISTRATION)
			.run();
	}

	@AfterAll
	static void stopBackendsAndCaller() {
		if (caller != null) {
			caller.close();
		}
		backends.forEach((backend) -> backend.process().close());
	}

	static Stream<Arguments> cases() {
		return Stream.of(Arguments.of("restclient", Departure.GRACEFUL), Arguments.of("restclient", Departure.SIGKILL),
				Arguments.of("webclient", Departure.GRACEFUL), Arguments.of("webclient", Departure.SIGKILL));
	}

	@ParameterizedTest(name = "{0} {1}")
	@MethodSource("cases")
	void oneInstanceLeavesWhileAnotherJoins(String arm, Departure departure) {
		Caller clients = caller.getBean(Caller.class);
		Callable<String> request = switch (arm) {
			case "restclient" -> () -> clients.restClient.get().uri("http://backend/id").retrieve().body(String.class);
			default -> () -> clients.webClient.get()
				.uri("http://backend/id")
				.retrieve()
				.bodyToMono(String.class)
				.block(Duration.ofSeconds(30));
		};
		await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> request.call() != null);
		run(arm, departure, request);
	}

	private void run(String arm, Departure departure, Callable<String> request) {
		List<Backend> before = List.copyOf(backends);
		try (FixedRateLoad load = FixedRateLoad.start(arm, THREADS, RATE, request)) {
			await().atMost(Duration.ofSeconds(60))
				.until(() -> load.answered() >= 3 * RATE && before.stream().allMatch((b) -> load.answers(b.id()) > 0));
			Backend leaving = before.get(0);
			Backend joining = startBackend();
			departure.apply(leaving.process());
			backends.remove(leaving);
			long stopped = System.nanoTime();
			awaitPassing(joining);
			long passing = System.nanoTime();
			await().atMost(Duration.ofSeconds(60)).until(() -> {
				Long last = load.lastAnswered(joining.id());
				return last != null && last > stopped && System.nanoTime() - passing >= TimeUnit.SECONDS.toNanos(3);
			});
			FixedRateLoad.Result result = load.stop();
			System.out.printf("[measure] departure arm=%s case=%s %s (stopped %s, joined %s)%n", arm, departure.slug(),
					result.describe(), leaving.id(), joining.id());
			result.failures().forEach((failure) -> System.out.println("[measure] departure failure: " + failure));
			assertThat(result.rate())
				.as("rate achieved (the target is %s req/s; the machine is too loaded below 50)", RATE)
				.isGreaterThanOrEqualTo(50);
			if (departure == Departure.GRACEFUL) {
				assertThat(result.failed()).as("failed requests: %s", result.failures()).isZero();
			}
			else {
				assertThat(result.failed()).as("failed requests: %s", result.failures())
					.isLessThanOrEqualTo(result.sent() / 100);
			}
			assertThat(result.answers()).containsKey(joining.id());
		}
		finally {
			if (departure == Departure.SIGKILL) {
				consul.getAgent().request("PUT", "/v1/agent/service/deregister/" + before.get(0).id(), null);
			}
		}
	}

	private static Backend startBackend() {
		String id = SERVICE + "-" + nextId++;
		Backend backend = new Backend(id, DepartureBackend.start(consul.getAddress(), SERVICE, id));
		backends.add(backend);
		return backend;
	}

	private static void awaitPassing(Backend backend) {
		await().atMost(Duration.ofSeconds(120))
			.pollInterval(Duration.ofMillis(200))
			.until(() -> passing(backend.id()) || !backend.process().isAlive());
		assertThat(backend.process().isAlive()).as("%s is running (log: %s)", backend.id(), backend.process().getLog())
			.isTrue();
	}

	private static boolean passing(String id) {
		return consul.getAgent()
			.request("GET", "/v1/health/connect/" + SERVICE + "?passing", null)
			.contains("\"" + id + "\"");
	}

	/**
	 * How an instance leaves.
	 */
	enum Departure {

		/**
		 * {@code SIGTERM}: Spring's graceful shutdown.
		 */
		GRACEFUL,

		/**
		 * {@code SIGKILL}: the process ends at once.
		 */
		SIGKILL;

		String slug() {
			return name().toLowerCase(Locale.ROOT);
		}

		void apply(JavaProcess process) {
			if (this == GRACEFUL) {
				process.terminate(60);
			}
			else {
				process.kill();
			}
		}

	}

	/**
	 * A backend instance.
	 *
	 * @param id its instance ID
	 * @param process its JVM
	 */
	record Backend(String id, JavaProcess process) {

	}

	/**
	 * The caller: a mesh application with the starter's clients and no web server.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Caller {

		@ConnectClient("backend")
		RestClient restClient;

		@ConnectClient("backend")
		WebClient webClient;

	}

}
