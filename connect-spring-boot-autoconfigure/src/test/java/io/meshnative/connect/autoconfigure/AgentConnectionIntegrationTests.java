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
import io.meshnative.connect.test.ConsulAgentExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests of the agent client that {@link ConsulConnectAutoConfiguration}
 * creates, against a real agent.
 *
 * @author connect-spring-boot authors
 */
class AgentConnectionIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ConsulConnectAutoConfiguration.class));

	@Test
	void clientTalksToTheConfiguredAgent() {
		this.contextRunner.withPropertyValues("connect.agent.address=" + consul.getAgent().start().getHttpAddress())
			.run((context) -> assertThat(context.getBean(ConsulAgentClient.class).getCaRoots().trustDomain())
				.isEqualTo(consul.getAgent().getTrustDomain()));
	}

}
