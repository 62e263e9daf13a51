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

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the Connect proxy. The agent's address and token come from the starter's
 * {@code connect.agent.*} properties and the Consul CLI's environment variables.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@ConfigurationProperties("connect.proxy")
public class ConnectProxyProperties {

	/**
	 * ID of the proxy's registration (Kind connect-proxy) on the local agent. Also taken
	 * from the --proxy-id command-line argument.
	 */
	private @Nullable String id;

	/**
	 * ID of the application's registration whose sidecar proxy this is; the proxy's ID is
	 * looked up on the local agent. Also taken from --sidecar-for.
	 */
	private @Nullable String sidecarFor;

	/**
	 * How long to wait at startup for the proxy registration to appear on the agent.
	 */
	private Duration registrationTimeout = Duration.ofSeconds(60);

	/**
	 * Timeout to open a connection to the application or to an upstream endpoint (an
	 * upstream's Config.connect_timeout_ms and the discovery chain's resolver take
	 * precedence).
	 */
	private Duration connectTimeout = Duration.ofSeconds(5);

	/**
	 * Timeout of a TLS handshake on the public listener and to upstreams.
	 */
	private Duration handshakeTimeout = Duration.ofSeconds(10);

	/**
	 * How long a connection may go without reads or writes before it is closed (0 for no
	 * limit).
	 */
	private Duration idleTimeout = Duration.ofMinutes(10);

	/**
	 * How many downstream connections each listener may have open at once; more are
	 * closed as they arrive.
	 */
	private int maxConnections = 10_000;

	/**
	 * How long open connections may take to finish when a listener is removed or the
	 * proxy shuts down.
	 */
	private Duration drainTimeout = Duration.ofSeconds(20);

	/**
	 * How often the protocol of the service and of each upstream (service-defaults) is
	 * compared with the one each listener serves, to rebind a listener whose protocol
	 * changed.
	 */
	private Duration protocolCheckInterval = Duration.ofSeconds(2);

	public @Nullable String getId() {
		return this.id;
	}

	public void setId(@Nullable String id) {
		this.id = id;
	}

	public @Nullable String getSidecarFor() {
		return this.sidecarFor;
	}

	public void setSidecarFor(@Nullable String sidecarFor) {
		this.sidecarFor = sidecarFor;
	}

	public Duration getRegistrationTimeout() {
		return this.registrationTimeout;
	}

	public void setRegistrationTimeout(Duration registrationTimeout) {
		this.registrationTimeout = registrationTimeout;
	}

	public Duration getConnectTimeout() {
		return this.connectTimeout;
	}

	public void setConnectTimeout(Duration connectTimeout) {
		this.connectTimeout = connectTimeout;
	}

	public Duration getHandshakeTimeout() {
		return this.handshakeTimeout;
	}

	public void setHandshakeTimeout(Duration handshakeTimeout) {
		this.handshakeTimeout = handshakeTimeout;
	}

	public Duration getIdleTimeout() {
		return this.idleTimeout;
	}

	public void setIdleTimeout(Duration idleTimeout) {
		this.idleTimeout = idleTimeout;
	}

	public int getMaxConnections() {
		return this.maxConnections;
	}

	public void setMaxConnections(int maxConnections) {
		this.maxConnections = maxConnections;
	}

	public Duration getDrainTimeout() {
		return this.drainTimeout;
	}

	public void setDrainTimeout(Duration drainTimeout) {
		this.drainTimeout = drainTimeout;
	}

	public Duration getProtocolCheckInterval() {
		return this.protocolCheckInterval;
	}

	public void setProtocolCheckInterval(Duration protocolCheckInterval) {
		this.protocolCheckInterval = protocolCheckInterval;
	}

}
