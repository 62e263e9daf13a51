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

package io.meshnative.connect.client.internal;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.DiscoveryChain;
import io.meshnative.connect.agent.internal.ServiceHealth;
import io.meshnative.connect.agent.internal.ServiceRegistration;
import io.meshnative.connect.autoconfigure.TestConsulAgentConnectionDetails;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.test.ConsulAgent;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link UpstreamEndpoints} against a real agent: chain and endpoints are
 * followed, subsets filter instances, health changes are seen within 2 seconds, and every
 * endpoint's expected identity is recorded.
 *
 * @author connect-spring-boot authors
 */
class UpstreamEndpointsIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private static ConsulAgentClient client;

	private static ConnectIdentityManager identity;

	@BeforeAll
	static void start() {
		client = TestConsulAgentConnectionDetails.client(consul);
		identity = new ConnectIdentityManager(client, "frontend", Duration.ofSeconds(10), Duration.ofMinutes(5));
		identity.start();
	}

	@AfterAll
	static void stop() {
		identity.close();
	}

	@Test
	void followsNativeAndSidecarEndpointsAndTheirHealth(ConsulAgent agent) {
		register("api-1", "api", 9001, "v1");
		client.registerService(
				new ServiceRegistration("api-sidecar", "api-sidecar-proxy", "connect-proxy", null, "127.0.0.3", 21000,
						null, null, new AgentService.Proxy("api", "api-0", "127.0.0.1", 8080, null, null, null, null),
						ServiceRegistration.Check.passingTtl("30m"), null));
		try (UpstreamEndpoints upstream = new UpstreamEndpoints("api", UpstreamSettings.NONE, client,
				Duration.ofMinutes(1))
			.start()) {
			assertThat(upstream.awaitLoaded(Duration.ofSeconds(10))).isTrue();
			DiscoveryChain chain = upstream.getChain();
			assertThat(chain).isNotNull();
			String target = chain.nodes().get(chain.startNode()).resolver().target();
			assertThat(upstream.getEndpoints(target)).extracting(ServiceHealth::dialAddress)
				.containsExactlyInAnyOrder("127.0.0.2", "127.0.0.3");
			assertThat(upstream.getEndpoints(target)).extracting(ServiceHealth::expectedServiceName)
				.as("a sidecar is offered for the service it fronts")
				.containsOnly("api");
			agent.request("PUT", "/v1/agent/check/fail/service:api-1", null);
			await().atMost(Duration.ofSeconds(2))
				.until(() -> upstream.getEndpoints(target)
					.stream()
					.noneMatch((entry) -> entry.service().id().equals("api-1")));
			register("api-2", "api", 9002, "v2");
			await().atMost(Duration.ofSeconds(2))
				.until(() -> upstream.getEndpoints(target)
					.stream()
					.anyMatch((entry) -> entry.service().id().equals("api-2")));
		}
		finally {
			for (String id : List.of("api-1", "api-2", "api-sidecar")) {
				client.deregisterService(id);
			}
		}
	}

	@Test
	void enterpriseNamespaceOnConsulCeFailsWithTheAgentsMessageWithoutWaiting() {
		UpstreamSettings teamA = new UpstreamSettings(null, "team-a", null, null, null, null);
		try (UpstreamEndpoints upstream = new UpstreamEndpoints("api", teamA, client, Duration.ofMinutes(1)).start()) {
			assertThat(upstream.awaitLoaded(Duration.ofSeconds(30))).isTrue();
			assertThat(upstream.getChain()).isNull();
			assertThat(upstream.getChainError()).contains("400").contains("Enterprise");
		}
		UpstreamSettings defaultNamespace = new UpstreamSettings(null, "default", "default", null, null, null);
		try (UpstreamEndpoints upstream = new UpstreamEndpoints("api", defaultNamespace, client, Duration.ofMinutes(1))
			.start()) {
			assertThat(upstream.awaitLoaded(Duration.ofSeconds(10))).isTrue();
			assertThat(upstream.getChain()).as("'default' is not sent: Consul CE refuses even that").isNotNull();
		}
	}

	@Test
	void subsetTargetsOnlyGetMatchingInstances() {
		register("shop-1", "shop", 9101, "v1");
		register("shop-2", "shop", 9102, "v2");
		try {
			consul.getOperator()
				.putConfigEntry(Map.of("Kind", "service-resolver", "Name", "shop", "DefaultSubset", "v2", "Subsets",
						Map.of("v1", Map.of("Filter", "Service.Meta.version == v1"), "v2",
								Map.of("Filter", "Service.Meta.version == v2"))));
			try (UpstreamEndpoints upstream = new UpstreamEndpoints("shop", UpstreamSettings.NONE, client,
					Duration.ofMinutes(1))
				.start()) {
				assertThat(upstream.awaitLoaded(Duration.ofSeconds(10))).isTrue();
				DiscoveryChain chain = upstream.getChain();
				String target = chain.nodes().get(chain.startNode()).resolver().target();
				assertThat(chain.targets().get(target).serviceSubset()).isEqualTo("v2");
				assertThat(upstream.getEndpoints(target)).extracting((entry) -> entry.service().id())
					.containsExactly("shop-2");
			}
		}
		finally {
			consul.getOperator().deleteConfigEntry("service-resolver", "shop");
			client.deregisterService("shop-1");
			client.deregisterService("shop-2");
		}
	}

	private static void register(String id, String name, int port, String version) {
		client.registerService(
				new ServiceRegistration(id, name, null, null, "127.0.0.2", port, Map.of("version", version),
						new AgentService.Connect(true, null), null, ServiceRegistration.Check.passingTtl("30m"), null));
	}

}
