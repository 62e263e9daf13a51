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

package io.meshnative.connect.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.DiscoveryChain;
import io.meshnative.connect.autoconfigure.MeshApplications;
import io.meshnative.connect.autoconfigure.TestConsulAgentConnectionDetails;
import io.meshnative.connect.test.ConsulAgentExtension;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * The limits of the caller's {@code service-defaults} {@code UpstreamConfig} against a
 * real agent, with {@code RestClient} and {@code WebClient}: a call over
 * {@code MaxConcurrentRequests} or {@code MaxPendingRequests} fails at once naming the
 * upstream and the limit, is counted, and the upstream serves calls again once the held
 * ones complete; a call that is never answered fails within the request timeout.
 * <p>
 * The backends run on Tomcat: Reactor Netty's server up to 1.3.7 can stop reading a
 * kept-alive connection when a request that arrived while a held one was finishing
 * completes at once (reactor/reactor-netty#4361, fixed in 1.3.8), which left the next
 * call on the pool's only connection unanswered.
 *
 * @author connect-spring-boot authors
 */
class UpstreamLimitsIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private static final Duration FAIL_FAST = Duration.ofSeconds(2);

	private static final String CONCURRENT = "lim-concurrent";

	private static final String PENDING = "lim-pending";

	private static final String HANGING = "lim-hanging";

	private static final Map<String, ConfigurableApplicationContext> backends = new LinkedHashMap<>();

	private static ConsulAgentClient client;

	private static ConfigurableApplicationContext caller;

	private static ExecutorService executor;

	@BeforeAll
	static void startServices() {
		client = TestConsulAgentConnectionDetails.client(consul);
		executor = Executors.newFixedThreadPool(8);
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-defaults", "Name", "lim-caller", "UpstreamConfig",
					Map.of("Overrides", List.of(
							Map.of("Name", CONCURRENT, "Limits", Map.of("MaxConcurrentRequests", 2)),
							Map.of("Name", PENDING, "Limits", Map.of("MaxConnections", 1, "MaxPendingRequests", 1))))));
		for (String service : List.of(CONCURRENT, PENDING, HANGING)) {
			ConfigurableApplicationContext backend = MeshApplications
				.start(WebApplicationType.SERVLET, Backend.class, consul, service, MeshApplications.NO_REGISTRATION)
				.getContext();
			backends.put(service, backend);
			MeshApplications.registerConnectNative(client, service + "-1", service, MeshApplications.port(backend));
		}
		caller = MeshApplications
			.start(WebApplicationType.NONE, Caller.class, consul, "lim-caller", MeshApplications.NO_REGISTRATION,
					"connect.upstreams." + HANGING + ".request-timeout=1s")
			.getContext();
	}

	@AfterAll
	static void stopServices() {
		if (caller != null) {
			caller.close();
		}
		backends.forEach((service, backend) -> {
			backend.getBean(Backend.class).release();
			client.deregisterService(service + "-1");
			backend.close();
		});
		consul.getOperator().deleteConfigEntry("service-defaults", "lim-caller");
		executor.shutdownNow();
	}

	@AfterEach
	void releaseHeldCalls() {
		for (ConfigurableApplicationContext backend : backends.values()) {
			backend.getBean(Backend.class).release();
			backend.getBean(Backend.class).reset();
		}
	}

	@ParameterizedTest
	@EnumSource(Client.class)
	void callOverMaxConcurrentRequestsFailsAtOnceAndTheUpstreamRecovers(Client kind) throws Exception {
		Backend backend = backend(CONCURRENT);
		Calls calls = kind.calls(CONCURRENT);
		assertThat(calls.hello()).isEqualTo("hello");
		double overflows = overflows(CONCURRENT, "MaxConcurrentRequests");
		List<CompletableFuture<String>> held = List.of(calls.hold(), calls.hold());
		Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(backend.arrived).hasValue(2));
		long start = System.nanoTime();
		assertThatException().isThrownBy(() -> calls.hold().get(10, TimeUnit.SECONDS))
			.havingRootCause()
			.isInstanceOf(UpstreamLimitExceededException.class)
			.withMessageContaining("Upstream '" + CONCURRENT + "'")
			.withMessageContaining("MaxConcurrentRequests = 2");
		Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
		report(kind + " call over MaxConcurrentRequests failed after " + elapsed.toMillis() + " ms");
		assertThat(elapsed).isLessThan(FAIL_FAST);
		assertThat(backend.arrived).as("calls that reached the backend").hasValue(2);
		assertThat(overflows(CONCURRENT, "MaxConcurrentRequests")).isEqualTo(overflows + 1);
		backend.release();
		for (CompletableFuture<String> call : held) {
			assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo("released");
		}
		assertThat(calls.hello()).isEqualTo("hello");
		assertThat(calls.hold().get(10, TimeUnit.SECONDS)).isEqualTo("released");
	}

	@ParameterizedTest
	@EnumSource(Client.class)
	void callOverMaxPendingRequestsFailsAtOnceAndTheUpstreamRecovers(Client kind) throws Exception {
		Backend backend = backend(PENDING);
		Calls calls = kind.calls(PENDING);
		assertThat(calls.hello()).isEqualTo("hello");
		double overflows = overflows(PENDING, "MaxPendingRequests");
		try {
			CompletableFuture<String> first = calls.hold();
			Awaitility.await()
				.atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(backend.arrived).hasValue(1));
			// the only connection is busy: the second call waits for it, and keeps
			// waiting
			// (a burst of calls offered to Reactor Netty's pool at the same instant may
			// see more of them refused than MaxPendingRequests requires)
			CompletableFuture<String> waiting = calls.hold();
			Awaitility.await()
				.during(Duration.ofMillis(300))
				.atMost(Duration.ofSeconds(5))
				.until(() -> !waiting.isDone() && backend.arrived.get() == 1);
			long start = System.nanoTime();
			CompletableFuture<String> refused = calls.hold();
			assertThatException().isThrownBy(() -> refused.get(10, TimeUnit.SECONDS))
				.havingRootCause()
				.isInstanceOf(UpstreamLimitExceededException.class)
				.withMessageContaining("Upstream '" + PENDING + "'")
				.withMessageContaining("MaxPendingRequests = 1");
			Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
			report(kind + " call over MaxPendingRequests failed after " + elapsed.toMillis() + " ms");
			assertThat(elapsed).isLessThan(FAIL_FAST);
			assertThat(waiting).as("the call waiting for the connection").isNotDone();
			assertThat(backend.arrived).as("calls that reached the backend").hasValue(1);
			assertThat(overflows(PENDING, "MaxPendingRequests")).isEqualTo(overflows + 1);
			backend.release();
			assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("released");
			assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo("released");
			assertThat(calls.hello()).isEqualTo("hello");
		}
		finally {
			backend.release();
		}
	}

	@ParameterizedTest
	@EnumSource(Client.class)
	void callsThatAreNeverAnsweredFailWithinTheRequestTimeout(Client kind) throws Exception {
		Backend backend = backend(HANGING);
		Calls calls = kind.calls(HANGING);
		assertThat(calls.hello()).isEqualTo("hello");
		long start = System.nanoTime();
		List<CompletableFuture<String>> hanging = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			hanging.add(calls.hold());
		}
		for (CompletableFuture<String> call : hanging) {
			assertThatException().isThrownBy(() -> call.get(10, TimeUnit.SECONDS))
				.satisfies((ex) -> report(kind + " unanswered call failed with " + ex.getCause()))
				.havingCause()
				.withMessageContaining("Upstream '" + HANGING + "'")
				.withMessageContaining("did not answer within the request timeout of 1000 ms");
		}
		Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
		report(kind + " 4 unanswered calls failed after " + elapsed.toMillis() + " ms (request timeout 1s)");
		assertThat(elapsed).isGreaterThanOrEqualTo(Duration.ofMillis(900)).isLessThan(Duration.ofSeconds(5));
		backend.release();
		assertThat(calls.hold().get(10, TimeUnit.SECONDS)).isEqualTo("released");
		assertThat(calls.hello()).isEqualTo("hello");
	}

	@Test
	void limitsComeFromTheCallersServiceDefaults() {
		ConnectUpstreams upstreams = caller.getBean(ConnectUpstreams.class);
		assertThat(upstreams.policy(target(CONCURRENT)).maxConcurrentRequests()).isEqualTo(2);
		assertThat(upstreams.policy(target(PENDING)).maxPendingRequests()).isEqualTo(1);
		assertThat(upstreams.policy(target(PENDING)).maxConnections()).isEqualTo(1);
		assertThat(upstreams.policy(target(HANGING)).maxConcurrentRequests()).isEqualTo(1024);
	}

	private static DiscoveryChain.Target target(String service) {
		ConnectUpstreams upstreams = caller.getBean(ConnectUpstreams.class);
		return upstreams.endpoints(service).getChain().targets().values().iterator().next();
	}

	private static double overflows(String upstream, String limit) {
		Counter counter = caller.getBean(MeterRegistry.class)
			.find("connect.client.overflows")
			.tags("upstream", upstream, "limit", limit)
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	private static Backend backend(String service) {
		return backends.get(service).getBean(Backend.class);
	}

	private static void report(String line) {
		System.out.println("UpstreamLimitsIntegrationTests: " + line);
	}

	/**
	 * The calls of one kind of client.
	 */
	interface Calls {

		String hello();

		CompletableFuture<String> hold();

	}

	/**
	 * The two kinds of mesh clients.
	 */
	enum Client {

		/**
		 * A {@code RestClient}, each held call on a thread of its own.
		 */
		REST_CLIENT {

			@Override
			Calls calls(String upstream) {
				RestClient restClient = caller.getBean(ConnectClientFactory.class).restClientBuilder(upstream).build();
				return new Calls() {

					@Override
					public String hello() {
						return restClient.get().uri("/hello").retrieve().body(String.class);
					}

					@Override
					public CompletableFuture<String> hold() {
						return CompletableFuture
							.supplyAsync(() -> restClient.get().uri("/hold").retrieve().body(String.class), executor);
					}

				};
			}

		},

		/**
		 * A {@code WebClient}.
		 */
		WEB_CLIENT {

			@Override
			Calls calls(String upstream) {
				WebClient webClient = caller.getBean(ConnectClientFactory.class).webClientBuilder(upstream).build();
				return new Calls() {

					@Override
					public String hello() {
						return webClient.get()
							.uri("/hello")
							.retrieve()
							.bodyToMono(String.class)
							.block(Duration.ofSeconds(10));
					}

					@Override
					public CompletableFuture<String> hold() {
						return webClient.get().uri("/hold").retrieve().bodyToMono(String.class).toFuture();
					}

				};
			}

		};

		abstract Calls calls(String upstream);

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Caller {

	}

	/**
	 * A backend whose {@code GET /hold} answers only once {@link #release() released}.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@RestController
	static class Backend {

		final AtomicInteger arrived = new AtomicInteger();

		private volatile CompletableFuture<String> gate = new CompletableFuture<>();

		@GetMapping("/hello")
		String hello() {
			return "hello";
		}

		@GetMapping("/hold")
		CompletableFuture<String> hold() {
			this.arrived.incrementAndGet();
			// a caller that gives up must not cancel the gate for the other calls
			return this.gate.thenApply(Function.identity());
		}

		void release() {
			this.gate.complete("released");
		}

		void reset() {
			this.gate = new CompletableFuture<>();
			this.arrived.set(0);
		}

	}

}
