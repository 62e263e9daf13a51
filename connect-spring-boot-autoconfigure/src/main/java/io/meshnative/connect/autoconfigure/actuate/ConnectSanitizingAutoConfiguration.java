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

import io.meshnative.connect.autoconfigure.ConsulAgentConnectionDetails;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * {@link EnableAutoConfiguration Auto-configuration} that masks the Consul ACL token and
 * the other Consul secrets in the actuator's {@code env} and {@code configprops}
 * endpoints, also with {@code show-values: always}. It does not depend on
 * {@code connect.enabled}: the secrets can be set while the starter is switched off.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@AutoConfiguration
@ConditionalOnClass(SanitizingFunction.class)
public final class ConnectSanitizingAutoConfiguration {

	ConnectSanitizingAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean(name = "connectSanitizingFunction")
	ConnectSecretsSanitizingFunction connectSanitizingFunction(
			ObjectProvider<ConsulAgentConnectionDetails> connectionDetails) {
		return new ConnectSecretsSanitizingFunction(connectionDetails::getIfAvailable);
	}

}
