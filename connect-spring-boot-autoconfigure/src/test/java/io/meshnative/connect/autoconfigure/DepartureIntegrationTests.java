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
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import io.meshnative.connect.client.ConnectClient;
import io.meshnative.connect.test.ConsulAgentExtension;
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

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private static Departures backends;

	private static ConfigurableApplicationContext caller;

	@BeforeAll
	static void startBackendsAndCaller() {
		consul.getAgent().start();
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-intentions", "Name", SERVICE, "Sources",
					List.of(Map.of("Name", "departure-caller", "Action", "allow"))));
		backends = new Departures(consul.getAgent(), SERVICE);
		backends.startBackends(3);
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
		if (backends != null) {
			backends.close();
		}
	}

	static Stream<Arguments> cases() {
		return Stream.of(Arguments.of("restclient", Departures.Departure.GRACEFUL),
				Arguments.of("restclient", Departures.Departure.SIGKILL),
				Arguments.of("webclient", Departures.Departure.GRACEFUL),
				Arguments.of("webclient", Departures.Departure.SIGKILL));
	}

	@ParameterizedTest(name = "{0} {1}")
	@MethodSource("cases")
	void oneInstanceLeavesWhileAnotherJoins(String arm, Departures.Departure departure) {
		Caller clients = caller.getBean(Caller.class);
		Callable<String> request = switch (arm) {
			case "restclient" -> () -> clients.restClient.get().uri("http://backend/id").retrieve().body(String.class);
			default -> () -> clients.webClient.get()
				.uri("http://backend/id")
				.retrieve()
				.bodyToMono(String.class)
				.block(Duration.ofSeconds(30));
		};
		backends.run(arm, departure, request, () -> 0);
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
