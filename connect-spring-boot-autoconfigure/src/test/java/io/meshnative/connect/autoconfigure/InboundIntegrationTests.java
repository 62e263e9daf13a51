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
import java.net.URI;
import java.util.Map;

import javax.net.ssl.SSLException;

import io.meshnative.connect.agent.CaRoots;
import io.meshnative.connect.agent.ConsulAgentClient;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * End-to-end tests of inbound mTLS on Tomcat and on Netty against a real agent.
 *
 * @author connect-spring-boot authors
 */
class InboundIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private static ConsulAgentClient client;

	@BeforeAll
	static void createClient() {
		client = ConsulAgentClient.builder(URI.create(consul.getAgent().start().getHttpAddress())).build();
	}

	@AfterAll
	static void closeClient() {
		client.close();
	}

	@ParameterizedTest
	@EnumSource(Stack.class)
	void callerWithAgentIssuedLeafGets200(Stack stack) throws IOException {
		try (ConfigurableApplicationContext context = stack.start("inbound-" + stack.name().toLowerCase(), consul)) {
			int port = port(context);
			CaRoots roots = client.getCaRoots();
			MeshTestClient caller = MeshTestClient.of(client.getLeafCertificate("cli"), roots);
			MeshTestClient.Response response = caller.get(port, "/hello");
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).contains("hello");
		}
	}

	@ParameterizedTest
	@EnumSource(Stack.class)
	void callerWithoutCertificateIsRefusedInTheHandshake(Stack stack) {
		try (ConfigurableApplicationContext context = stack.start("nocert-" + stack.name().toLowerCase(), consul)) {
			int port = port(context);
			MeshTestClient anonymous = MeshTestClient.of(null, null, MeshTestClient.roots(client.getCaRoots()));
			assertThatExceptionOfType(IOException.class).isThrownBy(() -> anonymous.get(port, "/hello"))
				.satisfies((ex) -> assertThat(ex).isInstanceOfAny(SSLException.class, IOException.class));
		}
	}

	private static int port(ConfigurableApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	enum Stack {

		TOMCAT(WebApplicationType.SERVLET, ServletApp.class), NETTY(WebApplicationType.REACTIVE, ReactiveApp.class);

		private final WebApplicationType type;

		private final Class<?> application;

		Stack(WebApplicationType type, Class<?> application) {
			this.type = type;
			this.application = application;
		}

		ConfigurableApplicationContext start(String service, ConsulAgentExtension consul) {
			return new SpringApplicationBuilder(this.application).web(this.type)
				.properties(Map.of("server.port", "0", "connect.service-name", service, "connect.agent.address",
						consul.getAgent().getHttpAddress(), "spring.main.banner-mode", "off"))
				.run();
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@RestController
	static class ServletApp {

		@GetMapping("/hello")
		Map<String, String> hello() {
			return Map.of("message", "hello");
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@RestController
	static class ReactiveApp {

		@GetMapping("/hello")
		Mono<Map<String, String>> hello() {
			return Mono.just(Map.of("message", "hello"));
		}

	}

}
