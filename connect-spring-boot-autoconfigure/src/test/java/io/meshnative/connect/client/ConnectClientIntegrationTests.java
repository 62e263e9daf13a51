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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.authz.ConnectCaller;
import io.meshnative.connect.autoconfigure.InboundTestApplications;
import io.meshnative.connect.autoconfigure.MeshApplications;
import io.meshnative.connect.autoconfigure.TestConsulAgentConnectionDetails;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.service.annotation.GetExchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * End-to-end tests of {@link ConnectClient} against a real agent: a frontend calls a
 * backend over mTLS through the backend's discovery chain, and an endpoint that presents
 * another mesh identity is refused.
 *
 * @author connect-spring-boot authors
 */
class ConnectClientIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private static final ConsulAgentClient client = TestConsulAgentConnectionDetails.client(consul);

	@Test
	void injectedClientsCallTheUpstreamOverMutualTls() {
		try (ConfigurableApplicationContext backend = start(InboundTestApplications.ReactiveApp.class,
				WebApplicationType.REACTIVE, "e2e-backend");
				ConfigurableApplicationContext frontend = start(Frontend.class, WebApplicationType.NONE,
						"e2e-frontend")) {
			MeshApplications.registerConnectNative(client, "e2e-backend-1", "e2e-backend",
					MeshApplications.port(backend));
			Frontend app = frontend.getBean(Frontend.class);
			String frontendId = "spiffe://" + client.getCaRoots().trustDomain() + "/ns/default/dc/dc1/svc/e2e-frontend";
			assertThat(app.restClient.get().uri("/hello").retrieve().body(String.class))
				.contains("\"caller\":\"" + frontendId + "\"");
			assertThat(app.restClient.get().uri("http://e2e-backend/hello").retrieve().body(String.class))
				.contains(frontendId);
			assertThat(app.restTemplate.getForObject("/hello", String.class)).contains(frontendId);
			assertThat(app.builder.build().get().uri("/hello").retrieve().body(String.class)).contains(frontendId);
			assertThat(app.webClient.get().uri("/hello").retrieve().bodyToMono(String.class).block(TIMEOUT))
				.contains(frontendId);
			assertThat(app.hello.hello()).contains(frontendId);
		}
		finally {
			client.deregisterService("e2e-backend-1");
		}
	}

	@Test
	void endpointPresentingAnotherIdentityIsRefused() {
		try (ConfigurableApplicationContext other = start(InboundTestApplications.ServletApp.class,
				WebApplicationType.SERVLET, "e2e-other");
				ConfigurableApplicationContext frontend = start(Frontend.class, WebApplicationType.NONE,
						"e2e-caller")) {
			MeshApplications.registerConnectNative(client, "impostor-1", "e2e-backend-impostor",
					MeshApplications.port(other));
			RestClient impostor = frontend.getBean(ConnectClientFactory.class)
				.restClientBuilder("e2e-backend-impostor")
				.build();
			assertThatException().isThrownBy(() -> impostor.get().uri("/hello").retrieve().body(String.class))
				.withStackTraceContaining("No healthy endpoint for upstream 'e2e-backend-impostor'")
				.withStackTraceContaining("svc/e2e-other but")
				.withStackTraceContaining("svc/e2e-backend-impostor was expected");
		}
		finally {
			client.deregisterService("impostor-1");
		}
	}

	@Test
	void pooledConnectionToAnAddressIsNeverReusedForAnotherExpectedService() {
		try (ConfigurableApplicationContext backend = start(InboundTestApplications.ReactiveApp.class,
				WebApplicationType.REACTIVE, "pool-backend");
				ConfigurableApplicationContext frontend = start(Frontend.class, WebApplicationType.NONE,
						"pool-frontend")) {
			MeshApplications.registerConnectNative(client, "pool-backend-1", "pool-backend",
					MeshApplications.port(backend));
			MeshApplications.registerConnectNative(client, "pool-alias-1", "pool-alias",
					MeshApplications.port(backend));
			ConnectClientFactory clients = frontend.getBean(ConnectClientFactory.class);
			RestClient genuine = clients.restClientBuilder("pool-backend").build();
			for (int i = 0; i < 3; i++) {
				assertThat(genuine.get().uri("/hello").retrieve().body(String.class)).contains("pool-frontend");
			}
			RestClient alias = clients.restClientBuilder("pool-alias").build();
			assertThatException().isThrownBy(() -> alias.get().uri("/hello").retrieve().body(String.class))
				.withStackTraceContaining("svc/pool-backend but")
				.withStackTraceContaining("svc/pool-alias was expected");
			assertThat(genuine.get().uri("/hello").retrieve().body(String.class)).contains("pool-frontend");
		}
		finally {
			client.deregisterService("pool-backend-1");
			client.deregisterService("pool-alias-1");
		}
	}

	@Test
	void upstreamWithoutHealthyInstanceFailsFastNamingTheTargets() {
		try (ConfigurableApplicationContext frontend = start(Frontend.class, WebApplicationType.NONE, "lonely")) {
			RestClient nobody = frontend.getBean(ConnectClientFactory.class).restClientBuilder("nobody").build();
			assertThatException().isThrownBy(() -> nobody.get().uri("/hello").retrieve().body(String.class))
				.withStackTraceContaining("No healthy endpoint for upstream 'nobody'")
				.withStackTraceContaining("nobody.default.default.dc1")
				.withStackTraceContaining("no healthy instance");
		}
	}

	@Test
	void manyConcurrentCallsToOneEndpointAreAllServed() {
		try (ConfigurableApplicationContext backend = start(GateApp.class, WebApplicationType.REACTIVE, "gate-backend");
				ConfigurableApplicationContext frontend = start(Frontend.class, WebApplicationType.NONE,
						"gate-frontend")) {
			MeshApplications.registerConnectNative(client, "gate-backend-1", "gate-backend",
					MeshApplications.port(backend));
			WebClient gate = frontend.getBean(ConnectClientFactory.class).webClientBuilder("gate-backend").build();
			assertThat(gate.get().uri("/hello").retrieve().bodyToMono(String.class).block(TIMEOUT))
				.contains("gate-frontend");
			List<String> answers = Flux.range(0, GateApp.CONCURRENT)
				.flatMap((i) -> gate.get().uri("/gate").retrieve().bodyToMono(String.class), GateApp.CONCURRENT)
				.collectList()
				.block(Duration.ofSeconds(60));
			assertThat(answers).as("every call held open until %d were in flight", GateApp.CONCURRENT)
				.hasSize(GateApp.CONCURRENT)
				.containsOnly("open");
		}
		finally {
			client.deregisterService("gate-backend-1");
		}
	}

	private static ConfigurableApplicationContext start(Class<?> application, WebApplicationType type, String service) {
		return MeshApplications.start(type, application, consul, service, MeshApplications.NO_REGISTRATION)
			.getContext();
	}

	interface HelloClient {

		@GetExchange("/hello")
		String hello();

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Frontend {

		final RestClient restClient;

		@ConnectClient("e2e-backend")
		RestTemplate restTemplate;

		@ConnectClient("e2e-backend")
		WebClient webClient;

		@ConnectClient("e2e-backend")
		HelloClient hello;

		final RestClient.Builder builder;

		Frontend(@ConnectClient("e2e-backend") RestClient restClient,
				@ConnectClient("e2e-backend") RestClient.Builder builder) {
			this.restClient = restClient;
			this.builder = builder;
		}

	}

	/**
	 * A backend whose {@code /gate} answers only once {@link #CONCURRENT} requests are in
	 * flight at the same time.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class GateApp {

		static final int CONCURRENT = 120;

		private final AtomicInteger arrived = new AtomicInteger();

		private final CompletableFuture<String> open = new CompletableFuture<>();

		@Bean
		RouterFunction<ServerResponse> routes() {
			return RouterFunctions.route()
				.GET("/hello",
						(request) -> ServerResponse.ok()
							.bodyValue(request.attribute(ConnectCaller.ATTRIBUTE).map(String::valueOf).orElse("")))
				.GET("/gate", (request) -> {
					if (this.arrived.incrementAndGet() >= CONCURRENT) {
						this.open.complete("open");
					}
					return Mono.fromFuture(this.open)
						.timeout(Duration.ofSeconds(30), Mono.just("closed"))
						.flatMap((answer) -> ServerResponse.ok().bodyValue(answer));
				})
				.build();
		}

	}

}
