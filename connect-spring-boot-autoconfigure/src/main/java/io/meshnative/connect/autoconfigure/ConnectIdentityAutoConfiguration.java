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
import io.meshnative.connect.agent.internal.ConsulAgentException;
import io.meshnative.connect.authz.ConnectAuthorizer;
import io.meshnative.connect.identity.ConnectIdentityManager;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.ssl.SslBundleRegistrar;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.util.StringUtils;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for the service's Connect identity:
 * loads the roots and leaf before the web server starts, keeps them current, publishes
 * them as the SSL bundle {@code connect}, and provides the {@link ConnectAuthorizer}.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@AutoConfiguration(after = ConsulConnectAutoConfiguration.class,
		beforeName = "org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration")
@ConditionalOnBooleanProperty(name = "connect.enabled", matchIfMissing = true)
@ConditionalOnBean(ConsulAgentClient.class)
@EnableConfigurationProperties(ConsulConnectProperties.class)
public final class ConnectIdentityAutoConfiguration {

	/**
	 * Name of the SSL bundle that holds the service's identity.
	 */
	static final String BUNDLE_NAME = "connect";

	ConnectIdentityAutoConfiguration() {
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	ConnectIdentityManager connectIdentityManager(ConsulAgentClient client, ConsulConnectProperties properties) {
		String service = properties.getServiceName();
		if (!StringUtils.hasText(service)) {
			throw new MissingServiceNameException();
		}
		ConnectIdentityManager manager = new ConnectIdentityManager(client, service.trim(),
				properties.getAgent().getStartupTimeout(), properties.getAgent().getWatchWait());
		manager.start();
		return manager;
	}

	@Bean
	@ConditionalOnMissingBean(name = "connectSslBundleRegistrar")
	SslBundleRegistrar connectSslBundleRegistrar(ConnectIdentityManager identityManager) {
		return new ConnectSslBundleRegistrar(identityManager, BUNDLE_NAME);
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	@ConditionalOnBooleanProperty(name = "connect.inbound.enabled", matchIfMissing = true)
	ConnectAuthorizer connectAuthorizer(ConsulAgentClient client, ConnectIdentityManager identityManager,
			ConsulConnectProperties properties) {
		ConnectAuthorizer.FailureMode failureMode = properties.getAuthz().getFailureMode();
		ConnectAuthorizer authorizer = new ConnectAuthorizer(client, identityManager.getService(), failureMode,
				properties.getAgent().getWatchWait())
			.start();
		try {
			authorizer.awaitIntentions(properties.getAgent().getStartupTimeout());
		}
		catch (ConsulAgentException ex) {
			authorizer.close();
			throw new ConnectInboundException(
					"The " + ex.describeConsul() + " refused to show the intentions for '"
							+ identityManager.getService() + "' to the ACL token: " + ex.getEndpoint()
							+ " answered HTTP " + ex.getStatus() + " (" + ex.getConsulMessage().trim()
							+ "). Every caller would be denied (connect.authz.failure-mode=deny).",
					"Give the token intentions:read on '" + identityManager.getService() + "': service:write (or "
							+ "service:read) on it implies intentions:read unless the policy says intentions = "
							+ "\"deny\", for example 'service \"" + identityManager.getService()
							+ "\" { policy = \"write\" }'."
							+ (ex.isServer() ? " In agentless mode the token is "
									+ "connect.agent.token (or CONSUL_HTTP_TOKEN), or the one connect.consul.login "
									+ "obtains: a binding rule of type service gives it a service identity for '"
									+ identityManager.getService() + "', which grants this." : ""),
					ex);
		}
		return authorizer;
	}

}
