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

package io.meshnative.connect.test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link ConsulCluster}.
 *
 * @author connect-spring-boot authors
 */
class ConsulClusterLifecycleIntegrationTests {

	@Test
	void twoClustersRunAtTheSameTimeApartAndStopWithoutTraces() {
		List<ConsulClusterAgent> agents;
		try (ConsulCluster first = ConsulCluster.create(1, 1); ConsulCluster second = ConsulCluster.create(1, 1)) {
			CompletableFuture<ConsulCluster> firstStarted = CompletableFuture.supplyAsync(first::start);
			CompletableFuture<ConsulCluster> secondStarted = CompletableFuture.supplyAsync(second::start);
			CompletableFuture.allOf(firstStarted, secondStarted).join();
			agents = Stream.concat(first.getAgents().stream(), second.getAgents().stream()).toList();
			assertThat(agents).extracting(ConsulClusterAgent::getNodeName).doesNotHaveDuplicates();
			assertThat(agents).extracting(ConsulClusterAgent::getHttpPort).doesNotHaveDuplicates();
			assertThat(agents).extracting(ConsulClusterAgent::getDataDirectory).doesNotHaveDuplicates();
			assertThat(first.getTrustDomain()).isNotEqualTo(second.getTrustDomain());
			String firstMembers = first.getClients().get(0).request("GET", "/v1/agent/members", null);
			assertThat(second.getAgents()).noneMatch((agent) -> firstMembers.contains(agent.getNodeName()));
			assertThat(first.getAgents()).allMatch((agent) -> firstMembers.contains(agent.getNodeName()));
			Path directory = first.getAgents().get(0).getDataDirectory();
			assertThat(directory).isDirectory();
			first.stop();
			assertThat(agents.subList(0, 2)).noneMatch(ConsulClusterAgent::isRunning);
			assertThat(Files.exists(directory)).isFalse();
			assertThat(second.getAgents()).allMatch(ConsulClusterAgent::isRunning);
		}
		assertThat(agents).noneMatch(ConsulClusterAgent::isRunning);
	}

	@Test
	void startFailureStopsEverythingAndReportsTheLogOfEveryAgent() {
		ConsulCluster cluster = ConsulCluster.create(1, 1).withClientHcl("ports { http = \"not a port\" }");
		assertThatIllegalStateException().isThrownBy(cluster::start)
			.withMessageContaining("Consul cluster did not start")
			.withMessageContaining("(server, dc1")
			.withMessageContaining("(client, dc1")
			.withMessageContaining("Consul agent running!")
			.withMessageContaining("not a port");
		assertThat(cluster.isStarted()).isFalse();
		assertThatIllegalStateException().isThrownBy(cluster::getAgents).withMessageContaining("not started");
	}

	@Test
	void hclFragmentsReachTheAgentsTheyNameAndPartitionIsForClientsOnly() {
		try (ConsulCluster cluster = ConsulCluster.create(1, 2)
			.withClientHcl(0, "limits { http_max_conns_per_client = 7 }")
			.withServerHcl("node_meta { role = \"server\" }")
			.start()) {
			ConsulClusterAgent limited = cluster.getClients().get(0);
			ConsulClusterAgent other = cluster.getClients().get(1);
			assertThat(limited.request("GET", "/v1/agent/self", null))
				.containsPattern("\"HTTPMaxConnsPerClient\":\\s*7\\b");
			assertThat(other.request("GET", "/v1/agent/self", null))
				.containsPattern("\"HTTPMaxConnsPerClient\":\\s*200\\b");
			ConsulClusterAgent server = cluster.getServers().get(0);
			assertThat(server.request("GET", "/v1/agent/self", null)).containsPattern("\"role\":\\s*\"server\"");
			assertThatIllegalArgumentException().isThrownBy(() -> cluster.partition(server))
				.withMessageContaining("is a server");
			assertThatIllegalArgumentException().isThrownBy(() -> cluster.restartWithoutData(server))
				.withMessageContaining("is a server");
		}
	}

	@Test
	void clientHclNeedsAnExistingClient() {
		assertThatIllegalArgumentException().isThrownBy(() -> ConsulCluster.create(3, 2).withClientHcl(2, "x = 1"))
			.withMessageContaining("No client agent 2");
		assertThatIllegalArgumentException().isThrownBy(() -> ConsulCluster.create(0, 2))
			.withMessageContaining("at least one server");
	}

}
