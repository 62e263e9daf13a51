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

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.support.RestClientHttpServiceGroupConfigurer;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.support.WebClientHttpServiceGroupConfigurer;
import org.springframework.web.service.registry.HttpServiceProxyRegistry;

/**
 * {@link EnableAutoConfiguration Auto-configuration} that binds Spring's HTTP service
 * groups ({@code @ImportHttpServices}) to mesh upstreams:
 * {@code connect.http-service-groups.<group>=<upstream>} makes every client of the group
 * call the upstream as a {@code @ConnectClient} does, through the same
 * {@link ConnectClientFactory}.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@AutoConfiguration(after = ConnectClientAutoConfiguration.class,
		afterName = "org.springframework.boot.restclient.autoconfigure.service.HttpServiceClientAutoConfiguration")
@ConditionalOnBooleanProperty(name = "connect.enabled", matchIfMissing = true)
@ConditionalOnClass(HttpServiceProxyRegistry.class)
@ConditionalOnBean(ConnectClientFactory.class)
@EnableConfigurationProperties(ConsulConnectProperties.class)
public final class ConnectHttpServiceGroupsAutoConfiguration {

	ConnectHttpServiceGroupsAutoConfiguration() {
	}

	@Bean
	ConnectHttpServiceGroups connectHttpServiceGroups(ConsulConnectProperties properties, ConnectClientFactory clients,
			Environment environment, ObjectProvider<HttpServiceProxyRegistry> registry) {
		return new ConnectHttpServiceGroups(properties.getHttpServiceGroups(), clients, environment, registry);
	}

	@Bean
	RestClientHttpServiceGroupConfigurer connectRestClientHttpServiceGroupConfigurer(ConnectHttpServiceGroups groups) {
		return new RestClientHttpServiceGroupConfigurer() {

			@Override
			public void configureGroups(Groups<RestClient.Builder> restClientGroups) {
				groups.configure(restClientGroups,
						(builder, upstream) -> groups.clients()
							.bind(builder.requestInterceptors(ConnectHttpServiceGroups::removeLoadBalancer), upstream),
						RestClient.Builder::baseUrl);
			}

			@Override
			public int getOrder() {
				return ConnectHttpServiceGroups.ORDER;
			}

		};
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ WebClient.class, WebClientHttpServiceGroupConfigurer.class })
	static class WebClientGroupsConfiguration {

		@Bean
		WebClientHttpServiceGroupConfigurer connectWebClientHttpServiceGroupConfigurer(
				ConnectHttpServiceGroups groups) {
			return new WebClientHttpServiceGroupConfigurer() {

				@Override
				public void configureGroups(Groups<WebClient.Builder> webClientGroups) {
					groups.configure(webClientGroups,
							(builder, upstream) -> groups.clients()
								.bind(builder.filters(ConnectHttpServiceGroups::removeLoadBalancer), upstream),
							WebClient.Builder::baseUrl);
				}

				@Override
				public int getOrder() {
					return ConnectHttpServiceGroups.ORDER;
				}

			};
		}

	}

}
