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

import io.meshnative.connect.actuate.ConnectEndpoint;
import io.meshnative.connect.authz.ConnectAuthorizer;
import io.meshnative.connect.autoconfigure.ConnectClientAutoConfiguration;
import io.meshnative.connect.autoconfigure.ConnectIdentityAutoConfiguration;
import io.meshnative.connect.client.ConnectUpstreams;
import io.meshnative.connect.identity.ConnectIdentityManager;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for the read-only {@code connect}
 * actuator endpoint.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@AutoConfiguration(after = { ConnectIdentityAutoConfiguration.class, ConnectClientAutoConfiguration.class })
@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class })
@ConditionalOnBean(ConnectIdentityManager.class)
@ConditionalOnAvailableEndpoint(ConnectEndpoint.class)
public final class ConnectEndpointAutoConfiguration {

	ConnectEndpointAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	ConnectEndpoint connectEndpoint(ConnectIdentityManager identityManager,
			ObjectProvider<ConnectAuthorizer> authorizer, ObjectProvider<ConnectUpstreams> upstreams) {
		return new ConnectEndpoint(identityManager, authorizer.getIfAvailable(), upstreams.getIfAvailable());
	}

}
