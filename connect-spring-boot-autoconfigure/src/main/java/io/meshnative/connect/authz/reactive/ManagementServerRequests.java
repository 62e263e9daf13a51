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

package io.meshnative.connect.authz.reactive;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.util.ClassUtils;
import org.springframework.web.server.ServerWebExchange;

/**
 * Tells a request to Spring Boot's separate management server
 * ({@code management.server.port}) from a request to the application's server, the mesh
 * port. Boot serves the management port from a child context whose server namespace is
 * {@code management}, and builds that server's {@code HttpHandler} from every
 * {@code WebFilter} bean the child sees, the parent's included, so the mesh
 * {@link ConnectAuthorizationWebFilter} is asked about both servers' requests. Only a
 * request whose exchange carries that child context as its application context is a
 * management request; any other request, one without an application context included, is
 * a mesh request and is authorized. The decision never depends on what the caller sends
 * (a client certificate, a header, the path).
 *
 * @author connect-spring-boot authors
 */
final class ManagementServerRequests {

	private static final String MANAGEMENT_NAMESPACE = "management";

	private static final boolean WEB_SERVER_PRESENT = ClassUtils.isPresent(
			"org.springframework.boot.web.server.context.WebServerApplicationContext",
			ManagementServerRequests.class.getClassLoader());

	private ManagementServerRequests() {
	}

	/**
	 * Return whether the request was received by the separate management server.
	 * @param exchange the exchange
	 * @return {@code true} for a request to the management server, {@code false} for any
	 * other request
	 */
	static boolean isManagementServer(ServerWebExchange exchange) {
		return WEB_SERVER_PRESENT && WebServerApplicationContext.hasServerNamespace(exchange.getApplicationContext(),
				MANAGEMENT_NAMESPACE);
	}

}
