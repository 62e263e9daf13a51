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
import java.util.concurrent.CompletableFuture;

import io.grpc.ManagedChannel;
import io.meshnative.connect.agent.internal.AgentQuery;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ConsulAgentException;
import io.meshnative.connect.agentless.internal.ConsulServers;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.registration.internal.ConnectNativeRegistrar;
import io.meshnative.connect.test.FakeConsulAgent;
import io.meshnative.connect.test.FakeResponse;
import io.meshnative.connect.test.RecordedRequest;
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
	void agentlessServerReadsAreStaleWithTheDefaultBound() {
		try (FakeConsulAgent server = FakeConsulAgent.start()) {
			agentless(server).run((context) -> {
				assertThat(context).hasNotFailed();
				List<RecordedRequest> reads = serverReads(context.getBean(ConsulAgentClient.class), server);
				assertThat(reads).extracting(RecordedRequest::path)
					.containsExactly("/v1/health/connect/orders", "/v1/discovery-chain/orders",
							"/v1/connect/intentions/match", "/v1/config/service-defaults/orders",
							"/v1/catalog/datacenters");
				assertThat(reads).allSatisfy((read) -> {
					assertThat(read.hasQueryParameter("stale")).as(read.path() + " ?stale").isTrue();
					assertThat(read.queryParameter("max_stale")).as(read.path() + " ?max_stale").isEqualTo("10s");
					assertThat(read.hasQueryParameter("consistent")).isFalse();
				});
				assertThat(reads.get(0).hasQueryParameter("passing")).isTrue();
				assertThat(reads.get(2).queryParameter("by")).isEqualTo("destination");
			});
		}
	}

	@Test
	void agentlessStaleReadsTakeTheConfiguredBoundOrCanBeTurnedOff() {
		try (FakeConsulAgent server = FakeConsulAgent.start()) {
			agentless(server).withPropertyValues("connect.consul.stale-reads.max-stale=1500ms").run((context) -> {
				List<RecordedRequest> reads = serverReads(context.getBean(ConsulAgentClient.class), server);
				assertThat(reads).hasSize(5)
					.allSatisfy((read) -> assertThat(read.queryParameter("max_stale")).isEqualTo("1500ms"));
			});
		}
		try (FakeConsulAgent server = FakeConsulAgent.start()) {
			agentless(server).withPropertyValues("connect.consul.stale-reads.enabled=false").run((context) -> {
				List<RecordedRequest> reads = serverReads(context.getBean(ConsulAgentClient.class), server);
				assertThat(reads).hasSize(5).allSatisfy((read) -> {
					assertThat(read.hasQueryParameter("stale")).as(read.path() + " ?stale").isFalse();
					assertThat(read.hasQueryParameter("max_stale")).as(read.path() + " ?max_stale").isFalse();
				});
			});
		}
	}

	@Test
	void agentlessStaleReadsWithoutAPositiveBoundFail() {
		try (FakeConsulAgent server = FakeConsulAgent.start()) {
			agentless(server).withPropertyValues("connect.consul.stale-reads.max-stale=0s").run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.hasMessageContaining("connect.consul.stale-reads.max-stale must be positive")
					.hasMessageContaining("connect.consul.stale-reads.enabled=false");
			});
		}
	}

	@Test
	void agentModeReadsKeepTheDefaultConsistency() {
		try (FakeConsulAgent agent = FakeConsulAgent.start()) {
			this.contextRunner.withPropertyValues("connect.agent.address=" + agent.getHttpAddress()).run((context) -> {
				assertThat(context).hasNotFailed();
				List<RecordedRequest> reads = serverReads(context.getBean(ConsulAgentClient.class), agent);
				assertThat(reads).hasSize(5).allSatisfy((read) -> {
					assertThat(read.hasQueryParameter("stale")).as(read.path() + " ?stale").isFalse();
					assertThat(read.hasQueryParameter("max_stale")).as(read.path() + " ?max_stale").isFalse();
				});
			});
		}
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

	private ApplicationContextRunner agentless(FakeConsulAgent server) {
		return this.contextRunner
			.withPropertyValues("connect.consul.mode=agentless",
					"connect.consul.servers[0].http-address=" + server.getHttpAddress(),
					"connect.consul.servers[0].grpc-address=127.0.0.1:1")
			.withBean(ConnectIdentityManager.class, () -> mock(ConnectIdentityManager.class));
	}

	/**
	 * Send one of each server read the starter makes (the answers, HTTP 500, do not
	 * matter) and return the requests as the server received them.
	 * @param client the client under test
	 * @param server the fake server
	 * @return the requests, in the order sent
	 */
	private static List<RecordedRequest> serverReads(ConsulAgentClient client, FakeConsulAgent server) {
		server.setDefaultResponse(FakeResponse.status(500, "test"));
		List<AgentQuery<?>> queries = List.of(AgentQuery.connectHealth("orders", true, null, null),
				AgentQuery.discoveryChain("orders", null), AgentQuery.intentionMatch("destination", "orders"),
				AgentQuery.serviceDefaults("orders", null, null), AgentQuery.datacenters());
		for (AgentQuery<?> query : queries) {
			CompletableFuture<?> answer = client.queryAsync(query);
			assertThat(answer).failsWithin(Duration.ofSeconds(10));
		}
		return server.getRequests();
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
