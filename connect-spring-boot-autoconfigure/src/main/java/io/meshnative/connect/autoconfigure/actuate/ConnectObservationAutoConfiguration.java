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

import io.meshnative.connect.autoconfigure.ConnectClientAutoConfiguration;
import io.meshnative.connect.client.ConnectUpstreams;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * {@link EnableAutoConfiguration Auto-configuration} that observes every mesh request
 * ({@code connect.client.requests}) with the application's {@link ObservationRegistry},
 * so that it is timed and traced.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@AutoConfiguration(after = ConnectClientAutoConfiguration.class,
		afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass(ObservationRegistry.class)
@ConditionalOnBean({ ObservationRegistry.class, ConnectUpstreams.class })
public final class ConnectObservationAutoConfiguration {

	ConnectObservationAutoConfiguration() {
	}

	@Bean
	SmartInitializingSingleton connectClientObservationBinding(ObjectProvider<ConnectUpstreams> upstreams,
			ObjectProvider<ObservationRegistry> observationRegistry) {
		return () -> upstreams.ifAvailable((target) -> observationRegistry.ifAvailable(target::setObservationRegistry));
	}

}
