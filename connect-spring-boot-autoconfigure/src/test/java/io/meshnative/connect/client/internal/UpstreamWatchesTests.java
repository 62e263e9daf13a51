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

import java.net.URI;
import java.time.Duration;
import java.util.Collections;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.discovery.internal.Endpoint;
import io.meshnative.connect.test.FakeConsulAgent;
import io.meshnative.connect.test.FakeResponse;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link UpstreamWatches} against a {@link FakeConsulAgent}: the active-request
 * counters of endpoints that went away are dropped.
 *
 * @author connect-spring-boot authors
 */
class UpstreamWatchesTests {

	private static final String CHAIN = """
			{"Chain": {"ServiceName": "api", "Namespace": "default", "Partition": "default", "Datacenter": "dc1",
			"Protocol": "tcp", "StartNode": "resolver:api.default.default.dc1",
			"Nodes": {"resolver:api.default.default.dc1": {"Type": "resolver", "Name": "api.default.default.dc1",
			"Resolver": {"ConnectTimeout": "5s", "Target": "api.default.default.dc1"}}},
			"Targets": {"api.default.default.dc1": {"ID": "api.default.default.dc1", "Service": "api",
			"Namespace": "default", "Partition": "default", "Datacenter": "dc1"}}}}
			""";

	private FakeConsulAgent agent;

	private ConsulAgentClient client;

	private final Object monitor = new Object();

	private Health health = new Health(0, "[]");

	@BeforeEach
	void setUp() {
		this.agent = FakeConsulAgent.start();
		this.agent.setDispatcher((request) -> {
			boolean blocking = request.hasQueryParameter("index");
			if (request.path().startsWith("/v1/discovery-chain/")) {
				return blocking ? FakeResponse.hang() : FakeResponse.json(CHAIN).index(1);
			}
			if (request.path().startsWith("/v1/health/connect/")) {
				return blockingHealth(request.queryParameter("index"));
			}
			return null;
		});
		this.client = ConsulAgentClient.builder(URI.create(this.agent.getHttpAddress()))
			.requestTimeout(Duration.ofSeconds(5))
			.build();
	}

	@AfterEach
	void tearDown() {
		this.client.close();
		this.agent.close();
	}

	@Test
	void countersOfEndpointsThatWentAwayAreDropped() {
		ActiveRequests activeRequests = new ActiveRequests();
		setHealth(1, health("10.0.0.1", "10.0.0.2"));
		try (UpstreamWatches watches = new UpstreamWatches(this.client, Duration.ofSeconds(30), Duration.ofSeconds(5),
				(upstream) -> UpstreamSettings.NONE, activeRequests)) {
			assertThat(watches.endpoints("api").getEndpoints("api.default.default.dc1")).hasSize(2);
			activeRequests.counter(endpoint("10.0.0.1"));
			activeRequests.counter(endpoint("10.0.0.2")).incrementAndGet();
			setHealth(2, health("10.0.0.3"));
			Awaitility.await()
				.atMost(Duration.ofSeconds(10))
				.until(() -> watches.endpoints("api").getEndpoints("api.default.default.dc1").size() == 1);
			assertThat(activeRequests.keys()).containsExactly("10.0.0.2:8443");
			activeRequests.counter(endpoint("10.0.0.2")).decrementAndGet();
			setHealth(3, health("10.0.0.4"));
			Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> activeRequests.keys().isEmpty());
		}
	}

	private void setHealth(long index, String json) {
		synchronized (this.monitor) {
			this.health = new Health(index, json);
			this.monitor.notifyAll();
		}
	}

	private FakeResponse blockingHealth(@Nullable String index) {
		long known = (index != null) ? Long.parseLong(index) : 0;
		synchronized (this.monitor) {
			try {
				if (this.health.index() <= known) {
					this.monitor.wait(Duration.ofSeconds(2).toMillis());
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return FakeResponse.json(this.health.json()).index(Math.max(this.health.index(), 1));
		}
	}

	private static Endpoint endpoint(String address) {
		return new Endpoint(address, 8443, "api-" + address, Collections.emptyMap());
	}

	private static String health(String... addresses) {
		StringBuilder json = new StringBuilder("[");
		for (String address : addresses) {
			if (json.length() > 1) {
				json.append(',');
			}
			json.append("{\"Node\": {\"Node\": \"node\", \"Address\": \"").append(address).append("\"}, ");
			json.append("\"Service\": {\"ID\": \"api-").append(address).append("\", \"Service\": \"api\", ");
			json.append("\"Address\": \"").append(address).append("\", \"Port\": 8443, ");
			json.append("\"Connect\": {\"Native\": true}}, \"Checks\": []}");
		}
		return json.append(']').toString();
	}

	private record Health(long index, String json) {

	}

}
