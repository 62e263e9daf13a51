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

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.authz.ConnectCaller;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.service.registry.ImportHttpServices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * End-to-end test of an HTTP service group bound to a mesh upstream
 * ({@code connect.http-service-groups.greetings=hsg-api}) against a real agent: the
 * {@code @HttpExchange} client of the group calls over mTLS, its requests follow the
 * upstream's discovery chain (a {@code service-router} sends {@code /v2/...} to another
 * service, whose identity is then the one expected), and a deny intention turns the call
 * into a {@code 403} the client reports as {@link HttpClientErrorException.Forbidden}.
 *
 * @author connect-spring-boot authors
 */
class HttpServiceGroupsIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private static final ConsulAgentClient client = TestConsulAgentConnectionDetails.client(consul);

	@Test
	void groupClientCallsTheUpstreamThroughItsDiscoveryChainOverMutualTlsAndReportsADeny() {
		for (String service : List.of("hsg-api", "hsg-v2")) {
			consul.getOperator()
				.putConfigEntry(Map.of("Kind", "service-defaults", "Name", service, "Protocol", "http"));
		}
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-router", "Name", "hsg-api", "Routes",
					List.of(Map.of("Match", Map.of("HTTP", Map.of("PathPrefix", "/v2/")), "Destination",
							Map.of("Service", "hsg-v2", "PrefixRewrite", "/")))));
		try (ConfigurableApplicationContext api = backend("hsg-api");
				ConfigurableApplicationContext v2 = backend("hsg-v2");
				ConfigurableApplicationContext frontend = MeshApplications
					.start(WebApplicationType.NONE, Frontend.class, consul, "hsg-front",
							MeshApplications.NO_REGISTRATION, "connect.http-service-groups.greetings=hsg-api")
					.getContext()) {
			MeshApplications.registerConnectNative(client, "hsg-api-1", "hsg-api", MeshApplications.port(api));
			MeshApplications.registerConnectNative(client, "hsg-v2-1", "hsg-v2", MeshApplications.port(v2));
			Greetings greetings = frontend.getBean(Greetings.class);
			String caller = "spiffe://" + client.getCaRoots().trustDomain() + "/ns/default/dc/dc1/svc/hsg-front";
			assertThat(greetings.hello()).isEqualTo("hsg-api answered " + caller);
			assertThat(greetings.helloV2()).as("routed by the service-router to hsg-v2, path rewritten")
				.isEqualTo("hsg-v2 answered " + caller);
			consul.getOperator()
				.putConfigEntry(Map.of("Kind", "service-intentions", "Name", "hsg-api", "Sources",
						List.of(Map.of("Name", "hsg-front", "Action", "deny"))));
			Awaitility.await()
				.atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThatExceptionOfType(HttpClientErrorException.Forbidden.class)
					.isThrownBy(greetings::hello)
					.satisfies((ex) -> assertThat(ex.getStatusCode().value()).isEqualTo(403)));
			assertThat(greetings.helloV2()).as("hsg-v2 has no deny intention").isEqualTo("hsg-v2 answered " + caller);
		}
		finally {
			client.deregisterService("hsg-api-1");
			client.deregisterService("hsg-v2-1");
			consul.getOperator().deleteConfigEntry("service-intentions", "hsg-api");
			consul.getOperator().deleteConfigEntry("service-router", "hsg-api");
			consul.getOperator().deleteConfigEntry("service-defaults", "hsg-api");
			consul.getOperator().deleteConfigEntry("service-defaults", "hsg-v2");
		}
	}

	private static ConfigurableApplicationContext backend(String service) {
		return MeshApplications
			.start(WebApplicationType.REACTIVE, Backend.class, consul, service, MeshApplications.NO_REGISTRATION)
			.getContext();
	}

	interface Greetings {

		@GetExchange("/hello")
		String hello();

		@GetExchange("/v2/hello")
		String helloV2();

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@ImportHttpServices(group = "greetings", types = Greetings.class)
	static class Frontend {

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(InboundTestApplications.OwnReactorResources.class)
	static class Backend {

		@Bean
		RouterFunction<ServerResponse> routes(@Value("${connect.service-name}") String service) {
			return RouterFunctions.route()
				.GET("/hello",
						(request) -> ServerResponse.ok()
							.bodyValue(service + " answered "
									+ request.attribute(ConnectCaller.ATTRIBUTE)
										.map((caller) -> ((ConnectCaller) caller).spiffeId())
										.orElse("nobody")))
				.build();
		}

	}

}
