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

import io.meshnative.connect.client.ConnectClientFactory;
import io.meshnative.connect.client.ConnectUpstreams;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ConnectClientAutoConfiguration}, with no agent.
 * {@link ClientWiringIntegrationTests} starts the client side against a real one.
 *
 * @author connect-spring-boot authors
 */
class ConnectClientAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ConsulConnectAutoConfiguration.class, ConnectIdentityAutoConfiguration.class,
						ConnectClientAutoConfiguration.class, SslAutoConfiguration.class))
		.withPropertyValues("connect.service-name=client-app");

	@Test
	void connectOffSwitchDisablesClients() {
		this.contextRunner.withPropertyValues("connect.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(ConnectUpstreams.class);
			assertThat(context).doesNotHaveBean(ConnectClientFactory.class);
		});
	}

}
