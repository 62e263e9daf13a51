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
import io.meshnative.connect.registration.internal.ConnectNativeRegistrar;
import io.meshnative.connect.registration.internal.DeregisterBeforeShutdown;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.cloud.consul.serviceregistry.ConsulAutoRegistration;
import org.springframework.cloud.consul.serviceregistry.ConsulAutoServiceRegistration;
import org.springframework.context.annotation.Bean;

/**
 * {@link EnableAutoConfiguration Auto-configuration} that registers the application as a
 * Connect-native service when Spring Cloud Consul registers it, and deregisters it when
 * the application starts to shut down, before the web server stops accepting requests.
 * Not in agentless mode, where the platform registers the service.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@AutoConfiguration(after = ConsulConnectAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "connect.inbound.enabled", matchIfMissing = true)
@ConditionalOnClass(ConsulAutoRegistration.class)
@ConditionalOnBean(ConsulAgentClient.class)
@ConditionalOnProperty(name = "connect.consul.mode", havingValue = "agent", matchIfMissing = true)
public final class ConnectRegistrationAutoConfiguration {

	ConnectRegistrationAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	ConnectNativeRegistrar connectNativeRegistrar(ConsulAgentClient client,
			ObjectProvider<ConsulAutoRegistration> registration,
			ObjectProvider<ConsulAutoServiceRegistration> lifecycle) {
		return new ConnectNativeRegistrar(client, registration, lifecycle);
	}

	@Bean
	@ConditionalOnMissingBean
	DeregisterBeforeShutdown deregisterBeforeShutdown(ObjectProvider<ConsulAutoServiceRegistration> registration) {
		return new DeregisterBeforeShutdown(registration);
	}

}
