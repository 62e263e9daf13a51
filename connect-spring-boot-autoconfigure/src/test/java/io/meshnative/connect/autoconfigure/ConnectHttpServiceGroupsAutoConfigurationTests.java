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
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.meshnative.connect.client.ConnectClientFactory;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.client.autoconfigure.service.HttpServiceClientPropertiesAutoConfiguration;
import org.springframework.boot.restclient.autoconfigure.service.HttpServiceClientAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.mock.http.client.MockClientHttpRequest;
import org.springframework.mock.http.client.MockClientHttpResponse;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.service.registry.HttpServiceGroup;
import org.springframework.web.service.registry.ImportHttpServices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.BDDMockito.given;
import static org.mockito.BDDMockito.then;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;

/**
 * Tests for {@link ConnectHttpServiceGroupsAutoConfiguration}, with no agent: Spring's
 * HTTP service registry and Spring Boot's group configurers are real, the
 * {@link ConnectClientFactory} is a mock whose {@code bind} installs a recording request
 * factory (or exchange function) in place of the mesh's, so that a call shows which
 * builder was bound and which URI it would route.
 * {@link HttpServiceGroupsIntegrationTests} calls a real upstream.
 *
 * @author connect-spring-boot authors
 */
class ConnectHttpServiceGroupsAutoConfigurationTests {

	private final List<URI> sent = new CopyOnWriteArrayList<>();

	private final ConnectClientFactory clients = mock(ConnectClientFactory.class);

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(HttpServiceClientPropertiesAutoConfiguration.class,
				HttpServiceClientAutoConfiguration.class, ConnectHttpServiceGroupsAutoConfiguration.class))
		.withBean(ConnectClientFactory.class, () -> this.clients);

	ConnectHttpServiceGroupsAutoConfigurationTests() {
		given(this.clients.bind(any(RestClient.Builder.class), anyString())).willAnswer((invocation) -> {
			RestClient.Builder builder = invocation.getArgument(0);
			String upstream = invocation.getArgument(1);
			return builder.baseUrl("http://" + upstream).requestFactory(recording("mesh:" + upstream));
		});
		given(this.clients.bind(any(WebClient.Builder.class), anyString())).willAnswer((invocation) -> {
			WebClient.Builder builder = invocation.getArgument(0);
			String upstream = invocation.getArgument(1);
			return builder.baseUrl("http://" + upstream).exchangeFunction((request) -> {
				this.sent.add(request.url());
				return Mono.just(ClientResponse.create(HttpStatus.OK).body("mesh:" + upstream).build());
			});
		});
	}

	@Test
	void boundGroupCallsThroughTheMeshAfterSpringBootConfiguredIt() {
		this.contextRunner.withUserConfiguration(RestClientGroups.class)
			.withPropertyValues("connect.http-service-groups.greetings=backend")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				// Spring Boot's properties configurer replaces every group's request
				// factory; ours runs after it, so the mesh's stays
				assertThat(context.getBean(Greetings.class).hello()).isEqualTo("mesh:backend");
				assertThat(this.sent).containsExactly(URI.create("http://backend/hello"));
				then(this.clients).should().bind(any(RestClient.Builder.class), eq("backend"));
			});
	}

	@Test
	void groupsThatAreNotBoundAreLeftAlone() {
		this.contextRunner.withUserConfiguration(RestClientGroups.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(Greetings.class);
			then(this.clients).should(never()).bind(any(RestClient.Builder.class), anyString());
		});
	}

	@Test
	void baseUrlNamingTheUpstreamKeepsItsBasePath() {
		this.contextRunner.withUserConfiguration(RestClientGroups.class)
			.withPropertyValues("connect.http-service-groups.greetings=backend",
					"spring.http.serviceclient.greetings.base-url=http://backend/api/v1")
			.run((context) -> {
				assertThat(context.getBean(Greetings.class).hello()).isEqualTo("mesh:backend");
				assertThat(this.sent).containsExactly(URI.create("http://backend/api/v1/hello"));
			});
	}

	@Test
	void baseUrlNamingAnotherHostFailsAtStartUp() {
		this.contextRunner.withUserConfiguration(RestClientGroups.class)
			.withPropertyValues("connect.http-service-groups.greetings=backend",
					"spring.http.serviceclient.greetings.base-url=https://backend.example.com")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("spring.http.serviceclient.greetings.base-url is 'https://backend.example.com'")
				.hasMessageContaining("bound to the mesh upstream 'backend'"));
	}

	@Test
	void bindingAGroupThatIsNotDeclaredFailsAtStartUp() {
		this.contextRunner.withUserConfiguration(RestClientGroups.class)
			.withPropertyValues("connect.http-service-groups.greeting=backend")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasMessageContaining("connect.http-service-groups binds [greeting] to mesh upstreams")
				.hasMessageContaining("declared groups: [greetings]"));
	}

	@Test
	void bindingWithoutAnyHttpServiceGroupFailsAtStartUp() {
		this.contextRunner.withPropertyValues("connect.http-service-groups.greetings=backend")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasMessageContaining("no such HTTP service group is declared"));
	}

	@Test
	void webClientGroupIsBound() {
		this.contextRunner.withUserConfiguration(WebClientGroups.class)
			.withPropertyValues("connect.http-service-groups.reactive-greetings=backend")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(ReactiveGreetings.class).hello().block()).isEqualTo("mesh:backend");
				assertThat(this.sent).containsExactly(URI.create("http://backend/hello"));
			});
	}

	@Test
	void connectOffSwitchLeavesGroupsAlone() {
		this.contextRunner.withUserConfiguration(RestClientGroups.class)
			.withPropertyValues("connect.enabled=false", "connect.http-service-groups.greetings=backend")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(ConnectHttpServiceGroups.class);
				then(this.clients).should(never()).bind(any(RestClient.Builder.class), anyString());
			});
	}

	private ClientHttpRequestFactory recording(String answer) {
		return (uri, method) -> {
			this.sent.add(uri);
			MockClientHttpRequest request = new MockClientHttpRequest(method, uri);
			MockClientHttpResponse response = new MockClientHttpResponse(answer.getBytes(StandardCharsets.UTF_8),
					HttpStatus.OK);
			response.getHeaders().add(HttpHeaders.CONTENT_TYPE, "text/plain");
			request.setResponse(response);
			return request;
		};
	}

	interface Greetings {

		@GetExchange("/hello")
		String hello();

	}

	interface ReactiveGreetings {

		@GetExchange("/hello")
		Mono<String> hello();

	}

	@Configuration(proxyBeanMethods = false)
	@ImportHttpServices(group = "greetings", types = Greetings.class)
	static class RestClientGroups {

	}

	@Configuration(proxyBeanMethods = false)
	@ImportHttpServices(group = "reactive-greetings", types = ReactiveGreetings.class,
			clientType = HttpServiceGroup.ClientType.WEB_CLIENT)
	static class WebClientGroups {

	}

}
