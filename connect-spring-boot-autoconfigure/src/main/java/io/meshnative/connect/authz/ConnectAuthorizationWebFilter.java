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

package io.meshnative.connect.authz;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;

import io.meshnative.connect.identity.ConnectIdentityManager;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.SslInfo;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * WebFlux filter that authorizes every request by its caller's client certificate, like
 * {@link ConnectAuthorizationFilter}, without blocking: a cache miss waits for the agent
 * asynchronously. A refused caller gets {@code 403} with a short generic body and the
 * connection is closed. An allowed request carries the {@link ConnectCaller} as exchange
 * attribute {@link ConnectCaller#ATTRIBUTE}. Runs first.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConnectAuthorizationWebFilter implements WebFilter, Ordered {

	private final InboundAuthorization authorization;

	/**
	 * Create a new instance.
	 * @param identityManager the source of the current roots and trust domain
	 * @param authorizer the authorizer
	 */
	public ConnectAuthorizationWebFilter(ConnectIdentityManager identityManager, ConnectAuthorizer authorizer) {
		this.authorization = new InboundAuthorization(identityManager, authorizer, Clock.systemUTC());
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		ServerHttpRequest request = exchange.getRequest();
		SslInfo sslInfo = request.getSslInfo();
		X509Certificate[] certificates = (sslInfo != null) ? sslInfo.getPeerCertificates() : null;
		return Mono.fromFuture(() -> this.authorization.check(certificates, () -> l7Request(request)))
			.flatMap((outcome) -> {
				if (!outcome.decision().allowed()) {
					this.authorization.logDenied(outcome, request.getMethod().name(), request.getPath().value());
					return deny(exchange.getResponse());
				}
				exchange.getAttributes().put(ConnectCaller.ATTRIBUTE, outcome.caller());
				return chain.filter(exchange);
			});
	}

	private static L7Request l7Request(ServerHttpRequest request) {
		HttpHeaders headers = request.getHeaders();
		return L7Request.of(request.getMethod().name(), request.getURI().getRawPath(),
				request.getURI().getRawFragment() != null, headers.headerNames(), headers::getValuesAsList);
	}

	private Mono<Void> deny(ServerHttpResponse response) {
		response.setStatusCode(HttpStatus.FORBIDDEN);
		response.getHeaders().set(HttpHeaders.CONNECTION, "close");
		response.getHeaders().setContentType(MediaType.TEXT_PLAIN);
		DataBuffer body = response.bufferFactory().wrap("Forbidden\n".getBytes(StandardCharsets.UTF_8));
		return response.writeWith(Mono.just(body));
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
