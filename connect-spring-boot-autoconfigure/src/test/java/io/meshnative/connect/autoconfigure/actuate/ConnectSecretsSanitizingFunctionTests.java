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

package io.meshnative.connect.autoconfigure.actuate;

import java.net.URI;
import java.util.Collections;
import java.util.Map;

import io.meshnative.connect.autoconfigure.ConsulAgentConnectionDetails;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ConnectSecretsSanitizingFunction}.
 *
 * @author connect-spring-boot authors
 */
class ConnectSecretsSanitizingFunctionTests {

	private static final String TOKEN = "3f2b9c1e-7a4d-4e8b-9c0a-5d6e7f8a9b0c";

	private final ConnectSecretsSanitizingFunction function = new ConnectSecretsSanitizingFunction(
			() -> details(TOKEN));

	@ParameterizedTest
	@ValueSource(strings = { "connect.agent.token", "CONNECT_AGENT_TOKEN", "connect.agent.Token",
			"spring.cloud.consul.discovery.acl-token", "spring.cloud.consul.discovery.aclToken",
			"SPRING_CLOUD_CONSUL_DISCOVERY_ACLTOKEN", "spring.cloud.consul.config.acl-token",
			"spring.cloud.consul.tls.key-store-password", "spring.cloud.consul.tls.keyStorePassword",
			"spring.cloud.consul.tls.certificate-password", "CONSUL_HTTP_AUTH" })
	void secretPropertiesAreMaskedInEverySpelling(String key) {
		assertThat(sanitize(properties(), key, "some-other-value")).isEqualTo(SanitizableData.SANITIZED_VALUE);
	}

	@Test
	void consulHttpTokenOfTheSystemEnvironmentIsMasked() {
		PropertySource<?> environment = new SystemEnvironmentPropertySource(
				StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.of("CONSUL_HTTP_TOKEN", "x"));
		assertThat(sanitize(environment, "CONSUL_HTTP_TOKEN", "another-token-value"))
			.isEqualTo(SanitizableData.SANITIZED_VALUE);
	}

	@ParameterizedTest
	@ValueSource(strings = { "connect.agent.token-file", "CONSUL_HTTP_TOKEN_FILE", "connect.agent.tls.key-file",
			"CONSUL_CLIENT_KEY", "connect.agent.address", "connect.service-name", "spring.cloud.consul.host" })
	void fileNamesAndOtherPropertiesStayVisible(String key) {
		assertThat(sanitize(properties(), key, "/etc/consul/value")).isEqualTo("/etc/consul/value");
	}

	@Test
	void anyValueHoldingTheTokenInUseIsMasked() {
		assertThat(sanitize(properties(), "my.alias", TOKEN)).isEqualTo(SanitizableData.SANITIZED_VALUE);
		assertThat(sanitize(properties(), "sun.java.command", "app.jar --connect.agent.token=" + TOKEN))
			.isEqualTo(SanitizableData.SANITIZED_VALUE);
	}

	@Test
	void aShortTokenDoesNotMaskUnrelatedValues() {
		ConnectSecretsSanitizingFunction shortToken = new ConnectSecretsSanitizingFunction(() -> details("root"));
		SanitizableData data = new SanitizableData(properties(), "user.home", "/root");
		assertThat(shortToken.apply(data).getValue()).isEqualTo("/root");
		assertThat(shortToken.apply(new SanitizableData(properties(), "connect.agent.token", "root")).getValue())
			.isEqualTo(SanitizableData.SANITIZED_VALUE);
	}

	@Test
	void withoutConnectionDetailsOnlyNamesAreMasked() {
		ConnectSecretsSanitizingFunction noDetails = new ConnectSecretsSanitizingFunction(() -> null);
		assertThat(noDetails.apply(new SanitizableData(properties(), "my.alias", TOKEN)).getValue()).isEqualTo(TOKEN);
		assertThat(noDetails.apply(new SanitizableData(null, "connect.agent.token", TOKEN)).getValue())
			.isEqualTo(SanitizableData.SANITIZED_VALUE);
	}

	@Test
	void nonTextValuesAreLeftAlone() {
		assertThat(sanitize(properties(), "connect.agent.request-timeout", 30)).isEqualTo(30);
	}

	private @Nullable Object sanitize(@Nullable PropertySource<?> source, String key, Object value) {
		return this.function.apply(new SanitizableData(source, key, value)).getValue();
	}

	private static PropertySource<?> properties() {
		return new MapPropertySource("test", Collections.emptyMap());
	}

	private static ConsulAgentConnectionDetails details(String token) {
		return new ConsulAgentConnectionDetails() {

			@Override
			public URI getAddress() {
				return URI.create("http://127.0.0.1:8500");
			}

			@Override
			public String getToken() {
				return token;
			}

		};
	}

}
