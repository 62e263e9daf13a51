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

package io.meshnative.connect.agent.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.entry;

/**
 * Tests for decoding {@link ServiceDefaults} with
 * {@link AgentQuery#serviceDefaults(String, String, String)}.
 *
 * @author connect-spring-boot authors
 */
class ServiceDefaultsTests {

	/**
	 * What Consul 1.16.1 answers to {@code GET /v1/config/service-defaults/frontend}
	 * (durations as integer nanoseconds, empty objects kept, fields we ignore).
	 */
	private static final String CONSUL_ANSWER = """
			{
			    "Kind": "service-defaults",
			    "Name": "frontend",
			    "Protocol": "http",
			    "TransparentProxy": {},
			    "MeshGateway": {},
			    "Expose": {},
			    "UpstreamConfig": {
			        "Overrides": [
			            {
			                "Name": "api",
			                "Peer": "",
			                "Limits": {},
			                "PassiveHealthCheck": {
			                    "MaxEjectionPercent": 50
			                },
			                "MeshGateway": {}
			            },
			            {
			                "Name": "x",
			                "Peer": "p1",
			                "MeshGateway": {}
			            }
			        ],
			        "Defaults": {
			            "Peer": "",
			            "ConnectTimeoutMs": 2500,
			            "Limits": {
			                "MaxConnections": 10
			            },
			            "PassiveHealthCheck": {
			                "Interval": 5000000000,
			                "MaxFailures": 3,
			                "EnforcingConsecutive5xx": 0,
			                "BaseEjectionTime": 60000000000
			            },
			            "MeshGateway": {}
			        }
			    },
			    "CreateIndex": 18,
			    "ModifyIndex": 18
			}
			""";

	@Test
	void decodesConsulsAnswer() {
		ServiceDefaults entry = decode(CONSUL_ANSWER);
		assertThat(entry.kind()).isEqualTo("service-defaults");
		assertThat(entry.name()).isEqualTo("frontend");
		assertThat(entry.namespace()).isEmpty();
		ServiceDefaults.UpstreamConfig upstreamConfig = entry.upstreamConfig();
		assertThat(upstreamConfig).isNotNull();
		ServiceDefaults.Entry defaults = upstreamConfig.defaults();
		assertThat(defaults).isNotNull();
		assertThat(defaults.name()).isEmpty();
		assertThat(defaults.connectTimeoutMs()).isEqualTo(2500);
		assertThat(defaults.limits()).isEqualTo(new ServiceDefaults.Limits(10, null, null));
		assertThat(defaults.passiveHealthCheck()).isEqualTo(
				new ServiceDefaults.PassiveHealthCheck(Duration.ofSeconds(5), 3L, 0, null, Duration.ofMinutes(1)));
		assertThat(upstreamConfig.overrides()).hasSize(2);
		ServiceDefaults.Entry api = upstreamConfig.overrides().get(0);
		assertThat(api.name()).isEqualTo("api");
		assertThat(api.peer()).isEmpty();
		assertThat(api.connectTimeoutMs()).isNull();
		assertThat(api.limits()).as("an empty Limits object is kept: it replaces the defaults' limits")
			.isEqualTo(new ServiceDefaults.Limits(null, null, null));
		assertThat(api.passiveHealthCheck())
			.isEqualTo(new ServiceDefaults.PassiveHealthCheck(null, null, null, 50, null));
		ServiceDefaults.Entry peered = upstreamConfig.overrides().get(1);
		assertThat(peered.peer()).isEqualTo("p1");
		assertThat(peered.limits()).isNull();
		assertThat(peered.passiveHealthCheck()).isNull();
	}

	@Test
	void decodesGoDurationStrings() {
		ServiceDefaults entry = decode("""
				{"Kind": "service-defaults", "Name": "frontend", "UpstreamConfig": {"Defaults": {
				  "PassiveHealthCheck": {"Interval": "1m30s", "BaseEjectionTime": "250ms"}}}}
				""");
		ServiceDefaults.PassiveHealthCheck check = entry.upstreamConfig().defaults().passiveHealthCheck();
		assertThat(check.interval()).isEqualTo(Duration.ofSeconds(90));
		assertThat(check.baseEjectionTime()).isEqualTo(Duration.ofMillis(250));
	}

