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

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.meshnative.connect.agent.internal.AgentQuery;
import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ConsulAgentException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The proxy's registration on the local agent: found at startup (by ID, or as the sidecar
 * of an application's registration), then kept current by {@link ConnectProxy}.
 *
 * @author connect-spring-boot authors
 */
final class ProxyRegistration {

	private static final Log logger = LogFactory.getLog(ProxyRegistration.class);

	private volatile ProxyConfig config;

	private ProxyRegistration(ProxyConfig config) {
		this.config = config;
	}

	ProxyConfig getConfig() {
		return this.config;
	}

	void setConfig(ProxyConfig config) {
		this.config = config;
	}

	/**
	 * Find the proxy's registration, waiting for it (and for the agent) up to the
	 * registration timeout.
	 * @param client the agent client
	 * @param properties the proxy properties
	 * @return the registration
	 * @throws ConnectProxyException if it cannot be found or is not a usable proxy
	 */
	static ProxyRegistration resolve(ConsulAgentClient client, ConnectProxyProperties properties) {
		String id = blankToNull(properties.getId());
		String sidecarFor = blankToNull(properties.getSidecarFor());
		if (id == null && sidecarFor == null) {
			throw new ConnectProxyException("connect-proxy needs to know which proxy registration it serves: start it "
					+ "with --proxy-id=<ID of the connect-proxy registration> or --sidecar-for=<ID of the "
					+ "application's registration> (or set connect.proxy.id / connect.proxy.sidecar-for)");
		}
		return new ProxyRegistration(load(client, id, sidecarFor, properties.getRegistrationTimeout()));
	}

	private static ProxyConfig load(ConsulAgentClient client, @Nullable String id, @Nullable String sidecarFor,
			Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		long delayMillis = 200;
		String waitingFor;
		while (true) {
			try {
				String proxyId = (id != null) ? id : sidecarOf(client, sidecarFor);
				if (proxyId != null) {
					ProxyConfig config = ProxyConfig.of(client.getAgentService(proxyId));
					logger.info("Serving proxy registration '" + proxyId + "' for service '" + config.service() + "'");
					return config;
				}
				waitingFor = "no connect-proxy registration on the agent at " + client.getAddress()
						+ " has Proxy.DestinationServiceID '" + sidecarFor + "'";
			}
			catch (IllegalArgumentException ex) {
				throw new ConnectProxyException(String.valueOf(ex.getMessage()), ex);
			}
			catch (ConsulAgentException ex) {
				if (!(ex.isUnreachable() || ex.getStatus() >= 500 || ex.getStatus() == 429 || ex.getStatus() == 404)) {
					throw new ConnectProxyException(
							"Could not read the proxy registration from the Consul agent: " + ex.getMessage(), ex);
				}
				waitingFor = (ex.getStatus() == 404)
						? "the agent at " + client.getAddress() + " has no service with ID '" + id + "'"
						: String.valueOf(ex.getMessage());
			}
			long remaining = deadline - System.nanoTime();
			if (remaining <= 0) {
				throw new ConnectProxyException(
						"Gave up after " + timeout.toSeconds() + "s (connect.proxy.registration-timeout): " + waitingFor
								+ "; register the proxy with the local agent (Kind connect-proxy) before starting it");
			}
			logger.info("Waiting for the proxy registration: " + waitingFor);
			pause(Math.min(delayMillis, TimeUnit.NANOSECONDS.toMillis(remaining) + 1));
			delayMillis = Math.min(delayMillis * 2, 2000);
		}
	}

	private static @Nullable String sidecarOf(ConsulAgentClient client, @Nullable String serviceId) {
		Map<String, AgentService> proxies = client
			.query(AgentQuery.agentServices(
					"Kind == \"connect-proxy\" and Proxy.DestinationServiceID == \"" + escape(serviceId) + "\""))
			.value();
		if (proxies.size() > 1) {
			throw new IllegalArgumentException("Several connect-proxy registrations are sidecars of '" + serviceId
					+ "': " + proxies.keySet() + "; start the proxy with --proxy-id=<one of them>");
		}
		return proxies.isEmpty() ? null : proxies.keySet().iterator().next();
	}

	private static String escape(@Nullable String value) {
		return (value != null) ? value.replace("\\", "\\\\").replace("\"", "\\\"") : "";
	}

	private static @Nullable String blankToNull(@Nullable String value) {
		return (value == null || value.isBlank()) ? null : value.trim();
	}

	private static void pause(long millis) {
		Object monitor = new Object();
		synchronized (monitor) {
			try {
				monitor.wait(Math.max(1, millis));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new ConnectProxyException("Interrupted while waiting for the proxy registration", ex);
			}
		}
	}

}
