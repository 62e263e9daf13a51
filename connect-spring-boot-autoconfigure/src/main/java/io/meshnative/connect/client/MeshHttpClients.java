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

package io.meshnative.connect.client;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.meshnative.connect.client.internal.UpstreamPolicy;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.identity.SpiffeId;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * The Reactor Netty clients of mesh calls, one per identity the servers must present:
 * mTLS with the service's current leaf, the server's SPIFFE ID checked in every
 * handshake, connections pooled per identity and closed once idle or opened with an
 * earlier leaf.
 *
 * @author connect-spring-boot authors
 */
final class MeshHttpClients implements AutoCloseable {

	/**
	 * Response timeout when neither the route nor the resolver sets one: Envoy's default
	 * route timeout, so that no mesh call can hang forever.
	 */
	static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(15);

	/**
	 * How long a pooled connection may stay idle before it is closed.
	 */
	static final Duration MAX_IDLE_TIME = Duration.ofSeconds(30);

	private final ConnectIdentityManager identityManager;

	private final ConnectClientListener listener;

	private final Map<Key, Client> clients = new ConcurrentHashMap<>();

	private final Duration retireDelay;

	/**
	 * Event loops of our own: an application's Reactor Netty global resources are
	 * disposed when any of its contexts closes, which would strand connections of clients
	 * still in use.
	 */
	private final LoopResources loops = LoopResources.create("connect-mesh", LoopResources.DEFAULT_IO_WORKER_COUNT,
			true);

	MeshHttpClients(ConnectIdentityManager identityManager, ConnectClientListener listener) {
		this(identityManager, listener, DEFAULT_RESPONSE_TIMEOUT);
	}

	/**
	 * Create the clients.
	 * @param identityManager the identity
	 * @param listener told about connections
	 * @param retireDelay how long a pool whose destination's limits changed is kept for
	 * the requests that picked it before the change
	 */
	MeshHttpClients(ConnectIdentityManager identityManager, ConnectClientListener listener, Duration retireDelay) {
		this.identityManager = identityManager;
		this.listener = listener;
		this.retireDelay = retireDelay;
	}

	/**
	 * Return the client for calls to servers that must present an identity. Its pool
	 * allows {@code MaxConnections} connections per endpoint and lets at most
	 * {@code MaxPendingRequests} requests wait for one (Reactor Netty's own default,
	 * twice the cores and at least 16 with twice that many waiting, refused a burst of 49
	 * concurrent calls to one instance); a waiting request gives up after the default
	 * response timeout.
	 * @param expected the identity the servers must present
	 * @param policy the destination's limits
	 * @return the HTTP client
	 */
	HttpClient httpClient(SpiffeId expected, UpstreamPolicy policy) {
		Key key = new Key(expected, policy.maxConnections(), policy.maxPendingRequests());
		Client client = this.clients.get(key);
		if (client == null) {
			client = this.clients.computeIfAbsent(key, this::createClient);
			retireOthers(key);
		}
		return client.http();
	}

	/**
	 * Dispose of the pools of the same destination with other limits (its
	 * {@code service-defaults} changed), once the requests that picked them before the
	 * change have had the default response timeout to end: a pool's connections close
	 * when idle, but the pool itself would otherwise stay until the application stops.
	 * @param current the destination's current key
	 */
	private void retireOthers(Key current) {
		for (Map.Entry<Key, Client> entry : this.clients.entrySet()) {
			Key key = entry.getKey();
			if (key.expected().equals(current.expected()) && !key.equals(current)
					&& this.clients.remove(key, entry.getValue())) {
				ConnectionProvider provider = entry.getValue().provider();
				Mono.delay(this.retireDelay).then(provider.disposeLater()).subscribe();
			}
		}
	}

	/**
	 * Return the number of pools.
	 * @return the number of pools
	 */
	int pools() {
		return this.clients.size();
	}

	private Client createClient(Key key) {
		SpiffeId expected = key.expected();
		SslContext sslContext = ConnectClientTls.nettyClientContext(this.identityManager, expected);
		ConnectionProvider provider = ConnectionProvider.builder("connect-" + expected.service())
			.maxConnections(key.maxConnections())
			.pendingAcquireMaxCount(key.maxPendingRequests())
			.pendingAcquireTimeout(DEFAULT_RESPONSE_TIMEOUT)
			.evictionPredicate((connection, metadata) -> metadata.idleTime() > MAX_IDLE_TIME.toMillis()
					|| presentsAnotherLeaf(connection, this.identityManager.getIdentity().getLeaf()))
			.build();
		return new Client(provider,
				HttpClient.create(provider)
					.runOn(this.loops)
					.responseTimeout(DEFAULT_RESPONSE_TIMEOUT)
					.secure((spec) -> spec.sslContext(sslContext))
					.doOnChannelInit((observer, channel, remoteAddress) -> {
						this.listener.connectionOpened(expected.service());
						channel.closeFuture()
							.addListener((future) -> this.listener.connectionClosed(expected.service()));
					}));
	}

	/**
	 * Whether a pooled connection was opened with a leaf other than the current one: such
	 * a connection is closed instead of being reused (and once its request completes), so
	 * that after a rotation every new request leaves with the current leaf.
	 * @param connection the pooled connection
	 * @param current the current leaf
	 * @return whether the connection presents another leaf
	 */
	static boolean presentsAnotherLeaf(Connection connection, X509Certificate current) {
		SslHandler ssl = connection.channel().pipeline().get(SslHandler.class);
		if (ssl == null) {
			return false;
		}
		Certificate[] presented = ssl.engine().getSession().getLocalCertificates();
		return presented != null && presented.length > 0 && !current.equals(presented[0]);
	}

	@Override
	public void close() {
		this.clients.values().forEach((client) -> client.provider().dispose());
		this.clients.clear();
		this.loops.dispose();
	}

	private record Client(ConnectionProvider provider, HttpClient http) {

	}

	private record Key(SpiffeId expected, int maxConnections, int maxPendingRequests) {

	}

}
