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

import java.net.URI;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;
import org.springframework.boot.ssl.SslBundle;

/**
 * Details for connecting to the local Consul agent. By default they come from
 * {@code connect.agent.*} and the {@code CONSUL_HTTP_*} environment variables; define a
 * bean of this type to supply them otherwise (for example from a test container).
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public interface ConsulAgentConnectionDetails extends ConnectionDetails {

	/**
	 * Return the agent address, {@code http://host:port} or {@code https://host:port}.
	 * @return the address
	 */
	URI getAddress();

	/**
	 * Return the ACL token.
	 * @return the token, or {@code null} for none
	 */
	@Nullable String getToken();

	/**
	 * Return the TLS material for an {@code https} address.
	 * @return the bundle, or {@code null} to use the JDK defaults
	 */
	default @Nullable SslBundle getSslBundle() {
		return null;
	}

}
