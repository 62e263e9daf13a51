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

import java.time.Clock;

import io.meshnative.connect.actuate.ConnectHealthIndicator;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.autoconfigure.ConnectIdentityAutoConfiguration;
import io.meshnative.connect.autoconfigure.ConsulConnectProperties;
import io.meshnative.connect.identity.ConnectIdentityManager;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for the Consul Connect health
 * indicator ({@code connect}).
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@AutoConfiguration(after = ConnectIdentityAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean({ ConnectIdentityManager.class, ConsulAgentClient.class })
@ConditionalOnEnabledHealthIndicator("connect")
@EnableConfigurationProperties(ConsulConnectProperties.class)
public final class ConnectHealthContributorAutoConfiguration {

	ConnectHealthContributorAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean(name = "connectHealthIndicator")
	ConnectHealthIndicator connectHealthIndicator(ConnectIdentityManager identityManager, ConsulAgentClient agentClient,
			ConsulConnectProperties properties) {
		ConsulConnectProperties.Health health = properties.getHealth();
		return new ConnectHealthIndicator(identityManager, agentClient, health.getLeafExpiryWarning(),
				health.getAgentUnreachableThreshold(), Clock.systemUTC());
	}

}
