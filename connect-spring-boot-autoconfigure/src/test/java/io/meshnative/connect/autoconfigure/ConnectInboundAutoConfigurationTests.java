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

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.identity.ConnectIdentityManager;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ConnectInboundAutoConfiguration}, with no agent: the context is off or
 * fails before it calls one. {@link InboundWiringIntegrationTests} starts the inbound
 * side against a real agent.
 *
 * @author connect-spring-boot authors
 */
class ConnectInboundAutoConfigurationTests {

	private static final AutoConfigurations CONFIGURATIONS = AutoConfigurations.of(ConsulConnectAutoConfiguration.class,
			ConnectIdentityAutoConfiguration.class, ConnectInboundAutoConfiguration.class, SslAutoConfiguration.class);

	@Test
	void connectOffSwitchDisablesEverything() {
		new WebApplicationContextRunner().withConfiguration(CONFIGURATIONS)
			.withPropertyValues("connect.service-name=off", "connect.enabled=false")
			.run((context) -> {
				assertThat(context).doesNotHaveBean(ConsulAgentClient.class);
				assertThat(context).doesNotHaveBean(ConnectIdentityManager.class);
				assertThat(context).doesNotHaveBean("connectWebServerSslCustomizer");
			});
	}

	@Test
	void missingServiceNameFails() {
		new WebApplicationContextRunner().withConfiguration(CONFIGURATIONS)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("connect.service-name is not set"));
	}

}
