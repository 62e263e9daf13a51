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
import io.meshnative.connect.agent.internal.Watch;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ImportRuntimeHints;
import org.springframework.core.env.Environment;
import org.springframework.util.Assert;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for Consul Connect: the client of
 * the local Consul agent.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = "connect.enabled", matchIfMissing = true)
@EnableConfigurationProperties(ConsulConnectProperties.class)
@ImportRuntimeHints(ConnectRuntimeHints.class)
public final class ConsulConnectAutoConfiguration {

	ConsulConnectAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean(ConsulAgentConnectionDetails.class)
	PropertiesConsulAgentConnectionDetails consulAgentConnectionDetails(ConsulConnectProperties properties,
			Environment environment) {
		return new PropertiesConsulAgentConnectionDetails(properties.getAgent(), environment);
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	ConsulAgentClient consulAgentClient(ConsulAgentConnectionDetails connectionDetails,
			ConsulConnectProperties properties) {
		if (properties.getConsul().getMode() == ConsulConnectProperties.Consul.Mode.AGENTLESS) {
			// ConnectAgentlessAutoConfiguration provides the client when gRPC is present
			throw AgentlessConfigurationException.grpcMissing();
		}
		ConsulConnectProperties.Agent agent = properties.getAgent();
		Assert.state(agent.getWatchWait().compareTo(Watch.MAX_WAIT) <= 0,
				() -> "connect.agent.watch-wait must be at most " + Watch.MAX_WAIT + " (the agent's max_query_time)");
		SslBundle sslBundle = connectionDetails.getSslBundle();
		return ConsulAgentClient.builder(connectionDetails.getAddress())
			.token(connectionDetails.getToken())
			.sslContext((sslBundle != null) ? sslBundle.createSslContext() : null)
			.namespace(agent.getNamespace())
			.partition(agent.getPartition())
			.connectTimeout(agent.getConnectTimeout())
			.requestTimeout(agent.getRequestTimeout())
			.maxWatchConnections(agent.getMaxWatchConnections())
			.build();
	}

}
