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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.meshnative.connect.authz.InboundDecision;
import io.meshnative.connect.authz.internal.InboundAuthorization;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
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
	static final String FORWARDED_CLIENT_CERT = "X-Forwarded-Client-Cert";

	static final String FORWARDED_PROTO = "X-Forwarded-Proto";

	static final String FORWARDED_FOR = "X-Forwarded-For";

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
		String method = request.method().name();
		if (method.equalsIgnoreCase(HttpMethod.CONNECT.name())) {
			return refuse(response, method, "CONNECT is never forwarded");
		}
		if (request.requestHeaders().getAll(HttpHeaderNames.HOST).size() != 1) {
			return refuse(response, method, "a request needs exactly one Host header");
		}
		X509Certificate @Nullable [] chain = peerChain(request);
		HttpHeaders forwarded = forwardedHeaders(request.requestHeaders(), clientCertDetails(chain),
				callerAddress(request.remoteAddress()));
		InboundDecision decision = this.authorization.checkRequest(chain, method, request.uri(), forwarded.names(),
				forwarded::getAll);
		if (decision.refused()) {
			return refuse(response, method, decision.decision().reason());
		}
		if (!decision.allowed()) {
			denied(decision, method + " " + decision.path());
			getMetrics().request(getName(), "denied");
			return response.status(HttpResponseStatus.FORBIDDEN)
				.header(HttpHeaderNames.CONNECTION, "close")
				.header(HttpHeaderNames.CONTENT_TYPE, "text/plain")
				.sendString(Mono.just("RBAC: access denied"))
				.then();
		}
		return forward(request, response, decision, forwarded);
	}

	private Mono<Void> refuse(HttpServerResponse response, String method, String reason) {
		getMetrics().request(getName(), "refused");
		if (logger.isDebugEnabled()) {
			logger.debug("Refused a " + method + " request (400): " + reason);
		}
		return response.status(HttpResponseStatus.BAD_REQUEST)
			.header(HttpHeaderNames.CONNECTION, "close")
			.header(HttpHeaderNames.CONTENT_TYPE, "text/plain")
			.sendString(Mono.just("Bad Request"))
			.then();
	}

	/**
	 * Forward an allowed request to the application: exactly the request target the
	 * caller sent (canonical, so it is the one decided on), and the headers decided on.
	 * Reactor Netty's client sends a relative target verbatim
	 * ({@code UriEndpointFactory.createUriEndpoint}); it adds {@code User-Agent} and
	 * {@code Accept} when they are missing, which are removed again before the request is
	 * written, so the application gets no header the decision did not see.
	 * @param request the caller's request
	 * @param response the response to the caller
	 * @param decision the decision that allowed it
	 * @param forwarded the headers decided on
	 * @return completion
	 */
	private Mono<Void> forward(HttpServerRequest request, HttpServerResponse response, InboundDecision decision,
			HttpHeaders forwarded) {
		boolean hasBody = request.requestHeaders().contains(HttpHeaderNames.CONTENT_LENGTH)
				|| request.requestHeaders().contains(HttpHeaderNames.TRANSFER_ENCODING);
		HttpClient client = this.localClient;
		if (client == null) {
			return Mono.error(new IllegalStateException("The public listener of a tcp service has no HTTP client"));
		}
		return client.headers((out) -> out.add(forwarded))
			.request(request.method())
			.uri(request.uri())
			.send((clientRequest, out) -> {
				withoutClientDefaults(clientRequest.requestHeaders(), forwarded);
				return hasBody ? out.send(request.receive().retain()) : out;
			})
			.response((clientResponse, body) -> {
				response.status(clientResponse.status());
				copyHeaders(clientResponse.responseHeaders(), response.responseHeaders());
				return response.send(body.retain());
			})
			.then()
			.doOnSuccess((done) -> getMetrics().request(getName(), "allowed"))
			.onErrorResume((ex) -> {
				getMetrics().request(getName(), "failed");
				logger.warn("Could not forward " + request.method() + " " + decision.path() + " from "
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
	 * Return the headers to forward, which are also the headers decided on: the caller's,
	 * without hop-by-hop headers, without the headers its {@code Connection} header names
	 * (except {@code Host} and {@code Content-Length}), and without any header whose
	 * name, lower-cased and with {@code _} read as {@code -}, is {@code forwarded} or
	 * starts with {@code x-forwarded-}; then the proxy's own
	 * {@code X-Forwarded-Client-Cert}, {@code X-Forwarded-Proto} and
	 * {@code X-Forwarded-For}.
	 * @param from the caller's headers
	 * @param clientCertDetails the value of {@code X-Forwarded-Client-Cert}, {@code null}
	 * when the caller presented no certificate
	 * @param callerAddress the caller's IP address, {@code null} when unknown
	 * @return the headers
	 */
	static HttpHeaders forwardedHeaders(HttpHeaders from, @Nullable String clientCertDetails,
			@Nullable String callerAddress) {
		Set<String> nominated = nominatedByConnection(from);
		HttpHeaders to = new DefaultHttpHeaders();
		for (Map.Entry<String, String> header : from) {
			String lower = header.getKey().toLowerCase(Locale.ROOT);
			if (!HOP_BY_HOP.contains(lower) && !nominated.contains(lower) && !isForwardedHeader(lower)) {
				to.add(header.getKey(), header.getValue());
			}
		}
		if (clientCertDetails != null) {
			to.set(FORWARDED_CLIENT_CERT, clientCertDetails);
		}
		to.set(FORWARDED_PROTO, "https");
		if (callerAddress != null) {
			to.set(FORWARDED_FOR, callerAddress);
		}
		return to;
	}

	/**
	 * Return whether a header carries forwarding information that only the proxy may set:
	 * {@code Forwarded} and every {@code X-Forwarded-*}, in any case and with {@code _}
	 * for {@code -} (servers such as Tomcat or gunicorn may read {@code x_forwarded_for}
	 * as {@code X-Forwarded-For}).
	 * @param name the header name
	 * @return whether the caller's header is removed
	 */
	static boolean isForwardedHeader(String name) {
		String normalized = name.toLowerCase(Locale.ROOT).replace('_', '-');
		return normalized.equals("forwarded") || normalized.startsWith("x-forwarded-");
	}

	private static Set<String> nominatedByConnection(HttpHeaders headers) {
		List<String> connection = headers.getAll(HttpHeaderNames.CONNECTION);
		if (connection.isEmpty()) {
			return Collections.emptySet();
		}
		Set<String> nominated = new HashSet<>();
		for (String value : connection) {
			for (String token : value.split(",")) {
				String name = token.trim().toLowerCase(Locale.ROOT);
				if (!name.isEmpty() && !name.equals("host") && !name.equals("content-length")) {
					nominated.add(name);
				}
			}
		}
		return nominated;
	}

	private static void withoutClientDefaults(HttpHeaders sent, HttpHeaders forwarded) {
		if (!forwarded.contains(HttpHeaderNames.USER_AGENT)) {
			sent.remove(HttpHeaderNames.USER_AGENT);
		}
		if (!forwarded.contains(HttpHeaderNames.ACCEPT)) {
			sent.remove(HttpHeaderNames.ACCEPT);
		}
	}

	/**
	 * Return the value of {@code X-Forwarded-Client-Cert} for a caller, as Envoy formats
	 * it: {@code By} (this proxy's SPIFFE ID), {@code Hash} (SHA-256 of the caller's
	 * leaf, hex), {@code Subject} (of the caller's leaf, RFC 2253, quoted) and
	 * {@code URI} (the caller's URI SAN). Only used when the caller is allowed, which
	 * means its chain was validated and the URI SAN is its SPIFFE ID.
	 * @param chain the caller's chain
	 * @return the value, {@code null} when the caller presented no certificate
	 */
	private @Nullable String clientCertDetails(X509Certificate @Nullable [] chain) {
		if (chain == null || chain.length == 0) {
			return null;
		}
		return clientCertDetails(this.identityManager.getIdentity().getSpiffeId(), chain[0]);
	}

	static String clientCertDetails(String by, X509Certificate leaf) {
		StringBuilder details = new StringBuilder("By=").append(by);
		try {
			details.append(";Hash=")
				.append(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(leaf.getEncoded())));
		}
		catch (NoSuchAlgorithmException | CertificateEncodingException ex) {
			throw new IllegalStateException("Cannot hash the caller's certificate", ex);
		}
		details.append(";Subject=\"").append(leaf.getSubjectX500Principal().getName()).append('"');
		return details.append(";URI=").append(uriSan(leaf)).toString();
	}

	private static String uriSan(X509Certificate leaf) {
		try {
			Collection<List<?>> names = leaf.getSubjectAlternativeNames();
			if (names != null) {
				for (List<?> name : names) {
					if (name.size() == 2 && Integer.valueOf(6).equals(name.get(0))
							&& name.get(1) instanceof String uri) {
						return uri;
					}
				}
			}
			return "";
		}
		catch (CertificateParsingException ex) {
			return "";
		}
	}

	private static @Nullable String callerAddress(@Nullable SocketAddress remote) {
		if (remote instanceof InetSocketAddress inet) {
			return (inet.getAddress() != null) ? inet.getAddress().getHostAddress() : inet.getHostString();
		}
		return null;
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
