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

package io.meshnative.connect.proxy;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a proxy that could not start because its registration is missing or unusable.
 *
 * @author connect-spring-boot authors
 */
class ConnectProxyFailureAnalyzer extends AbstractFailureAnalyzer<ConnectProxyException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, ConnectProxyException cause) {
		return new FailureAnalysis("connect-proxy could not find a usable proxy registration: " + cause.getMessage(),
				"Register the sidecar with the local Consul agent (a service with Kind connect-proxy, "
						+ "Proxy.DestinationServiceName and Proxy.LocalServicePort, or a sidecar_service block in the "
						+ "application's registration), then start the proxy with --proxy-id=<its ID> or "
						+ "--sidecar-for=<the application's ID>. Check connect.agent.address (or CONSUL_HTTP_ADDR) "
						+ "and the token (CONSUL_HTTP_TOKEN) if the agent cannot be read.",
				cause);
	}

}
