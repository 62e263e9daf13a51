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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.SSLPeerUnverifiedException;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.NettyInbound;
import reactor.netty.NettyOutbound;

/**
 * A listener of the proxy: binds a server, tracks its connections (limit, idle timeout,
 * active gauge) and drains them when it stops.
 *
 * @author connect-spring-boot authors
 */
abstract class ProxyListener {

	private static final Log logger = LogFactory.getLog(ProxyListener.class);

	private final String name;

	private final ProxyConfig.Address address;

	private final Limits limits;

	private final ProxyMetrics metrics;

	private final Set<Connection> connections = ConcurrentHashMap.newKeySet();

	private final AtomicInteger active;

	private volatile @Nullable DisposableServer server;

	ProxyListener(String name, ProxyConfig.Address address, Limits limits, ProxyMetrics metrics) {
		this.name = name;
		this.address = address;
		this.limits = limits;
		this.metrics = metrics;
		this.active = metrics.active(name);
	}

	final String getName() {
		return this.name;
	}

	final ProxyConfig.Address getAddress() {
		return this.address;
	}

	final Limits getLimits() {
		return this.limits;
	}

	final ProxyMetrics getMetrics() {
		return this.metrics;
	}

	/**
	 * Bind the server.
	 * @return the bound server
	 */
	abstract DisposableServer bind();

	/**
	 * Describe the listener for logs.
	 * @return the description
	 */
	abstract String describe();

	final void start() {
		String socketPath = this.address.socketPath();
		if (socketPath != null) {
			if (!Epoll.isAvailable()) {
				throw new IllegalStateException("Unix domain socket " + socketPath + " needs Netty's native epoll "
						+ "transport (Linux x86_64), which is not available here: "
						+ Epoll.unavailabilityCause().getMessage());
			}
			deleteSocket(socketPath);
		}
		this.server = bind();
		logger.info("Listening on " + this.address + ": " + describe());
	}

	/**
	 * Track a new downstream connection: refuse it beyond the connection limit, close it
	 * after the idle timeout.
	 * @param connection the connection
	 */
	final void track(Connection connection) {
		if (this.connections.size() >= this.limits.maxConnections()) {
			this.metrics.connection(this.name, "limit");
			logger.warn("Listener " + this.name + " on " + this.address + " has " + this.limits.maxConnections()
					+ " open connections (connect.proxy.max-connections); closing a new one");
			connection.dispose();
			return;
		}
		this.connections.add(connection);
		this.active.incrementAndGet();
		connection.onDispose(() -> {
			if (this.connections.remove(connection)) {
				this.active.decrementAndGet();
			}
		});
		long idle = this.limits.idleTimeout().toMillis();
		if (idle > 0) {
			connection.addHandlerFirst("connect-proxy-idle", new IdleStateHandler(0, 0, idle, TimeUnit.MILLISECONDS));
			connection.addHandlerLast("connect-proxy-idle-close", new IdleCloser());
		}
	}

	/**
	 * Stop accepting connections; open ones are left to {@link #drain(Duration)}.
	 */
	final void stopAccepting() {
		DisposableServer bound = this.server;
		if (bound != null) {
			this.server = null;
			bound.disposeNow(Duration.ofSeconds(5));
			String socketPath = this.address.socketPath();
			if (socketPath != null) {
				deleteSocket(socketPath);
			}
		}
	}

	/**
	 * Give the open connections the drain timeout to finish, then close what is left.
	 * @param drain how long open connections may take
	 */
	void drain(Duration drain) {
		int open = this.connections.size();
		if (open > 0 && !drain.isZero()) {
			logger.info("Listener " + this.name + " on " + this.address + " stopped; draining " + open
					+ " connection(s) for up to " + drain.toSeconds() + "s");
			Flux.interval(Duration.ofMillis(20))
				.filter((tick) -> this.connections.isEmpty())
				.next()
				.timeout(drain, Mono.just(0L))
				.block();
		}
		this.connections.forEach(Connection::dispose);
		logger.info("Closed listener " + this.name + " on " + this.address);
	}

	private static void deleteSocket(String socketPath) {
		try {
			Files.deleteIfExists(Path.of(socketPath));
		}
		catch (IOException ex) {
			logger.warn("Could not remove the stale Unix domain socket " + socketPath + ": " + ex.getMessage());
		}
	}

	/**
	 * Return the chain a TLS peer presented.
	 * @param inbound the inbound side of the connection
	 * @return the chain, leaf first, or {@code null} if it presented none
	 */
	static X509Certificate @Nullable [] peerChain(NettyInbound inbound) {
		AtomicReference<X509Certificate @Nullable []> chain = new AtomicReference<>();
		inbound.withConnection((connection) -> chain.set(peerChain(connection)));
		return chain.get();
	}

	private static X509Certificate @Nullable [] peerChain(Connection connection) {
		SslHandler ssl = connection.channel().pipeline().get(SslHandler.class);
		if (ssl == null) {
			return null;
		}
		try {
			Certificate[] certificates = ssl.engine().getSession().getPeerCertificates();
			X509Certificate[] chain = new X509Certificate[certificates.length];
			for (int i = 0; i < certificates.length; i++) {
				if (!(certificates[i] instanceof X509Certificate certificate)) {
					return null;
				}
				chain[i] = certificate;
			}
			return chain;
		}
		catch (SSLPeerUnverifiedException ex) {
			return null;
		}
	}

	/**
	 * Return the event loop of a downstream connection: the connection relayed for it is
	 * opened on the same loop, so bytes pass between the two without a thread hand-off.
	 * @param inbound the inbound side of the downstream connection
	 * @return the event loop
	 */
	static EventLoopGroup eventLoop(NettyInbound inbound) {
		AtomicReference<@Nullable EventLoopGroup> loop = new AtomicReference<>();
		inbound.withConnection((connection) -> loop.set(connection.channel().eventLoop()));
		EventLoopGroup found = loop.get();
		if (found == null) {
			throw new IllegalStateException("The downstream connection has no channel");
		}
		return found;
	}

	/**
	 * Copy bytes both ways between a downstream connection and the connection it was
	 * dialled to, until either side closes; then close both.
	 * @param inbound the downstream inbound
	 * @param outbound the downstream outbound
	 * @param target the dialled connection
	 * @return completes when the relay ends
	 */
	static Mono<Void> relay(NettyInbound inbound, NettyOutbound outbound, Connection target) {
		inbound.withConnection((downstream) -> downstream.onDispose(target::dispose));
		target.outbound().send(inbound.receive().retain()).then().subscribe(null, (ex) -> target.dispose(), () -> {
		});
		return outbound.send(target.inbound().receive().retain()).then().doFinally((signal) -> target.dispose());
	}

	/**
	 * Limits and timeouts of a listener.
	 *
	 * @param connectTimeout timeout to open a connection to the application or an
	 * upstream
	 * @param handshakeTimeout timeout of a TLS handshake
	 * @param idleTimeout how long a connection may go without reads or writes, zero for
	 * no limit
	 * @param maxConnections how many downstream connections may be open at once
	 */
	record Limits(Duration connectTimeout, Duration handshakeTimeout, Duration idleTimeout, int maxConnections) {

	}

	private static final class IdleCloser extends ChannelDuplexHandler {

		@Override
		public void userEventTriggered(ChannelHandlerContext context, Object event) throws Exception {
			if (event instanceof IdleStateEvent) {
				context.close();
				return;
			}
			super.userEventTriggered(context, event);
		}

	}

}
