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

import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ConnectSanitizingAutoConfiguration}.
 *
 * @author connect-spring-boot authors
 */
class ConnectSanitizingAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ConnectSanitizingAutoConfiguration.class));

	@Test
	void masksTheAgentTokenByDefault() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(ConnectSecretsSanitizingFunction.class)
				.hasBean("connectSanitizingFunction");
			SanitizingFunction function = context.getBean(SanitizingFunction.class);
			assertThat(function.apply(new SanitizableData(null, "connect.agent.token", "secret")).getValue())
				.isEqualTo(SanitizableData.SANITIZED_VALUE);
		});
	}

	@Test
	void masksAlsoWhenTheStarterIsSwitchedOff() {
		this.contextRunner.withPropertyValues("connect.enabled=false")
			.run((context) -> assertThat(context).hasSingleBean(ConnectSecretsSanitizingFunction.class));
	}

	@Test
	void backsOffWithoutTheActuator() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(SanitizingFunction.class))
			.run((context) -> assertThat(context).doesNotHaveBean(ConnectSecretsSanitizingFunction.class));
	}

	@Test
	void backsOffForABeanOfTheSameName() {
		this.contextRunner.withBean("connectSanitizingFunction", SanitizingFunction.class, () -> (data) -> data)
			.run((context) -> assertThat(context).doesNotHaveBean(ConnectSecretsSanitizingFunction.class)
				.hasBean("connectSanitizingFunction"));
	}

}
