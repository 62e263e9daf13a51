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

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.autoconfigure.InboundTestApplications;
import io.meshnative.connect.autoconfigure.MeshApplications;
import io.meshnative.connect.autoconfigure.TestConsulAgentConnectionDetails;
import io.meshnative.connect.test.ConsulAgentExtension;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The passive health check against a real agent: the caller's {@code service-defaults}
 * {@code UpstreamConfig.Defaults.PassiveHealthCheck} ejects an instance of a
 * three-instance backend that answers 500, brings it back after {@code BaseEjectionTime},
 * and never ejects more than {@code MaxEjectionPercent} of the instances when all of them
 * fail.
 *
 * @author connect-spring-boot authors
 */
class PassiveHealthIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private static final String BACKEND = "ph-backend";

	private static final String TARGET = "ph-backend.default.default.dc1";

	private static final Map<String, ConfigurableApplicationContext> backends = new LinkedHashMap<>();

	private static ConsulAgentClient client;

	@BeforeAll
	static void startBackends() {
		client = TestConsulAgentConnectionDetails.client(consul);
		consul.getOperator().putConfigEntry(Map.of("Kind", "service-defaults", "Name", BACKEND, "Protocol", "http"));
		for (String instance : List.of("a", "b", "c")) {
			ConfigurableApplicationContext backend = MeshApplications
				.start(WebApplicationType.REACTIVE, Backend.class, consul, BACKEND, MeshApplications.NO_REGISTRATION,
						"test.instance=" + instance)
				.getContext();
			backends.put(instance, backend);
			MeshApplications.registerConnectNative(client, BACKEND + "-" + instance, BACKEND,
					MeshApplications.port(backend));
		}
	}

	@AfterAll
	static void stopBackends() {
		backends.keySet().forEach((instance) -> client.deregisterService(BACKEND + "-" + instance));
		backends.values().forEach(ConfigurableApplicationContext::close);
		consul.getOperator().deleteConfigEntry("service-defaults", BACKEND);
	}

	@BeforeEach
	void healAll() {
		for (String instance : backends.keySet()) {
			backend(instance).failing.set(false);
			backend(instance).calls.set(0);
		}
	}

	@Test
	void instanceAnswering500IsEjectedAfterMaxFailuresAndCalledAgainAfterBaseEjectionTime() {
		putCallerDefaults("ph-caller-one",
				Map.of("Interval", "1s", "MaxFailures", 3, "BaseEjectionTime", "2s", "MaxEjectionPercent", 50));
		try (ConfigurableApplicationContext caller = startCaller("ph-caller-one")) {
			RestClient restClient = caller.getBean(ConnectClientFactory.class).restClientBuilder(BACKEND).build();
			MeterRegistry meters = caller.getBean(MeterRegistry.class);
			Backend failing = backend("a");
			failing.failing.set(true);
			for (int i = 0; i < 100 && failing.calls.get() < 3; i++) {
				call(restClient);
			}
			long ejectedAt = System.nanoTime();
			assertThat(failing.calls).as("calls that reached the failing instance").hasValue(3);
			assertThat(counter(meters, "connect.client.ejections")).isEqualTo(1);
			assertThat(ejected(meters)).isEqualTo(1);
			int callsWhileEjected = 0;
			for (int i = 0; i < 30; i++) {
				int before = failing.calls.get();
				Answer answer = call(restClient);
				if (ejected(meters) == 1) {
					callsWhileEjected++;
					assertThat(failing.calls).as("calls to the ejected instance").hasValue(before);
					assertThat(answer.status()).isEqualTo(200);
					assertThat(answer.instance()).isIn("b", "c");
				}
			}
			assertThat(callsWhileEjected).as("calls made while the instance was ejected").isGreaterThanOrEqualTo(10);
			failing.failing.set(false);
			Awaitility.await()
				.atMost(Duration.ofSeconds(20))
				.pollInterval(Duration.ofMillis(50))
				.until(() -> "a".equals(call(restClient).instance()));
			Duration back = Duration.ofNanos(System.nanoTime() - ejectedAt);
			System.out.println("PassiveHealthIntegrationTests: ejected instance called again after " + back.toMillis()
					+ " ms (BaseEjectionTime 2s)");
			assertThat(back).as("time until the ejected instance is called again")
				.isGreaterThan(Duration.ofMillis(1500))
				.isLessThan(Duration.ofSeconds(20));
			assertThat(ejected(meters)).isZero();
			assertThat(counter(meters, "connect.client.ejections")).isEqualTo(1);
		}
		finally {
			consul.getOperator().deleteConfigEntry("service-defaults", "ph-caller-one");
		}
	}

	@Test
	void maxEjectionPercentHoldsWhenEveryInstanceFails() {
		// MaxEjectionPercent unset: Envoy's 10 %, which lets one of three be ejected
		putCallerDefaults("ph-caller-all", Map.of("Interval", "1s", "MaxFailures", 3, "BaseEjectionTime", "30s"));
		try (ConfigurableApplicationContext caller = startCaller("ph-caller-all")) {
			RestClient restClient = caller.getBean(ConnectClientFactory.class).restClientBuilder(BACKEND).build();
			MeterRegistry meters = caller.getBean(MeterRegistry.class);
			backends.keySet().forEach((instance) -> backend(instance).failing.set(true));
			Set<String> answeredWhileOneEjected = new HashSet<>();
			double mostEjected = 0;
			for (int i = 0; i < 60; i++) {
				boolean oneEjected = ejected(meters) == 1;
				Answer answer = call(restClient);
				assertThat(answer.status()).isEqualTo(500);
				if (oneEjected) {
					answeredWhileOneEjected.add(answer.instance());
				}
				mostEjected = Math.max(mostEjected, ejected(meters));
			}
			assertThat(mostEjected).as("most instances ejected at once").isEqualTo(1);
			assertThat(counter(meters, "connect.client.ejections")).isEqualTo(1);
			assertThat(answeredWhileOneEjected).as("instances still called while one is ejected").hasSize(2);
		}
		finally {
			consul.getOperator().deleteConfigEntry("service-defaults", "ph-caller-all");
		}
	}

	private static Answer call(RestClient restClient) {
		return restClient.get()
			.uri("/who")
			.exchange((request, response) -> new Answer(response.getStatusCode().value(),
					new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8)));
	}

	private static void putCallerDefaults(String caller, Map<String, Object> passiveHealthCheck) {
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-defaults", "Name", caller, "UpstreamConfig",
					Map.of("Defaults", Map.of("PassiveHealthCheck", passiveHealthCheck))));
	}

	private static ConfigurableApplicationContext startCaller(String service) {
		return MeshApplications
			.start(WebApplicationType.NONE, Caller.class, consul, service, MeshApplications.NO_REGISTRATION)
			.getContext();
	}

	private static Backend backend(String instance) {
		return backends.get(instance).getBean(Backend.class);
	}

	private static double counter(MeterRegistry meters, String name) {
		Counter counter = meters.find(name).tags("upstream", BACKEND, "target", TARGET).counter();
		return (counter != null) ? counter.count() : 0;
	}

	private static double ejected(MeterRegistry meters) {
		Gauge gauge = meters.find("connect.client.ejected").tags("upstream", BACKEND, "target", TARGET).gauge();
		return (gauge != null) ? gauge.value() : 0;
	}

	record Answer(int status, String instance) {

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Caller {

	}

	/**
	 * A backend instance that answers {@code GET /who} with its name, with status 500
	 * while {@link #failing}.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@RestController
	@Import(InboundTestApplications.OwnReactorResources.class)
	static class Backend {

		final AtomicBoolean failing = new AtomicBoolean();

		final AtomicInteger calls = new AtomicInteger();

		private final String instance;

		Backend(@Value("${test.instance}") String instance) {
			this.instance = instance;
		}

		@GetMapping("/who")
		Mono<ResponseEntity<String>> who() {
			this.calls.incrementAndGet();
			HttpStatus status = this.failing.get() ? HttpStatus.INTERNAL_SERVER_ERROR : HttpStatus.OK;
			return Mono.just(ResponseEntity.status(status).body(this.instance));
		}

	}

}
