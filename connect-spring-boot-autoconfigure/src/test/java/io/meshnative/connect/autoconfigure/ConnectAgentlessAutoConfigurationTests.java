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

import io.grpc.ManagedChannel;
import io.meshnative.connect.agent.internal.AgentQuery;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ConsulAgentException;
import io.meshnative.connect.agentless.internal.ConsulServers;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.registration.internal.ConnectNativeRegistrar;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.test.context.support.TestPropertySourceUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.mockito.BDDMockito.mock;

/**
 * Tests for {@link ConnectAgentlessAutoConfiguration} and
 * {@link AgentlessEnvironmentPostProcessor} that need no Consul.
 *
 * @author connect-spring-boot authors
 */
class ConnectAgentlessAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ConnectAgentlessAutoConfiguration.class,
				ConsulConnectAutoConfiguration.class, ConnectRegistrationAutoConfiguration.class))
		.withPropertyValues("spring.cloud.consul.discovery.register=false");

	@Test
	void agentModeIsTheDefaultAndNeedsNoGrpc() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(ManagedChannel.class)).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(ConsulAgentClient.class);
			assertThat(context).doesNotHaveBean(ConsulServers.class);
			ConsulAgentClient client = context.getBean(ConsulAgentClient.class);
			assertThat(client.isServer()).isFalse();
			assertThat(client.describeConsul()).startsWith("Consul agent at ");
		});
	}

	@Test
	void agentlessModeFailuresOfTheHttpApiNameTheServerAndTheServersSetting() {
		this.contextRunner
			.withPropertyValues("connect.consul.mode=agentless",
					"connect.consul.servers[0].http-address=http://127.0.0.1:1",
					"connect.consul.servers[0].grpc-address=127.0.0.1:2")
			.withBean(ConnectIdentityManager.class, () -> mock(ConnectIdentityManager.class))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				ConsulAgentClient client = context.getBean(ConsulAgentClient.class);
				assertThat(client.isServer()).isTrue();
				assertThat(client.describeConsul()).isEqualTo("Consul server at http://127.0.0.1:1");
				ConsulAgentException failure = assertThatExceptionOfType(ConsulAgentException.class)
					.isThrownBy(() -> client.query(AgentQuery.datacenters()))
					.actual();
				assertThat(failure.isServer()).isTrue();
				assertThat(failure.describeConsul()).isEqualTo("Consul server at http://127.0.0.1:1");
				assertThat(failure.getMessage())
					.startsWith("Consul server at http://127.0.0.1:1 did not answer GET /v1/catalog/datacenters: "
							+ "connection refused. Fix: check that a Consul server's HTTP API listens at "
							+ "http://127.0.0.1:1 and that connect.consul.servers[*].http-address points at it")
					.doesNotContain("agent")
					.doesNotContain("CONSUL_HTTP_ADDR");
			});
	}

	@Test
	void agentlessModeWithoutGrpcFailsWithTheDependenciesToAdd() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(ManagedChannel.class))
			.withPropertyValues("connect.consul.mode=agentless")
			.run((context) -> {
				assertThat(context).hasFailed();
				AgentlessConfigurationException failure = rootCause(context.getStartupFailure());
				FailureAnalysis analysis = new AgentlessConfigurationFailureAnalyzer().analyze(failure);
				assertThat(analysis.getDescription()).contains("connect.consul.mode=agentless needs gRPC");
				assertThat(analysis.getAction()).contains("io.grpc:grpc-netty", "io.grpc:grpc-protobuf",
						"io.grpc:grpc-stub", "com.google.protobuf:protobuf-java");
			});
	}

	@Test
	void agentlessModeWithoutServersFails() {
		this.contextRunner.withPropertyValues("connect.consul.mode=agentless").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(rootCause(context.getStartupFailure()).getMessage())
				.contains("needs at least one Consul server");
		});
	}

	@Test
	void agentlessModeRefusesSpringCloudConsulRegistration() {
		this.contextRunner
			.withPropertyValues("connect.consul.mode=agentless", "spring.cloud.consul.discovery.register=true",
					"connect.consul.servers[0].http-address=http://127.0.0.1:1",
					"connect.consul.servers[0].grpc-address=127.0.0.1:2")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(rootCause(context.getStartupFailure()).getMessage()).contains("/v1/agent/service/register");
			});
	}

	@Test
	void agentlessModeDoesNotRegister() {
		this.contextRunner
			.withPropertyValues("connect.consul.mode=agentless", "connect.consul.servers[0].http-address=http://s:8500",
					"connect.consul.servers[0].grpc-address=s:8502")
			.withBean(ConnectIdentityManager.class, () -> mock(ConnectIdentityManager.class))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).hasSingleBean(ConsulServers.class);
				assertThat(context.getBean(ConsulAgentClient.class).getAddress().toString()).isEqualTo("http://s:8500");
				assertThat(context).doesNotHaveBean(ConnectNativeRegistrar.class);
			});
	}

	@Test
	void environmentPostProcessorTurnsAgentCallsOfSpringCloudConsulOffInAgentlessModeOnly() {
		StandardEnvironment agentless = new StandardEnvironment();
		TestPropertySourceUtils.addInlinedPropertiesToEnvironment(agentless, "connect.consul.mode=agentless");
		new AgentlessEnvironmentPostProcessor().postProcessEnvironment(agentless, new SpringApplication());
		assertThat(agentless.getProperty("spring.cloud.consul.discovery.register")).isEqualTo("false");
		assertThat(agentless.getProperty("management.health.consul.enabled")).isEqualTo("false");
		StandardEnvironment explicit = new StandardEnvironment();
		TestPropertySourceUtils.addInlinedPropertiesToEnvironment(explicit, "connect.consul.mode=agentless",
				"spring.cloud.consul.discovery.register=true");
		new AgentlessEnvironmentPostProcessor().postProcessEnvironment(explicit, new SpringApplication());
		assertThat(explicit.getProperty("spring.cloud.consul.discovery.register")).isEqualTo("true");
		StandardEnvironment agent = new StandardEnvironment();
		new AgentlessEnvironmentPostProcessor().postProcessEnvironment(agent, new SpringApplication());
		assertThat(agent.getProperty("spring.cloud.consul.discovery.register")).isNull();
	}

	private static AgentlessConfigurationException rootCause(Throwable failure) {
		Throwable current = failure;
		while (current != null && !(current instanceof AgentlessConfigurationException)) {
			current = current.getCause();
		}
		assertThat(current).isInstanceOf(AgentlessConfigurationException.class);
		return (AgentlessConfigurationException) current;
	}

}
