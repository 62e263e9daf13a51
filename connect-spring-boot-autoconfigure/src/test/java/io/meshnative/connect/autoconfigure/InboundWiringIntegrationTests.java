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
import io.meshnative.connect.authz.ConnectAuthorizer;
import io.meshnative.connect.authz.reactive.ConnectAuthorizationWebFilter;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests of the beans {@link ConnectIdentityAutoConfiguration} and
 * {@link ConnectInboundAutoConfiguration} contribute to servlet, reactive and non-web
 * applications, against a real agent (the identity starts with the context).
 * {@link ConnectInboundAutoConfigurationTests} covers what needs no agent.
 *
 * @author connect-spring-boot authors
 */
class InboundWiringIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private static final AutoConfigurations CONFIGURATIONS = AutoConfigurations.of(ConsulConnectAutoConfiguration.class,
			ConnectIdentityAutoConfiguration.class, ConnectInboundAutoConfiguration.class, SslAutoConfiguration.class);

	@Test
	void servletAppGetsIdentityBundleServerCustomizerAndFilter() {
		new WebApplicationContextRunner().withConfiguration(CONFIGURATIONS)
			.withPropertyValues(properties("servlet-app"))
			.run((context) -> {
				assertThat(context).hasSingleBean(ConnectIdentityManager.class);
				assertThat(context).hasSingleBean(ConnectAuthorizer.class);
				assertThat(context).hasBean("connectWebServerSslCustomizer");
				assertThat(context).hasBean("connectAuthorizationFilterRegistration");
				assertThat(context.getBean("connectAuthorizationFilterRegistration"))
					.isInstanceOf(FilterRegistrationBean.class);
				assertThat(context).doesNotHaveBean(ConnectAuthorizationWebFilter.class);
				assertThat(context.getBean(SslBundles.class).getBundle("connect").getStores().getKeyStore())
					.isNotNull();
				assertThat(context.getBean(ConnectIdentityManager.class).getIdentity().getSpiffeId())
					.endsWith("/svc/servlet-app");
			});
	}

	@Test
	void reactiveAppGetsTheWebFilter() {
		new ReactiveWebApplicationContextRunner().withConfiguration(CONFIGURATIONS)
			.withPropertyValues(properties("reactive-app"))
			.run((context) -> {
				assertThat(context).hasSingleBean(ConnectAuthorizationWebFilter.class);
				assertThat(context).hasBean("connectWebServerSslCustomizer");
				assertThat(context).doesNotHaveBean("connectAuthorizationFilterRegistration");
			});
	}

	@Test
	void nonWebAppLoadsTheIdentityButConfiguresNoServer() {
		new ApplicationContextRunner().withConfiguration(CONFIGURATIONS)
			.withPropertyValues(properties("worker"))
			.run((context) -> {
				assertThat(context).hasSingleBean(ConnectIdentityManager.class);
				assertThat(context).doesNotHaveBean(WebServerFactoryCustomizer.class);
				assertThat(context).doesNotHaveBean(ConnectAuthorizationWebFilter.class);
			});
	}

	@Test
	void inboundOffSwitchLeavesTheServerAlone() {
		new WebApplicationContextRunner().withConfiguration(CONFIGURATIONS)
			.withPropertyValues(properties("plain"))
			.withPropertyValues("connect.inbound.enabled=false")
			.run((context) -> {
				assertThat(context).hasSingleBean(ConnectIdentityManager.class);
				assertThat(context).doesNotHaveBean(ConnectAuthorizer.class);
				assertThat(context).doesNotHaveBean("connectWebServerSslCustomizer");
				assertThat(context).doesNotHaveBean("connectAuthorizationFilterRegistration");
			});
	}

	@Test
	void userAuthorizerIsUsed() {
		new WebApplicationContextRunner().withConfiguration(CONFIGURATIONS)
			.withPropertyValues(properties("custom"))
			.withUserConfiguration(CustomAuthorizerConfiguration.class)
			.run((context) -> {
				assertThat(context).hasSingleBean(ConnectAuthorizer.class);
				assertThat(context.getBean(ConnectAuthorizer.class))
					.isSameAs(context.getBean("customAuthorizer", ConnectAuthorizer.class));
			});
	}

	private static String[] properties(String service) {
		return new String[] { "connect.service-name=" + service,
				"connect.agent.address=" + consul.getAgent().start().getHttpAddress() };
	}

	@Configuration(proxyBeanMethods = false)
	static class CustomAuthorizerConfiguration {

		@Bean(destroyMethod = "close")
		ConnectAuthorizer customAuthorizer(ConsulAgentClient client) {
			return new ConnectAuthorizer(client, "custom", ConnectAuthorizer.FailureMode.DENY, Duration.ofMinutes(1));
		}

	}

}
