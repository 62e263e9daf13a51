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

import io.meshnative.connect.agent.internal.AgentJson;
import io.meshnative.connect.agent.internal.ServiceDefaults;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link UpstreamPolicy#resolve}: Consul's merge of {@code Defaults} and
 * {@code Overrides}, and the Consul and Envoy defaults.
 *
 * @author connect-spring-boot authors
 */
class UpstreamPolicyTests {

	private static final ServiceDefaults ENTRY = AgentJson.read(
			"""
					{"Kind": "service-defaults", "Name": "frontend", "UpstreamConfig": {
					  "Defaults": {"ConnectTimeoutMs": 2500, "Limits": {"MaxConnections": 10, "MaxPendingRequests": 20},
					    "PassiveHealthCheck": {"Interval": 5000000000, "MaxFailures": 3, "EnforcingConsecutive5xx": 0,
					      "BaseEjectionTime": 60000000000}},
					  "Overrides": [
					    {"Name": "api", "Limits": {"MaxConcurrentRequests": 7}, "PassiveHealthCheck": {"MaxEjectionPercent": 50}},
					    {"Name": "empty-limits", "Limits": {}},
					    {"Name": "timeout", "ConnectTimeoutMs": 900},
					    {"Name": "zero", "ConnectTimeoutMs": 0, "PassiveHealthCheck": {"Interval": 0, "MaxFailures": 0}},
					    {"Name": "twice", "ConnectTimeoutMs": 1},
					    {"Name": "twice", "ConnectTimeoutMs": 2},
					    {"Name": "", "ConnectTimeoutMs": 3},
					    {"Name": "api", "Peer": "east", "ConnectTimeoutMs": 4},
					    {"Name": "api", "Namespace": "team-a", "ConnectTimeoutMs": 5},
					    {"Name": "api", "Partition": "eu", "ConnectTimeoutMs": 6}
					  ]}}
					""",
			ServiceDefaults.class);

