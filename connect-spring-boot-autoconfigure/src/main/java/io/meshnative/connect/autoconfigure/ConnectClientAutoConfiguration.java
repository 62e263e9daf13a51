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

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.client.ConnectClientFactory;
import io.meshnative.connect.client.ConnectUpstreams;
import io.meshnative.connect.client.internal.ConnectClientInjection;
import io.meshnative.connect.client.internal.UpstreamSettings;
import io.meshnative.connect.identity.ConnectIdentityManager;
import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.client.RestClient;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for outbound mesh calls:
 * {@code @ConnectClient} injection of HTTP clients bound to upstreams, routed by the
 * discovery chain over mTLS.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@AutoConfiguration(after = ConnectIdentityAutoConfiguration.class,
		afterName = "org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration")
@ConditionalOnBooleanProperty(name = "connect.enabled", matchIfMissing = true)
@ConditionalOnClass({ RestClient.class, HttpClient.class })
@ConditionalOnBean(ConnectIdentityManager.class)
public final class ConnectClientAutoConfiguration {

	ConnectClientAutoConfiguration() {
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	ConnectUpstreams connectUpstreams(ConsulAgentClient client, ConnectIdentityManager identityManager,
			ConsulConnectProperties properties) {
		Map<String, UpstreamSettings> settings = new LinkedHashMap<>();
		properties.getUpstreams().forEach((name, upstream) -> settings.put(name, settings(upstream)));
		return new ConnectUpstreams(client, identityManager, properties.getAgent().getWatchWait(),
				Duration.ofSeconds(10), settings::get);
	}

	private static UpstreamSettings settings(ConsulConnectProperties.Upstream upstream) {
		ConsulConnectProperties.LoadBalancerPolicy policy = upstream.getLoadBalancerPolicy();
		return new UpstreamSettings(upstream.getDatacenter(), upstream.getNamespace(), upstream.getPartition(),
				upstream.getConnectTimeout(), upstream.getRequestTimeout(),
				(policy != null) ? policy.name().toLowerCase(Locale.ROOT) : null, upstream.isRetryIdempotentOnReset());
	}

	@Bean
	@ConditionalOnMissingBean
	ConnectClientFactory connectClientFactory(ConnectUpstreams upstreams,
			ObjectProvider<RestClient.Builder> restClientBuilders, ApplicationContext context) {
		return new ConnectClientFactory(upstreams, () -> restClientBuilders.getIfAvailable(RestClient::builder),
				() -> WebClientBuilders.get(context));
	}

	@Bean
	static BeanFactoryPostProcessor connectClientInjection() {
		return ConnectClientInjection.postProcessor();
	}

}
