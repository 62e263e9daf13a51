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
import java.util.List;
import java.util.Map;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.LeafCertificate;
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
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kept-alive connections to a Netty server keep being served while the intentions change
 * under them (new rules arrive on the watch's thread). Reactor Netty 1.3.5 to at least
 * 1.3.8 stops reading a connection when a request arrives before the previous one's
 * operations have terminated (reactor/reactor-netty#4361), which a filter that completes
 * a request off the connection's event loop provokes: the authorization filter decides
 * every request on the event loop, locally.
 *
 * @author connect-spring-boot authors
 */
class KeepAliveIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	@Test
	void keptAliveConnectionServesRequestsWhileTheIntentionsChange() throws Exception {
		String address = consul.getAgent().start().getHttpAddress();
		try (ConfigurableApplicationContext app = new SpringApplicationBuilder(KeepAliveApp.class)
			.web(WebApplicationType.REACTIVE)
			.properties("server.port=0", "connect.service-name=keepalive-app", "connect.agent.address=" + address,
					"spring.cloud.consul.enabled=false", "spring.main.banner-mode=off")
			.run(); ConsulAgentClient client = ConsulAgentClient.builder(URI.create(address)).build()) {
			int port = ((WebServerApplicationContext) app).getWebServer().getPort();
			LeafCertificate leaf = client.getLeafCertificate("keepalive-caller");
			MeshTestClient caller = MeshTestClient.of(leaf, client.getCaRoots());
			int requests = 0;
			try (MeshTestClient.Connection connection = caller.open(port)) {
				for (int i = 0; i < 50; i++) {
					consul.getOperator()
						.putConfigEntry(Map.of("Kind", "service-intentions", "Name", "keepalive-app", "Sources", List
							.of(Map.of("Name", "keepalive-caller", "Action", "allow", "Description", "round " + i))));
					assertThat(connection.get("/hello").status()).isEqualTo(200);
					assertThat(connection.get("/hello").status()).isEqualTo(200);
					requests += 2;
				}
			}
			assertThat(requests).isEqualTo(100);
		}
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(InboundTestApplications.OwnReactorResources.class)
	@RestController
	static class KeepAliveApp {

		@GetMapping("/hello")
		Mono<String> hello() {
			return Mono.just("hello");
		}

	}

}
