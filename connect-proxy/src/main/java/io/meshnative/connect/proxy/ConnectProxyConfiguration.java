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

package io.meshnative.connect.proxy;

import java.time.Duration;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.authz.ConnectAuthorizer;
import io.meshnative.connect.authz.internal.InboundAuthorization;
import io.meshnative.connect.autoconfigure.ConsulConnectProperties;
import io.meshnative.connect.client.ConnectClientFactory;
import io.meshnative.connect.client.ConnectUpstreams;
import io.meshnative.connect.client.internal.UpstreamSettings;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The proxy's beans. The identity, authorizer and upstreams replace the starter's (which
 * are {@code @ConditionalOnMissingBean}): they serve the service named by the proxy
 * registration instead of {@code connect.service-name}.
 *
 * @author connect-spring-boot authors
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({ ConnectProxyProperties.class, ConsulConnectProperties.class })
class ConnectProxyConfiguration {

	@Bean
	ProxyRegistration proxyRegistration(ConsulAgentClient client, ConnectProxyProperties properties) {
		return ProxyRegistration.resolve(client, properties);
	}

	@Bean(destroyMethod = "close")
	ConnectIdentityManager connectIdentityManager(ConsulAgentClient client, ProxyRegistration registration,
			ConsulConnectProperties properties) {
		ConnectIdentityManager manager = new ConnectIdentityManager(client, registration.getConfig().service(),
				properties.getAgent().getStartupTimeout(), properties.getAgent().getWatchWait());
		manager.start();
		return manager;
	}

	@Bean(destroyMethod = "close")
	ConnectAuthorizer connectAuthorizer(ConsulAgentClient client, ConnectIdentityManager identityManager,
			ConsulConnectProperties properties) {
		ConnectAuthorizer.FailureMode failureMode = properties.getAuthz().getFailureMode();
		ConnectAuthorizer authorizer = new ConnectAuthorizer(client, identityManager.getService(), failureMode,
				properties.getAgent().getWatchWait())
			.start();
		try {
			authorizer.awaitIntentions(properties.getAgent().getStartupTimeout());
		}
		catch (RuntimeException ex) {
			authorizer.close();
			throw ex;
		}
		return authorizer;
	}

	@Bean
	InboundAuthorization connectInboundAuthorization(ConnectIdentityManager identityManager,
			ConnectAuthorizer authorizer) {
		return new InboundAuthorization(identityManager, authorizer);
	}

	@Bean(destroyMethod = "close")
	ConnectUpstreams connectUpstreams(ConsulAgentClient client, ConnectIdentityManager identityManager,
			ConsulConnectProperties properties, ProxyRegistration registration) {
		return new ConnectUpstreams(client, identityManager, properties.getAgent().getWatchWait(),
				Duration.ofSeconds(10), (name) -> settings(registration, name));
	}

	private static UpstreamSettings settings(ProxyRegistration registration, String name) {
		for (ProxyConfig.Upstream upstream : registration.getConfig().upstreams()) {
			if (upstream.name().equals(name)) {
				return new UpstreamSettings(upstream.datacenter(), null, null, upstream.connectTimeout(), null, null);
			}
		}
		return UpstreamSettings.NONE;
	}

	@Bean
	ConnectProxy connectProxy(ConsulAgentClient client, ProxyRegistration registration,
			ConnectIdentityManager identityManager, ConnectAuthorizer authorizer, InboundAuthorization authorization,
			ConnectUpstreams upstreams, ConnectClientFactory clients, ConnectProxyProperties properties,
			ObjectProvider<MeterRegistry> registry) {
		return new ConnectProxy(client, registration, identityManager, authorizer, authorization, upstreams, clients,
				properties, new ProxyMetrics(registry.getIfAvailable(SimpleMeterRegistry::new)));
	}

}
