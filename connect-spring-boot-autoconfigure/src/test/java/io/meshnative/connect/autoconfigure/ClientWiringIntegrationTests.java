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

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.client.ConnectClientFactory;
import io.meshnative.connect.client.ConnectUpstreams;
import io.meshnative.connect.client.internal.UpstreamSettings;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests of the beans {@link ConnectClientAutoConfiguration} contributes,
 * against a real agent (the identity starts with the context).
 * {@link ConnectClientAutoConfigurationTests} covers what needs no agent.
 *
 * @author connect-spring-boot authors
 */
class ClientWiringIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ConsulConnectAutoConfiguration.class, ConnectIdentityAutoConfiguration.class,
						ConnectClientAutoConfiguration.class, SslAutoConfiguration.class))
		.withPropertyValues("connect.service-name=client-app",
				"connect.agent.address=" + consul.getAgent().start().getHttpAddress());

	@Test
	void providesTheUpstreamsAndTheClientFactory() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(ConnectUpstreams.class);
			assertThat(context).hasSingleBean(ConnectClientFactory.class);
			assertThat(context.getBean(ConnectUpstreams.class).settings("anything")).isEqualTo(UpstreamSettings.NONE);
		});
	}

	@Test
	void bindsPerUpstreamSettings() {
		this.contextRunner
			.withPropertyValues("connect.upstreams.backend.datacenter=dc2",
					"connect.upstreams.backend.namespace=team-a", "connect.upstreams.backend.partition=part-1",
					"connect.upstreams.backend.connect-timeout=750ms", "connect.upstreams.backend.request-timeout=3s",
					"connect.upstreams.backend.load-balancer-policy=least-request")
			.run((context) -> {
				ConnectUpstreams upstreams = context.getBean(ConnectUpstreams.class);
				assertThat(upstreams.settings("backend")).isEqualTo(new UpstreamSettings("dc2", "team-a", "part-1",
						Duration.ofMillis(750), Duration.ofSeconds(3), "least_request"));
				assertThat(upstreams.settings("other")).isEqualTo(UpstreamSettings.NONE);
			});
	}

	@Test
	void unknownLoadBalancerPolicyFailsAtStartUp() {
		this.contextRunner.withPropertyValues("connect.upstreams.backend.load-balancer-policy=fastest")
			.run((context) -> assertThat(context).hasFailed().getFailure().rootCause().hasMessageContaining("fastest"));
	}

	@Test
	void userUpstreamsBeanIsUsed() {
		this.contextRunner.withUserConfiguration(CustomUpstreamsConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(ConnectUpstreams.class);
			assertThat(context.getBean(ConnectUpstreams.class))
				.isSameAs(context.getBean("customUpstreams", ConnectUpstreams.class));
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class CustomUpstreamsConfiguration {

		@Bean(destroyMethod = "close")
		ConnectUpstreams customUpstreams(ConsulAgentClient client, ConnectIdentityManager identityManager) {
			return new ConnectUpstreams(client, identityManager, Duration.ofMinutes(1), Duration.ofSeconds(5));
		}

	}

}
