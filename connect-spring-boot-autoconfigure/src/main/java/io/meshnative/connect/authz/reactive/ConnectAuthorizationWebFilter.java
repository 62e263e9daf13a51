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

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;

import io.meshnative.connect.authz.ConnectAuthorizer;
import io.meshnative.connect.authz.ConnectCaller;
import io.meshnative.connect.authz.InboundDecision;
import io.meshnative.connect.authz.internal.InboundAuthorization;
import io.meshnative.connect.authz.internal.L7Request;
import io.meshnative.connect.authz.internal.NonCanonicalRequestException;
import io.meshnative.connect.authz.internal.RequestTarget;
import io.meshnative.connect.identity.ConnectIdentityManager;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.SslInfo;
import org.springframework.util.ClassUtils;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * WebFlux filter that authorizes every request by its caller's client certificate, like
 * {@link io.meshnative.connect.authz.servlet.ConnectAuthorizationFilter}: the request
 * target as the request line carried it must be canonical and must be the path Spring
 * dispatches on (else {@code 400}, before any decision), then the caller is decided on.
 * Every check is local, so the filter never leaves the connection's event loop. A refused
 * caller gets {@code 403} with a short generic body and the connection is closed. An
 * allowed request carries the {@link ConnectCaller} as exchange attribute
 * {@link ConnectCaller#ATTRIBUTE}. Runs first.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConnectAuthorizationWebFilter implements WebFilter, Ordered {

	private static final boolean REACTOR_NETTY_PRESENT = ClassUtils
		.isPresent("reactor.netty.http.server.HttpServerRequest", ConnectAuthorizationWebFilter.class.getClassLoader());

	private final InboundAuthorization authorization;

	/**
	 * Create a new instance.
	 * @param identityManager the source of the current roots and trust domain
	 * @param authorizer the authorizer
	 */
	public ConnectAuthorizationWebFilter(ConnectIdentityManager identityManager, ConnectAuthorizer authorizer) {
		this.authorization = new InboundAuthorization(identityManager, authorizer);
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		if (ManagementServerRequests.isManagementServer(exchange)) {
			return chain.filter(exchange);
		}
		ServerHttpRequest request = exchange.getRequest();
		RequestTarget target;
		try {
			target = target(request);
		}
		catch (NonCanonicalRequestException ex) {
			InboundDecision refused = this.authorization.refuse(ex);
			this.authorization.logRefused(refused, request.getMethod().name());
			return answer(exchange.getResponse(), HttpStatus.BAD_REQUEST, "Bad Request\n");
		}
		HttpHeaders headers = request.getHeaders();
		InboundDecision outcome = this.authorization.check(peerCertificates(request), L7Request
			.of(request.getMethod().name(), target, () -> headers.headerNames().iterator(), headers::getValuesAsList));
		if (!outcome.decision().allowed()) {
			this.authorization.logDenied(outcome, request.getMethod().name(), target.rawPath());
			return answer(exchange.getResponse(), HttpStatus.FORBIDDEN, "Forbidden\n");
		}
		exchange.getAttributes().put(ConnectCaller.ATTRIBUTE, outcome.caller());
		return chain.filter(exchange);
	}

	/**
	 * Return the canonical request target: from the request line where the server exposes
	 * it, and only when Spring dispatches on the same path (a forwarded prefix, for
	 * example, would make them differ).
	 * @param request the request
	 * @return the target
	 * @throws NonCanonicalRequestException if the target is not canonical or the views
	 * differ
	 */
	private static RequestTarget target(ServerHttpRequest request) {
		String line = REACTOR_NETTY_PRESENT ? ReactorNettyRequests.requestTarget(request) : null;
		RequestTarget target = (line != null) ? RequestTarget.parse(line)
				: RequestTarget.parse(rawPath(request), request.getURI().getRawQuery());
		if (!target.rawPath().equals(request.getPath().value())) {
			throw new NonCanonicalRequestException(NonCanonicalRequestException.Reason.VIEW_MISMATCH,
					"the path Spring dispatches on differs from the request line");
		}
		return target;
	}

	/**
	 * Return the certificates the caller presented: straight from the connection where
	 * Reactor Netty serves the request as it arrived, else from the request's
	 * {@link SslInfo}.
	 * @param request the request
	 * @return the certificates, leaf first, or {@code null}
	 */
	private static X509Certificate @Nullable [] peerCertificates(ServerHttpRequest request) {
		X509Certificate[] certificates = REACTOR_NETTY_PRESENT ? ReactorNettyRequests.peerCertificates(request) : null;
		if (certificates != null) {
			return certificates;
		}
		SslInfo sslInfo = request.getSslInfo();
		return (sslInfo != null) ? sslInfo.getPeerCertificates() : null;
	}

	private static String rawPath(ServerHttpRequest request) {
		@Nullable String path = request.getURI().getRawPath();
		return (path != null) ? path : "";
	}

	private static Mono<Void> answer(ServerHttpResponse response, HttpStatus status, String text) {
		response.setStatusCode(status);
		response.getHeaders().set(HttpHeaders.CONNECTION, "close");
		response.getHeaders().setContentType(MediaType.TEXT_PLAIN);
		DataBuffer body = response.bufferFactory().wrap(text.getBytes(StandardCharsets.UTF_8));
		return response.writeWith(Mono.just(body));
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
