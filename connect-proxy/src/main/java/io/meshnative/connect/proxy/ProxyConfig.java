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

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.meshnative.connect.agent.internal.AgentService;
import io.netty.channel.unix.DomainSocketAddress;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * What the proxy must do, read from its registration ({@code /v1/agent/service/:id}, Kind
 * {@code connect-proxy}).
 *
 * @param proxyId the proxy's service ID
 * @param service the destination service: the identity the proxy serves and whose
 * intentions apply
 * @param publicListener where callers from the mesh connect
 * @param localApplication where the application listens
 * @param protocol the protocol the registration's {@code Proxy.Config.protocol} sets, or
 * {@code null} to use the service's {@code service-defaults}
 * @param upstreams the upstreams
 * @author connect-spring-boot authors
 */
record ProxyConfig(String proxyId, String service, Address publicListener, Address localApplication,
		@Nullable String protocol, List<Upstream> upstreams) {

	private static final Log logger = LogFactory.getLog(ProxyConfig.class);

	ProxyConfig {
		upstreams = List.copyOf(upstreams);
	}

	/**
	 * Read the configuration from a proxy registration.
	 * @param proxy the registration
	 * @return the configuration
	 * @throws IllegalArgumentException if the registration is not a usable Connect proxy
	 */
	static ProxyConfig of(AgentService proxy) {
		AgentService.Proxy settings = proxy.proxy();
		if (!proxy.isConnectProxy() || settings == null) {
			throw new IllegalArgumentException("Service '" + proxy.id() + "' is registered with Kind '" + proxy.kind()
					+ "', not 'connect-proxy'; pass the ID of the sidecar proxy registration (or use --sidecar-for "
					+ "with the ID of the application's registration)");
		}
		String service = settings.destinationServiceName();
		if (service == null || service.isBlank()) {
			throw new IllegalArgumentException("Proxy '" + proxy.id()
					+ "' has no Proxy.DestinationServiceName; register it with the name of " + "the service it fronts");
		}
		Map<String, Object> config = (settings.config() != null) ? settings.config() : Collections.emptyMap();
		String bindAddress = text(config.get("bind_address"));
		Integer bindPort = integer(config.get("bind_port"), "bind_port", proxy.id());
		Address publicListener = new Address(
				(bindAddress != null) ? bindAddress : (proxy.address().isEmpty() ? "0.0.0.0" : proxy.address()),
				(bindPort != null) ? bindPort : proxy.port(), null);
		if (publicListener.socketPath() == null && publicListener.port() <= 0) {
			throw new IllegalArgumentException("Proxy '" + proxy.id()
					+ "' has no port for its public listener; register it with a Port (or Proxy.Config.bind_port)");
		}
		Address local;
		if (settings.localServiceSocketPath() != null && !settings.localServiceSocketPath().isBlank()) {
			local = new Address("", 0, settings.localServiceSocketPath());
		}
		else {
			Integer localPort = settings.localServicePort();
			if (localPort == null || localPort <= 0) {
				throw new IllegalArgumentException("Proxy '" + proxy.id() + "' has no Proxy.LocalServicePort (or "
						+ "LocalServiceSocketPath); register it with the port the application listens on");
			}
			String localAddress = settings.localServiceAddress();
			local = new Address((localAddress != null && !localAddress.isBlank()) ? localAddress : "127.0.0.1",
					localPort, null);
		}
		List<Upstream> upstreams = new ArrayList<>();
		if (settings.upstreams() != null) {
			for (AgentService.Upstream upstream : settings.upstreams()) {
				Upstream parsed = Upstream.of(proxy.id(), upstream);
				if (parsed != null) {
					upstreams.add(parsed);
				}
			}
		}
		return new ProxyConfig(proxy.id(), service, publicListener, local, protocol(config.get("protocol")), upstreams);
	}

	static @Nullable String protocol(@Nullable Object value) {
		String protocol = text(value);
		return (protocol != null) ? protocol.toLowerCase(Locale.ROOT) : null;
	}

	static @Nullable String text(@Nullable Object value) {
		if (value == null) {
			return null;
		}
		String text = value.toString().trim();
		return text.isEmpty() ? null : text;
	}

	static @Nullable Integer integer(@Nullable Object value, String name, String proxyId) {
		if (value == null) {
			return null;
		}
		if (value instanceof Number number) {
			return number.intValue();
		}
		try {
			return Integer.parseInt(value.toString().trim());
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException(
					"Proxy '" + proxyId + "' has '" + name + "' = '" + value + "' in its Config, not a number");
		}
	}

	/**
	 * A listen or dial address: a host and port, or a Unix domain socket.
	 *
	 * @param host the host or IP
	 * @param port the port
	 * @param socketPath the socket path, {@code null} for TCP
	 */
	record Address(String host, int port, @Nullable String socketPath) {

		SocketAddress toSocketAddress() {
			return (this.socketPath != null) ? new DomainSocketAddress(this.socketPath)
					: InetSocketAddress.createUnresolved(this.host, this.port);
		}

		SocketAddress toBindAddress() {
			return (this.socketPath != null) ? new DomainSocketAddress(this.socketPath)
					: new InetSocketAddress(this.host, this.port);
		}

		@Override
		public String toString() {
			return (this.socketPath != null) ? "unix:" + this.socketPath : this.host + ":" + this.port;
		}

	}

	/**
	 * An upstream listener.
	 *
	 * @param name the destination service
	 * @param datacenter the datacenter, {@code null} for the agent's
	 * @param bind where the application connects
	 * @param protocol the protocol its {@code Config.protocol} sets, {@code null} to use
	 * the discovery chain's
	 * @param connectTimeout its {@code Config.connect_timeout_ms}, or {@code null}
	 */
	record Upstream(String name, @Nullable String datacenter, Address bind, @Nullable String protocol,
			@Nullable Duration connectTimeout) {

		static @Nullable Upstream of(String proxyId, AgentService.Upstream upstream) {
			String type = upstream.destinationType();
			if (type != null && !type.isEmpty() && !"service".equals(type)) {
				logger
					.warn("Proxy '" + proxyId + "': upstream '" + upstream.destinationName() + "' has DestinationType '"
							+ type + "', which connect-proxy does not support (only 'service'); no listener is opened "
							+ "for it");
				return null;
			}
			if (upstream.destinationPeer() != null && !upstream.destinationPeer().isEmpty()) {
				logger.warn("Proxy '" + proxyId + "': upstream '" + upstream.destinationName()
						+ "' names a cluster peer, which connect-proxy does not support; no listener is opened for it");
				return null;
			}
			Map<String, Object> config = (upstream.config() != null) ? upstream.config() : Collections.emptyMap();
			Address bind;
			if (upstream.localBindSocketPath() != null && !upstream.localBindSocketPath().isBlank()) {
				bind = new Address("", 0, upstream.localBindSocketPath());
			}
			else {
				Integer port = upstream.localBindPort();
				if (port == null || port <= 0) {
					logger.warn("Proxy '" + proxyId + "': upstream '" + upstream.destinationName()
							+ "' has no LocalBindPort (or LocalBindSocketPath); no listener is opened for it");
					return null;
				}
				String address = upstream.localBindAddress();
				bind = new Address((address != null && !address.isBlank()) ? address : "127.0.0.1", port, null);
			}
			Integer connectTimeoutMs = integer(config.get("connect_timeout_ms"), "connect_timeout_ms", proxyId);
			String datacenter = upstream.datacenter();
			return new Upstream(upstream.destinationName(),
					(datacenter != null && !datacenter.isBlank()) ? datacenter : null, bind,
					ProxyConfig.protocol(config.get("protocol")),
					(connectTimeoutMs != null && connectTimeoutMs > 0) ? Duration.ofMillis(connectTimeoutMs) : null);
		}

	}

}