	@Test
	void fieldNamesAreCaseInsensitive() {
		ServiceDefaults entry = decode("""
				{"kind": "service-defaults", "name": "frontend", "upstreamConfig": {"overrides": [
				  {"name": "api", "namespace": "team-a", "partition": "eu", "connectTimeoutMs": 100}]}}
				""");
		ServiceDefaults.Entry api = entry.upstreamConfig().overrides().get(0);
		assertThat(api.namespace()).isEqualTo("team-a");
		assertThat(api.partition()).isEqualTo("eu");
		assertThat(api.connectTimeoutMs()).isEqualTo(100);
		assertThat(entry.upstreamConfig().defaults()).isNull();
	}

	@Test
	void ignoresUnknownFields() {
		ServiceDefaults entry = decode(
				"""
						{"Kind": "service-defaults", "Name": "frontend", "SomethingNew": {"a": [1, 2]},
						 "UpstreamConfig": {"Future": true, "Defaults": {"Protocol": "http", "BalanceOutboundConnections": "exact_balance",
						   "EnvoyClusterJSON": "{}", "Limits": {"MaxConnections": 1, "MaxSomethingElse": 4},
						   "PassiveHealthCheck": {"EnforcingConsecutiveGatewayFailure": 7}}}}
						""");
		ServiceDefaults.Entry defaults = entry.upstreamConfig().defaults();
		assertThat(defaults.limits().maxConnections()).isEqualTo(1);
		assertThat(defaults.passiveHealthCheck())
			.isEqualTo(new ServiceDefaults.PassiveHealthCheck(null, null, null, null, null));
	}

	@Test
	void entryWithoutUpstreamConfig() {
		ServiceDefaults entry = decode("""
				{"Kind": "service-defaults", "Name": "frontend", "Protocol": "grpc"}
				""");
		assertThat(entry.upstreamConfig()).isNull();
	}

	@Test
	void badDurationIsAClearError() {
		assertThatException().isThrownBy(() -> decode("""
				{"Kind": "service-defaults", "Name": "frontend", "UpstreamConfig": {"Defaults": {
				  "PassiveHealthCheck": {"Interval": "ten seconds"}}}}
				""")).isInstanceOf(JacksonException.class).withMessageContaining("ten seconds");
	}

	@Test
	void percentageOver100IsAClearError() {
		assertThatException().isThrownBy(() -> decode("""
				{"Kind": "service-defaults", "Name": "frontend", "UpstreamConfig": {"Overrides": [{"Name": "api",
				  "PassiveHealthCheck": {"MaxEjectionPercent": 150}}]}}
				"""))
			.withMessageContaining(
					"PassiveHealthCheck.MaxEjectionPercent must be a percentage between 0 and 100 (was 150)");
	}

	@Test
	void negativeLimitIsAClearError() {
		assertThatException().isThrownBy(() -> decode("""
				{"Kind": "service-defaults", "Name": "frontend", "UpstreamConfig": {"Defaults": {
				  "Limits": {"MaxPendingRequests": -1}}}}
				""")).withMessageContaining("Limits.MaxPendingRequests must not be negative (was -1)");
	}

	@Test
	void wrongTypeIsAClearError() {
		assertThatException().isThrownBy(() -> decode("""
				{"Kind": "service-defaults", "Name": "frontend", "UpstreamConfig": {"Defaults": {
				  "Limits": {"MaxConnections": "many"}}}}
				""")).isInstanceOf(JacksonException.class).withMessageContaining("many");
	}

	@Test
	void otherKindOrNullIsAnError() {
		assertThatException().isThrownBy(() -> decode("""
				{"Kind": "proxy-defaults", "Name": "global"}
				""")).withMessageContaining("'proxy-defaults', not service-defaults");
		assertThatException().isThrownBy(() -> decode("null")).withMessageContaining("JSON null");
	}

	@Test
	void queryReadsTheEntryByIndexAndTakes404AsNoEntry() {
		AgentQuery<Optional<ServiceDefaults>> query = AgentQuery.serviceDefaults("front end", "team-a", null);
		assertThat(query.getPath()).isEqualTo("/v1/config/service-defaults/front%20end");
		assertThat(query.getParameters()).containsExactly(entry("ns", "team-a"));
		assertThat(query.getStyle()).isEqualTo(AgentQuery.Style.INDEX);
		assertThat(query.getNotFoundValue()).isEqualTo(Optional.empty());
	}

	private static ServiceDefaults decode(String json) {
		Optional<ServiceDefaults> value = AgentQuery.serviceDefaults("frontend", null, null)
			.decode(json.getBytes(StandardCharsets.UTF_8));
		assertThat(value).isPresent();
		return value.get();
	}

}
