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

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.meshnative.connect.authz.InboundAuthorization;
import io.meshnative.connect.authz.InboundDecision;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.ssl.SslContext;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.NettyInbound;
import reactor.netty.NettyOutbound;
import reactor.netty.channel.AbortedException;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

/**
 * The public listener: accepts mTLS from the mesh with the service's leaf, validates and
 * authorizes each caller as the starter's filters do, then relays to the local
 * application: a TCP stream for {@code tcp} services, request by request for {@code http}
 * services so that L7 intentions apply per request.
 *
 * @author connect-spring-boot authors
 */
final class PublicListener extends ProxyListener {

	private static final Log logger = LogFactory.getLog(PublicListener.class);

	/**
	 * Header carrying the caller's identity to the application, as Envoy sets it.
	 */
	static final String FORWARDED_CLIENT_CERT = "x-forwarded-client-cert";

	static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "proxy-authenticate",
			"proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade");

	private final ProxyConfig.Address local;

	private final boolean http;

	private final ConnectIdentityManager identityManager;

	private final InboundAuthorization authorization;

	private final SslContext sslContext;

	private final @Nullable ConnectionProvider localPool;

	/**
	 * Client to the application for {@code http} services, built once.
	 */
	private final @Nullable HttpClient localClient;

	/**
	 * Open relayed connections with the chain their caller presented, to authorize again
	 * when intentions or roots change.
	 */
	private final Map<Connection, X509Certificate[]> relayed = new ConcurrentHashMap<>();

	PublicListener(ProxyConfig.Address address, ProxyConfig.Address local, boolean http,
			ConnectIdentityManager identityManager, InboundAuthorization authorization, SslContext sslContext,
			Limits limits, ProxyMetrics metrics) {
		super("public", address, limits, metrics);
		this.local = local;
		this.http = http;
		this.identityManager = identityManager;
		this.authorization = authorization;
		this.sslContext = sslContext;
		this.localPool = http ? ConnectionProvider.builder("connect-proxy-local").maxConnections(1024).build() : null;
		this.localClient = (this.localPool != null) ? HttpClient.create(this.localPool)
			.remoteAddress(local::toSocketAddress)
			.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) limits.connectTimeout().toMillis()) : null;
	}

	@Override
	String describe() {
		return "public listener of " + this.identityManager.getService() + " (" + (this.http ? "http" : "tcp")
				+ ") to the application at " + this.local;
	}

	@Override
	DisposableServer bind() {
		if (this.http) {
			return HttpServer.create()
				.bindAddress(getAddress()::toBindAddress)
				.secure((spec) -> spec.sslContext(this.sslContext).handshakeTimeout(getLimits().handshakeTimeout()))
				.doOnConnection(this::track)
				.handle(this::handleRequest)
				.bindNow();
		}
		return TcpServer.create()
			.bindAddress(getAddress()::toBindAddress)
			.secure((spec) -> spec.sslContext(this.sslContext).handshakeTimeout(getLimits().handshakeTimeout()))
			.doOnConnection(this::track)
			.handle(this::handleConnection)
			.bindNow();
	}

	private Mono<Void> handleConnection(NettyInbound inbound, NettyOutbound outbound) {
		X509Certificate @Nullable [] chain = peerChain(inbound);
		return Mono.fromSupplier(() -> this.authorization.checkConnection(chain)).flatMap((decision) -> {
			if (!decision.allowed()) {
				denied(decision, "connection");
				getMetrics().connection(getName(), "denied");
				return Mono.empty();
			}
			getMetrics().connection(getName(), "accepted");
			if (chain != null) {
				inbound.withConnection((connection) -> {
					this.relayed.put(connection, chain);
					connection.onDispose(() -> this.relayed.remove(connection));
				});
			}
			return TcpClient.newConnection()
				.runOn(eventLoop(inbound))
				.remoteAddress(this.local::toSocketAddress)
				.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) getLimits().connectTimeout().toMillis())
				.connect()
				.flatMap((target) -> relay(inbound, outbound, target))
				.onErrorResume((ex) -> {
					if (ex instanceof AbortedException) {
						logger.debug("The caller closed its connection before it was relayed: " + ex);
						return Mono.empty();
					}
					getMetrics().connection(getName(), "failed");
					logger.warn("Could not relay a connection from " + decision.describeCaller()
							+ " to the application at " + this.local + " (is it listening there?): " + ex);
					return Mono.empty();
				});
		});
	}

	private Mono<Void> handleRequest(HttpServerRequest request, HttpServerResponse response) {
		X509Certificate @Nullable [] chain = peerChain(request);
		HttpHeaders headers = request.requestHeaders();
		InboundDecision decision = this.authorization.checkRequest(chain, request.method().name(), request.uri(),
				headers.names(), headers::getAll);
		if (decision.refused()) {
			getMetrics().request(getName(), "refused");
			return response.status(HttpResponseStatus.BAD_REQUEST)
				.header(HttpHeaderNames.CONNECTION, "close")
				.header(HttpHeaderNames.CONTENT_TYPE, "text/plain")
				.sendString(Mono.just("Bad Request"))
				.then();
		}
		if (!decision.allowed()) {
			denied(decision, request.method().name() + " " + decision.path());
			getMetrics().request(getName(), "denied");
			return response.status(HttpResponseStatus.FORBIDDEN)
				.header(HttpHeaderNames.CONNECTION, "close")
				.header(HttpHeaderNames.CONTENT_TYPE, "text/plain")
				.sendString(Mono.just("RBAC: access denied"))
				.then();
		}
		return forward(request, response, decision);
	}

	private Mono<Void> forward(HttpServerRequest request, HttpServerResponse response, InboundDecision decision) {
		String caller = (decision.caller() != null) ? decision.caller().spiffeId() : "";
		String forwarded = "By=" + this.identityManager.getIdentity().getSpiffeId() + ";URI=" + caller;
		boolean hasBody = request.requestHeaders().contains(HttpHeaderNames.CONTENT_LENGTH)
				|| request.requestHeaders().contains(HttpHeaderNames.TRANSFER_ENCODING);
		HttpClient client = this.localClient;
		if (client == null) {
			return Mono.error(new IllegalStateException("The public listener of a tcp service has no HTTP client"));
		}
		return client.headers((out) -> {
			copyHeaders(request.requestHeaders(), out);
			out.remove(FORWARDED_CLIENT_CERT);
			out.set(FORWARDED_CLIENT_CERT, forwarded);
		})
			.request(request.method())
			.uri(request.uri())
			.send((clientRequest, out) -> hasBody ? out.send(request.receive().retain()) : out)
			.response((clientResponse, body) -> {
				response.status(clientResponse.status());
				copyHeaders(clientResponse.responseHeaders(), response.responseHeaders());
				return response.send(body.retain());
			})
			.then()
			.doOnSuccess((done) -> getMetrics().request(getName(), "allowed"))
			.onErrorResume((ex) -> {
				getMetrics().request(getName(), "failed");
				logger.warn("Could not forward " + request.method() + " " + request.uri() + " from "
						+ decision.describeCaller() + " to the application at " + this.local + ": " + ex);
				if (response.hasSentHeaders()) {
					return Mono.error(ex);
				}
				return response.status(HttpResponseStatus.BAD_GATEWAY)
					.header(HttpHeaderNames.CONTENT_TYPE, "text/plain")
					.sendString(Mono.just("connect-proxy: the application at " + this.local + " did not answer"))
					.then();
			});
	}

	/**
	 * Authorize every open relayed connection again, closing those whose caller is no
	 * longer allowed (an intention changed to deny, or its certificate no longer
	 * validates against the roots). Requests of {@code http} listeners are each
	 * authorized anyway.
	 */
	void reauthorize() {
		this.relayed.forEach((connection, chain) -> {
			InboundDecision decision = this.authorization.checkConnection(chain);
			if (!decision.allowed() && !connection.isDisposed()) {
				denied(decision, "open connection (closing it)");
				getMetrics().connection(getName(), "revoked");
				connection.dispose();
			}
		});
	}

	static void copyHeaders(HttpHeaders from, HttpHeaders to) {
		for (String name : from.names()) {
			if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
				to.set(name, from.getAll(name));
			}
		}
	}

	private void denied(InboundDecision decision, String what) {
		if (logger.isInfoEnabled()) {
			logger.info(
					"Denied " + what + " from " + decision.describeCaller() + " to " + this.identityManager.getService()
							+ ": " + decision.decision().reason() + " [" + decision.decision().source() + "]");
		}
	}

	@Override
	void drain(Duration drain) {
		super.drain(drain);
		ConnectionProvider pool = this.localPool;
		if (pool != null) {
			pool.disposeLater().subscribe();
		}
	}

}