	@Test
	void withoutAnEntryTheEnvoyAndConsulDefaultsApply() {
		UpstreamPolicy policy = UpstreamPolicy.resolve(null, "api", null, null, null);
		assertThat(policy).isEqualTo(UpstreamPolicy.DEFAULT);
		assertThat(policy.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
		assertThat(policy.connectTimeoutConfigured()).isFalse();
		assertThat(policy.maxConnections()).isEqualTo(1024);
		assertThat(policy.maxPendingRequests()).isEqualTo(1024);
		assertThat(policy.maxConcurrentRequests()).isEqualTo(1024);
		assertThat(policy.passiveHealth())
			.isEqualTo(new UpstreamPolicy.PassiveHealth(Duration.ofSeconds(10), 5, 100, 10, Duration.ofSeconds(30)));
		ServiceDefaults noUpstreamConfig = AgentJson.read("{\"Kind\": \"service-defaults\", \"Name\": \"frontend\"}",
				ServiceDefaults.class);
		assertThat(UpstreamPolicy.resolve(noUpstreamConfig, "api", null, null, null)).isEqualTo(UpstreamPolicy.DEFAULT);
	}

	@Test
	void defaultsApplyToDestinationsWithoutOverride() {
		UpstreamPolicy policy = UpstreamPolicy.resolve(ENTRY, "other", null, null, null);
		assertThat(policy.connectTimeout()).isEqualTo(Duration.ofMillis(2500));
		assertThat(policy.connectTimeoutConfigured()).isTrue();
		assertThat(policy.maxConnections()).isEqualTo(10);
		assertThat(policy.maxPendingRequests()).isEqualTo(20);
		assertThat(policy.maxConcurrentRequests()).isEqualTo(1024);
		assertThat(policy.passiveHealth()).as("EnforcingConsecutive5xx 0 is kept: detection without ejection")
			.isEqualTo(new UpstreamPolicy.PassiveHealth(Duration.ofSeconds(5), 3, 0, 10, Duration.ofMinutes(1)));
	}

	@Test
	void overrideReplacesLimitsAndPassiveHealthCheckAsAWhole() {
		UpstreamPolicy policy = UpstreamPolicy.resolve(ENTRY, "api", null, null, null);
		assertThat(policy.connectTimeout()).as("not set by the override: the defaults' value")
			.isEqualTo(Duration.ofMillis(2500));
		assertThat(policy.maxConnections()).as("the defaults' Limits are replaced, not merged").isEqualTo(1024);
		assertThat(policy.maxPendingRequests()).isEqualTo(1024);
		assertThat(policy.maxConcurrentRequests()).isEqualTo(7);
		assertThat(policy.passiveHealth())
			.isEqualTo(new UpstreamPolicy.PassiveHealth(Duration.ofSeconds(10), 5, 100, 50, Duration.ofSeconds(30)));
		UpstreamPolicy emptyLimits = UpstreamPolicy.resolve(ENTRY, "empty-limits", null, null, null);
		assertThat(emptyLimits.maxConnections()).isEqualTo(1024);
		assertThat(emptyLimits.maxPendingRequests()).isEqualTo(1024);
		assertThat(emptyLimits.passiveHealth().interval()).as("PassiveHealthCheck not set: the defaults'")
			.isEqualTo(Duration.ofSeconds(5));
	}

	@Test
	void zeroConnectTimeoutIntervalAndMaxFailuresMeanUnset() {
		UpstreamPolicy zero = UpstreamPolicy.resolve(ENTRY, "zero", null, null, null);
		assertThat(zero.connectTimeout()).isEqualTo(Duration.ofMillis(2500));
		assertThat(zero.passiveHealth().interval()).isEqualTo(Duration.ofSeconds(10));
		assertThat(zero.passiveHealth().maxFailures()).isEqualTo(5);
		assertThat(zero.passiveHealth().baseEjectionTime()).as("the override's check replaced the defaults'")
			.isEqualTo(Duration.ofSeconds(30));
		assertThat(UpstreamPolicy.resolve(ENTRY, "timeout", null, null, null).connectTimeout())
			.isEqualTo(Duration.ofMillis(900));
	}

	@Test
	void laterOverrideWinsAndNamelessOverridesAreSkipped() {
		assertThat(UpstreamPolicy.resolve(ENTRY, "twice", null, null, null).connectTimeout())
			.isEqualTo(Duration.ofMillis(2));
		assertThat(UpstreamPolicy.resolve(ENTRY, "", null, null, null).connectTimeout())
			.isEqualTo(Duration.ofMillis(2500));
	}

	@Test
	void overridesMatchNamespacePartitionAndPeer() {
		assertThat(UpstreamPolicy.resolve(ENTRY, "api", "default", "default", "").connectTimeout())
			.isEqualTo(Duration.ofMillis(2500));
		UpstreamPolicy peered = UpstreamPolicy.resolve(ENTRY, "api", null, null, "east");
		assertThat(peered.connectTimeout()).isEqualTo(Duration.ofMillis(4));
		assertThat(peered.passiveHealth().maxEjectionPercent()).as("Consul lets peered clusters eject every host")
			.isEqualTo(100);
		assertThat(UpstreamPolicy.resolve(ENTRY, "api", "team-a", null, null).connectTimeout())
			.isEqualTo(Duration.ofMillis(5));
		assertThat(UpstreamPolicy.resolve(ENTRY, "api", null, "eu", null).connectTimeout())
			.isEqualTo(Duration.ofMillis(6));
		assertThat(UpstreamPolicy.resolve(null, "api", null, null, "east").passiveHealth().maxEjectionPercent())
			.isEqualTo(100);
	}

	@Test
	void overrideWithoutNamespaceTakesTheEntrysNamespace() {
		ServiceDefaults inTeamA = AgentJson.read("""
				{"Kind": "service-defaults", "Name": "frontend", "Namespace": "team-a", "UpstreamConfig": {
				  "Overrides": [{"Name": "api", "ConnectTimeoutMs": 100}]}}
				""", ServiceDefaults.class);
		assertThat(UpstreamPolicy.resolve(inTeamA, "api", null, null, null).connectTimeout())
			.isEqualTo(Duration.ofMillis(100));
		assertThat(UpstreamPolicy.resolve(inTeamA, "api", "team-a", null, null).connectTimeout())
			.isEqualTo(Duration.ofMillis(100));
		assertThat(UpstreamPolicy.resolve(inTeamA, "api", "default", null, null).connectTimeout())
			.isEqualTo(Duration.ofSeconds(5));
	}

	@Test
	void configuredConnectTimeoutOverridesTheResolversAsConsulCompilesIt() {
		Duration resolver = Duration.ofSeconds(2);
		assertThat(UpstreamPolicy.DEFAULT.connectTimeout(resolver)).isEqualTo(resolver);
		assertThat(UpstreamPolicy.DEFAULT.connectTimeout(null)).isEqualTo(Duration.ofSeconds(5));
		assertThat(UpstreamPolicy.DEFAULT.connectTimeout(Duration.ZERO)).isEqualTo(Duration.ofSeconds(5));
		assertThat(UpstreamPolicy.resolve(ENTRY, "timeout", null, null, null).connectTimeout(resolver))
			.isEqualTo(Duration.ofMillis(900));
	}

}
