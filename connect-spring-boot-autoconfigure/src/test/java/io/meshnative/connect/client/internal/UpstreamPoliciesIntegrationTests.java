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
import java.util.concurrent.atomic.AtomicInteger;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.autoconfigure.TestConsulAgentConnectionDetails;
import io.meshnative.connect.test.ConsulAgentExtension;
import io.meshnative.connect.test.ConsulOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link UpstreamPolicies} against a real agent: the caller's
 * {@code service-defaults} is merged per destination as Consul merges it, and changes and
 * deletion are followed.
 *
 * @author connect-spring-boot authors
 */
class UpstreamPoliciesIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private static final Duration CHANGE = Duration.ofSeconds(5);

	private static ConsulAgentClient client;

	private static ConsulOperator operator;

	@BeforeAll
	static void start() {
		client = TestConsulAgentConnectionDetails.client(consul);
		operator = consul.getOperator();
	}

	@Test
	void followsDefaultsAndOverridesThroughChangesAndDeletion() throws InterruptedException {
		AtomicInteger changes = new AtomicInteger();
		try (UpstreamPolicies policies = new UpstreamPolicies(client, "frontend", null, null, Duration.ofMinutes(1))) {
			policies.onChanged(changes::incrementAndGet);
			policies.start();
			assertThat(policies.awaitLoaded(Duration.ofSeconds(10))).isTrue();
			assertThat(policies.getServiceDefaults()).as("no entry yet").isNull();
			assertThat(policies.policy("api", null, null)).isEqualTo(UpstreamPolicy.DEFAULT);

			operator.putConfigEntry(entry(2500, 10));
			await().atMost(CHANGE).until(() -> policies.policy("api", null, null).maxConcurrentRequests() == 7);
			UpstreamPolicy api = policies.policy("api", null, null);
			assertThat(api.connectTimeout()).as("from Defaults").isEqualTo(Duration.ofMillis(2500));
			assertThat(api.maxConnections()).as("the override's Limits replace the defaults' as a whole")
				.isEqualTo(1024);
			assertThat(api.maxPendingRequests()).isEqualTo(1024);
			assertThat(api.passiveHealth()).isEqualTo(
					new UpstreamPolicy.PassiveHealth(Duration.ofSeconds(10), 5, 100, 50, Duration.ofSeconds(30)));
			UpstreamPolicy other = policies.policy("billing", null, null);
			assertThat(other.connectTimeout()).isEqualTo(Duration.ofMillis(2500));
			assertThat(other.maxConnections()).isEqualTo(10);
			assertThat(other.maxPendingRequests()).isEqualTo(1024);
			assertThat(other.maxConcurrentRequests()).isEqualTo(1024);
			assertThat(other.passiveHealth()).as("durations written as strings, read back as nanoseconds")
				.isEqualTo(new UpstreamPolicy.PassiveHealth(Duration.ofSeconds(5), 3, 0, 10, Duration.ofMinutes(1)));

			operator.putConfigEntry(entry(900, 42));
			await().atMost(CHANGE).until(() -> policies.policy("billing", null, null).maxConnections() == 42);
			assertThat(policies.policy("billing", null, null).connectTimeout()).isEqualTo(Duration.ofMillis(900));
			assertThat(policies.policy("api", null, null).connectTimeout()).isEqualTo(Duration.ofMillis(900));

			operator.deleteConfigEntry("service-defaults", "frontend");
			await().atMost(CHANGE).until(() -> policies.getServiceDefaults() == null);
			assertThat(policies.policy("api", null, null)).isEqualTo(UpstreamPolicy.DEFAULT);
			assertThat(policies.policy("billing", null, null)).isEqualTo(UpstreamPolicy.DEFAULT);
			assertThat(changes).as("no entry, written, changed, deleted").hasValue(4);
		}
		finally {
			operator.deleteConfigEntry("service-defaults", "frontend");
		}
	}

	private static Map<String, Object> entry(int connectTimeoutMs, int maxConnections) {
		return Map.of("Kind", "service-defaults", "Name", "frontend", "UpstreamConfig",
				Map.of("Defaults",
						Map.of("ConnectTimeoutMs", connectTimeoutMs, "Limits", Map.of("MaxConnections", maxConnections),
								"PassiveHealthCheck",
								Map.of("Interval", "5s", "MaxFailures", 3, "EnforcingConsecutive5xx", 0,
										"BaseEjectionTime", "1m")),
						"Overrides", List.of(Map.of("Name", "api", "Limits", Map.of("MaxConcurrentRequests", 7),
								"PassiveHealthCheck", Map.of("MaxEjectionPercent", 50)))));
	}

}
