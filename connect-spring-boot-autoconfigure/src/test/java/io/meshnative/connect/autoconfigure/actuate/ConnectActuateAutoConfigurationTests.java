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

import java.net.URI;
import java.time.Duration;

import io.meshnative.connect.actuate.ConnectEndpoint;
import io.meshnative.connect.actuate.ConnectHealthIndicator;
import io.meshnative.connect.actuate.ConnectMetrics;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ConnectMetricsAutoConfiguration},
 * {@link ConnectHealthContributorAutoConfiguration} and
 * {@link ConnectEndpointAutoConfiguration}.
 *
 * @author connect-spring-boot authors
 */
class ConnectActuateAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ConnectMetricsAutoConfiguration.class,
				ConnectHealthContributorAutoConfiguration.class, ConnectEndpointAutoConfiguration.class))
		.withUserConfiguration(IdentityConfiguration.class);

	@Test
	void metricsBindWhenThereIsAMeterRegistry() {
		this.contextRunner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.run((context) -> assertThat(context).hasSingleBean(ConnectMetrics.class));
	}

	@Test
	void metricsBackOffWithoutAMeterRegistry() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(ConnectMetrics.class));
	}

	@Test
	void metricsBackOffWithoutMicrometer() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(MeterRegistry.class))
			.run((context) -> assertThat(context).doesNotHaveBean(ConnectMetrics.class));
	}

	@Test
	void healthIndicatorByDefault() {
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(ConnectHealthIndicator.class)
			.hasBean("connectHealthIndicator"));
	}

	@Test
	void healthIndicatorCanBeTurnedOff() {
		this.contextRunner.withPropertyValues("management.health.connect.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ConnectHealthIndicator.class));
	}

	@Test
	void healthIndicatorBacksOffWithoutSpringBootHealth() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
			.run((context) -> assertThat(context).doesNotHaveBean(ConnectHealthIndicator.class));
	}

	@Test
	void endpointWhenExposed() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=connect")
			.run((context) -> assertThat(context).hasSingleBean(ConnectEndpoint.class));
	}

	@Test
	void endpointBacksOffWhenNotExposed() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(ConnectEndpoint.class));
	}

	@Test
	void nothingWithoutAnIdentity() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(ConnectMetricsAutoConfiguration.class,
					ConnectHealthContributorAutoConfiguration.class, ConnectEndpointAutoConfiguration.class))
			.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.withPropertyValues("management.endpoints.web.exposure.include=connect")
			.run((context) -> assertThat(context).doesNotHaveBean(ConnectMetrics.class)
				.doesNotHaveBean(ConnectHealthIndicator.class)
				.doesNotHaveBean(ConnectEndpoint.class));
	}

	@Configuration(proxyBeanMethods = false)
	static class IdentityConfiguration {

		@Bean(destroyMethod = "close")
		ConsulAgentClient consulAgentClient() {
			return ConsulAgentClient.builder(URI.create("http://127.0.0.1:1")).build();
		}

		@Bean(destroyMethod = "close")
		ConnectIdentityManager connectIdentityManager(ConsulAgentClient client) {
			return new ConnectIdentityManager(client, "web", Duration.ofSeconds(1), Duration.ofMinutes(5));
		}

	}

}
