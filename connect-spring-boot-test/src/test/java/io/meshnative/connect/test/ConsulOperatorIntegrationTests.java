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

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ConsulOperator} against a real Consul agent.
 *
 * @author connect-spring-boot authors
 */
class ConsulOperatorIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	@Test
	void configEntryRoundTrips(ConsulOperator operator) {
		Map<String, Object> entry = new LinkedHashMap<>();
		entry.put("Kind", "service-defaults");
		entry.put("Name", "roundtrip");
		entry.put("Protocol", "http");
		operator.putConfigEntry(entry);
		assertThat(operator.getConfigEntry("service-defaults", "roundtrip")).hasValueSatisfying((read) -> {
			assertThat(read).containsEntry("Kind", "service-defaults");
			assertThat(read).containsEntry("Name", "roundtrip");
			assertThat(read).containsEntry("Protocol", "http");
		});
		assertThat(consul.getAgent().request("GET", "/v1/config/service-defaults/roundtrip", null))
			.containsPattern("\"Protocol\":\\s*\"http\"");
		operator.deleteConfigEntry("service-defaults", "roundtrip");
		assertThat(operator.getConfigEntry("service-defaults", "roundtrip")).isEmpty();
	}

	@Test
	void deletingAnAbsentEntrySucceeds(ConsulOperator operator) {
		operator.deleteConfigEntry("service-intentions", "never-written");
		assertThat(operator.getConfigEntry("service-intentions", "never-written")).isEmpty();
	}

	@Test
	void intentionsWrittenByTheOperatorDecideAuthorization(ConsulOperator operator) {
		operator.putConfigEntry(Map.of("Kind", "service-intentions", "Name", "authz", "Sources",
				List.of(Map.of("Name", "web", "Action", "allow"), Map.of("Name", "*", "Action", "deny"))));
		try {
			assertThat(authorize("authz", "web")).containsPattern("\"Authorized\":\\s*true");
			assertThat(authorize("authz", "other")).containsPattern("\"Authorized\":\\s*false");
		}
		finally {
			operator.deleteConfigEntry("service-intentions", "authz");
		}
		assertThat(authorize("authz", "other")).containsPattern("\"Authorized\":\\s*true");
	}

	@Test
	void invalidConfigEntryReportsConsulsMessage(ConsulOperator operator) {
		Map<String, Object> entry = new LinkedHashMap<>();
		entry.put("Kind", "service-splitter");
		entry.put("Name", "badsplit");
		entry.put("Splits", List.of(Map.of("Weight", 50)));
		assertThatIllegalStateException().isThrownBy(() -> operator.putConfigEntry(entry))
			.withMessageContaining("PUT /v1/config")
			.withMessageContaining("HTTP 500")
			.withMessageContaining("100");
	}

	@Test
	void caConfigurationReadsTheBuiltInProvider(ConsulOperator operator) {
		ConsulOperator.CaConfiguration configuration = operator.getCaConfiguration();
		assertThat(configuration.provider()).isEqualTo("consul");
		assertThat(configuration.config()).containsKey("LeafCertTTL");
	}

	@Test
	void caConfigurationUpdateRotatesTheRoot(ConsulOperator operator) {
		String before = activeRootId();
		Map<String, Object> config = new LinkedHashMap<>(operator.getCaConfiguration().config());
		Object bits = config.get("PrivateKeyBits");
		config.put("PrivateKeyType", "ec");
		config.put("PrivateKeyBits", "384".equals(String.valueOf(bits)) ? 256 : 384);
		operator.updateCaConfiguration("consul", config);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(activeRootId()).isNotEqualTo(before));
		assertThat(operator.getCaConfiguration().config()).containsEntry("PrivateKeyBits",
				config.get("PrivateKeyBits"));
	}

	@Test
	void anUnreachableAgentFailsTheCall() {
		ConsulOperator unreachable = ConsulOperator.of("http://127.0.0.1:1", null);
		assertThat(unreachable.getAddress()).isEqualTo("http://127.0.0.1:1");
		assertThat(org.assertj.core.api.Assertions.catchException(unreachable::getCaConfiguration)).isNotNull();
	}

	private static String authorize(String target, String source) {
		String uri = "spiffe://" + consul.getAgent().getTrustDomain() + "/ns/default/dc/dc1/svc/" + source;
		return consul.getAgent()
			.request("POST", "/v1/agent/connect/authorize",
					"{\"Target\":\"" + target + "\",\"ClientCertURI\":\"" + uri + "\",\"ClientCertSerial\":\"0a\"}");
	}

	private static String activeRootId() {
		String body = consul.getAgent().request("GET", "/v1/agent/connect/ca/roots", null);
		return body.replaceFirst("(?s).*\"ActiveRootID\"\\s*:\\s*\"([^\"]+)\".*", "$1");
	}

}
