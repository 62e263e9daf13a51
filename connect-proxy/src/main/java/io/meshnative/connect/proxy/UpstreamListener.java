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
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.meshnative.connect.client.ConnectClientFactory;
import io.meshnative.connect.client.ConnectClientTls;
import io.meshnative.connect.client.ConnectUpstreams;
import io.meshnative.connect.client.NoHealthyUpstreamException;
import io.meshnative.connect.client.UpstreamLimitExceededException;
import io.meshnative.connect.client.internal.UpstreamEndpoints;
import io.meshnative.connect.discovery.internal.RouteRequest;
import io.meshnative.connect.discovery.internal.RoutingDecision;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.identity.SpiffeId;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.ssl.SslContext;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.NettyInbound;
import reactor.netty.NettyOutbound;
import reactor.netty.channel.AbortedException;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * An upstream listener: plain TCP on a local address for the application, each connection
 * (for {@code tcp} upstreams) or each request (for {@code http} upstreams) dialled over
 * mTLS to a healthy endpoint chosen through the upstream's discovery chain, the server's
 * SPIFFE ID checked in the handshake.
 *
 * @author connect-spring-boot authors
 */
final class UpstreamListener extends ProxyListener {

	private static final Log logger = LogFactory.getLog(UpstreamListener.class);

	private final ProxyConfig.Upstream upstream;

	private final boolean http;

	private final ConnectUpstreams upstreams;

	private final ConnectIdentityManager identityManager;

	private final ConnectClientFactory clients;

	private final Map<SpiffeId, SslContext> sslContexts = new ConcurrentHashMap<>();

	private final NettyDataBufferFactory buffers = new NettyDataBufferFactory(io.netty.buffer.ByteBufAllocator.DEFAULT);

	private final WebClient webClient;

	UpstreamListener(ProxyConfig.Upstream upstream, boolean http, ConnectUpstreams upstreams,
			ConnectIdentityManager identityManager, ConnectClientFactory clients, Limits limits, ProxyMetrics metrics) {
		super(upstream.name(), upstream.bind(), limits, metrics);
		this.upstream = upstream;
		this.http = http;
		this.upstreams = upstreams;
		this.identityManager = identityManager;
		this.clients = clients;
		this.webClient = clients.webClientBuilder(upstream.name()).build();
	}

	@Override
	String describe() {
		return "upstream listener for " + this.upstream.name() + " (" + (this.http ? "http" : "tcp") + ")";
	}

	@Override
	DisposableServer bind() {
		if (this.http) {
			return HttpServer.create()
				.bindAddress(getAddress()::toBindAddress)
				.doOnConnection(this::track)
				.handle(this::handleRequest)
				.bindNow();
		}
		return TcpServer.create()
			.bindAddress(getAddress()::toBindAddress)
			.doOnConnection(this::track)
			.handle(this::handleConnection)
			.bindNow();
	}

	private Mono<Void> handleConnection(NettyInbound inbound, NettyOutbound outbound) {
		EventLoopGroup loop = eventLoop(inbound);
		return Mono.defer(() -> dial(loop, new HashSet<>(), 1)).flatMap((target) -> {
			getMetrics().connection(getName(), "accepted");
			return relay(inbound, outbound, target);
		}).onErrorResume((ex) -> {
			if (ex instanceof AbortedException) {
				logger.debug("The application closed its connection before it was relayed: " + ex);
				return Mono.empty();
			}
			getMetrics().connection(getName(), "failed");
			logger.warn("Could not open a connection to upstream '" + this.upstream.name() + "': " + ex.getMessage());
			return Mono.empty();
		});
	}

	private Mono<Connection> dial(EventLoopGroup loop, Set<String> tried, int attempt) {
		UpstreamEndpoints endpoints = this.upstreams.getUpstreams().get(this.upstream.name());
		if (endpoints == null || endpoints.getChain() == null) {
			// Loading the chain may wait: not on the event loop.
			return Mono.defer(() -> dialLoaded(loop, tried, attempt)).subscribeOn(Schedulers.boundedElastic());
		}
		return dialLoaded(loop, tried, attempt);
	}

	private Mono<Connection> dialLoaded(EventLoopGroup loop, Set<String> tried, int attempt) {
		RoutingDecision decision;
		ConnectUpstreams.Selection selection;
		try {
			RouteRequest request = RouteRequest.of("GET", "/");
			decision = this.upstreams.decide(this.upstream.name(), request);
			selection = this.upstreams.pick(this.upstream.name(), decision, request, tried);
		}
		catch (NoHealthyUpstreamException ex) {
			return Mono.error(ex);
		}
		if (selection == null) {
			return Mono.error(new IllegalStateException("no healthy endpoint of '" + this.upstream.name() + "' is left"
					+ (tried.isEmpty() ? "" : " after trying " + tried)));
		}
		String key = selection.endpoint().address() + ":" + selection.endpoint().port();
		Duration connectTimeout = (this.upstream.connectTimeout() != null) ? this.upstream.connectTimeout()
				: ((decision.connectTimeout() != null) ? decision.connectTimeout() : getLimits().connectTimeout());
		SslContext sslContext = this.sslContexts.computeIfAbsent(selection.expected(),
				(expected) -> ConnectClientTls.nettyClientContext(this.identityManager, expected));
		ConnectUpstreams.Attempt dialled;
		try {
			dialled = this.upstreams.begin(this.upstream.name(), selection);
		}
		catch (UpstreamLimitExceededException ex) {
			return Mono.error(ex);
		}
		tried.add(key);
		return TcpClient.newConnection()
			.runOn(loop)
			.remoteAddress(() -> InetSocketAddress.createUnresolved(selection.endpoint().address(),
					selection.endpoint().port()))
			.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
			.secure((spec) -> spec.sslContext(sslContext).handshakeTimeout(getLimits().handshakeTimeout()))
			.connect()
			.cast(Connection.class)
			.doOnNext((connection) -> dialled.answered(200))
			.doOnCancel(dialled::abandoned)
			.onErrorResume((ex) -> {
				dialled.failed();
				// Nothing was sent: try every other endpoint once (a transparent retry)
				logger.debug("Endpoint " + key + " of '" + this.upstream.name() + "' failed (attempt " + attempt
						+ "), trying another: " + ex);
				return dial(loop, tried, attempt + 1).onErrorMap(IllegalStateException.class,
						(last) -> new IllegalStateException(last.getMessage() + "; " + key + " (expected "
								+ selection.expected().toUri() + ") failed: " + ex, ex));
			});
	}

