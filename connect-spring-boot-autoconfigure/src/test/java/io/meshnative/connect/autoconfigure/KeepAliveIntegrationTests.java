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

import io.meshnative.connect.agent.ConsulAgentClient;
import io.meshnative.connect.agent.LeafCertificate;
import io.meshnative.connect.authz.ConnectAuthorizer;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kept-alive connections to a Netty server keep being served when requests alternate
 * between decisions answered by the agent (completing on the agent client's thread) and
 * decisions from the cache (completing at once). Reactor Netty 1.3.5 to at least 1.3.8
 * stops reading such a connection when a request arrives before the previous one's
 * operations have terminated (reactor/reactor-netty#4361): the authorization filter must
 * therefore finish every request on the connection's event loop.
 *
 * @author connect-spring-boot authors
 */
class KeepAliveIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	@Test
	void keptAliveConnectionServesRequestsAfterAgentDecisions() throws Exception {
		String address = consul.getAgent().start().getHttpAddress();
		try (ConfigurableApplicationContext app = new SpringApplicationBuilder(ForgetfulApp.class)
			.web(WebApplicationType.REACTIVE)
			.properties("server.port=0", "connect.service-name=keepalive-app", "connect.agent.address=" + address,
					"spring.cloud.consul.enabled=false", "spring.main.banner-mode=off")
			.run(); ConsulAgentClient client = ConsulAgentClient.builder(URI.create(address)).build()) {
			int port = ((WebServerApplicationContext) app).getWebServer().getPort();
			LeafCertificate leaf = client.getLeafCertificate("keepalive-caller");
			MeshTestClient caller = MeshTestClient.of(leaf, client.getCaRoots());
			int requests = 0;
			try (MeshTestClient.Connection connection = caller.open(port)) {
				for (int i = 0; i < 150; i++) {
					assertThat(connection.get("/forget").status()).isEqualTo(200);
					assertThat(connection.get("/hello").status()).isEqualTo(200);
					assertThat(connection.get("/hello").status()).isEqualTo(200);
					requests += 3;
				}
			}
			assertThat(requests).isEqualTo(450);
		}
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@RestController
	static class ForgetfulApp {

		private final ConnectAuthorizer authorizer;

		ForgetfulApp(ConnectAuthorizer authorizer) {
			this.authorizer = authorizer;
		}

		@Bean
		ReactorResourceFactory reactorResourceFactory() {
			return InboundTestApplications.ownReactorResources();
		}

		@GetMapping("/forget")
		Mono<String> forget() {
			this.authorizer.invalidate();
			return Mono.just("forgotten");
		}

		@GetMapping("/hello")
		Mono<String> hello() {
			return Mono.just("hello");
		}

	}

}
