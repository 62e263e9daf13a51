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

import io.meshnative.connect.actuate.ConnectMetrics;
import io.meshnative.connect.actuate.ConnectTlsHandshakeMetrics;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.authz.ConnectAuthorizer;
import io.meshnative.connect.autoconfigure.ConnectClientAutoConfiguration;
import io.meshnative.connect.autoconfigure.ConnectIdentityAutoConfiguration;
import io.meshnative.connect.client.ConnectUpstreams;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.netty.http.server.HttpServer;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for Consul Connect's Micrometer
 * meters.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@AutoConfiguration(after = { ConnectIdentityAutoConfiguration.class, ConnectClientAutoConfiguration.class },
		afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({ MeterRegistry.class, ConnectIdentityManager.class })
public final class ConnectMetricsAutoConfiguration {

	ConnectMetricsAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	ConnectMetrics connectMetrics(ConnectIdentityManager identityManager, ConsulAgentClient agentClient,
			ObjectProvider<ConnectAuthorizer> authorizer, ObjectProvider<ConnectUpstreams> upstreams) {
		return new ConnectMetrics(identityManager, agentClient, authorizer.getIfAvailable(), upstreams.getIfAvailable(),
				Clock.systemUTC());
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ NettyServerCustomizer.class, HttpServer.class })
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
	@ConditionalOnBooleanProperty(name = "connect.inbound.enabled", matchIfMissing = true)
	static class NettyTlsHandshakeMetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ConnectTlsHandshakeMetrics connectTlsHandshakeMetrics(MeterRegistry registry) {
			return new ConnectTlsHandshakeMetrics(registry);
		}

	}

}