	/**
	 * Return the URI of a request to the upstream: its request target exactly as the
	 * application sent it, behind {@code http://<upstream>} (the routing replaces scheme,
	 * host and port and keeps the raw path and query byte for byte).
	 * @param upstream the upstream name
	 * @param target the request target as it appeared on the request line
	 * @return the URI
	 * @throws IllegalArgumentException if the target is not in origin form, carries a
	 * fragment, or has characters a URI cannot hold (space, non-ASCII, such as {@code |})
	 */
	static URI upstreamUri(String upstream, String target) {
		if (!target.startsWith("/")) {
			throw new IllegalArgumentException("the request target is not in origin form (/path?query)");
		}
		if (target.indexOf('#') >= 0) {
			throw new IllegalArgumentException("the request target carries a fragment ('#')");
		}
		try {
			return new URI("http://" + upstream + target);
		}
		catch (URISyntaxException ex) {
			throw new IllegalArgumentException("the request target has a character a URI cannot hold at index "
					+ (ex.getIndex() - ("http://" + upstream).length()));
		}
	}

	/**
	 * Return whether a request carries a body to stream to the upstream (which then
	 * cannot be sent twice): it is chunked or its {@code Content-Length} is not zero. A
	 * {@code Content-Length: 0} (which the JDK 17 {@code HttpClient} sends with every
	 * {@code GET}) is no body, so such a request stays retryable after a reset.
	 * @param headers the request's headers
	 * @return whether it has a body
	 */
	static boolean hasBody(HttpHeaders headers) {
		if (headers.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
			return true;
		}
		String length = headers.get(HttpHeaderNames.CONTENT_LENGTH);
		return length != null && !"0".equals(length.trim());
	}

	private Mono<Void> handleRequest(HttpServerRequest request, HttpServerResponse response) {
		URI uri;
		try {
			uri = upstreamUri(this.upstream.name(), request.uri());
		}
		catch (IllegalArgumentException ex) {
			getMetrics().request(getName(), "refused");
			logger.debug("Refused a " + request.method() + " request to upstream '" + this.upstream.name() + "' (400): "
					+ ex.getMessage());
			return response.status(HttpResponseStatus.BAD_REQUEST)
				.header(HttpHeaderNames.CONNECTION, "close")
				.header(HttpHeaderNames.CONTENT_TYPE, "text/plain")
				.sendString(Mono.just("connect-proxy: " + ex.getMessage()))
				.then();
		}
		boolean hasBody = hasBody(request.requestHeaders());
		WebClient.RequestBodySpec spec = this.webClient.method(HttpMethod.valueOf(request.method().name()))
			.uri(uri)
			.headers((out) -> request.requestHeaders().forEach((entry) -> {
				String name = entry.getKey();
				if (!PublicListener.HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT))
						&& !"host".equalsIgnoreCase(name)) {
					out.add(name, entry.getValue());
				}
			}));
		if (hasBody) {
			spec.attribute(ConnectUpstreams.REPLAYABLE_ATTRIBUTE, false);
			spec.body(BodyInserters.fromDataBuffers(request.receive().retain().map(this.buffers::wrap)));
		}
		return spec.exchangeToMono((answer) -> {
			response.status(answer.statusCode().value());
			answer.headers().asHttpHeaders().forEach((name, values) -> {
				if (!PublicListener.HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT))) {
					response.responseHeaders().set(name, values);
				}
			});
			getMetrics().request(getName(), "allowed");
			return response.send(answer.bodyToFlux(DataBuffer.class).map(NettyDataBufferFactory::toByteBuf)).then();
		}).onErrorResume((ex) -> {
			getMetrics().request(getName(), "failed");
			logger.warn("Request " + request.method() + " " + uri.getRawPath() + " to upstream '" + this.upstream.name()
					+ "' failed: " + ex.getMessage());
			if (response.hasSentHeaders()) {
				return Mono.error(ex);
			}
			return response.status(HttpResponseStatus.SERVICE_UNAVAILABLE)
				.header(HttpHeaderNames.CONTENT_TYPE, "text/plain")
				.sendString(
						Mono.just("connect-proxy: upstream '" + this.upstream.name() + "' failed: " + ex.getMessage()))
				.then();
		});
	}

}
