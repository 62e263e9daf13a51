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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import io.meshnative.connect.identity.ConnectIdentityManager;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

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
 * {@link ConnectAuthorizationFilter}, without blocking: a cache miss waits for the agent
 * asynchronously. A refused caller gets {@code 403} with a short generic body and the
 * connection is closed. An allowed request carries the {@link ConnectCaller} as exchange
 * attribute {@link ConnectCaller#ATTRIBUTE}. Runs first.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConnectAuthorizationWebFilter implements WebFilter, Ordered {

	private static final boolean REACTOR_NETTY_PRESENT = ClassUtils.isPresent("reactor.netty.Connection",
			ConnectAuthorizationWebFilter.class.getClassLoader());

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
		if (ManagementServerRequests.isManagementServer(exchange)) {
			return chain.filter(exchange);
		}
		ServerHttpRequest request = exchange.getRequest();
		SslInfo sslInfo = request.getSslInfo();
		X509Certificate[] certificates = (sslInfo != null) ? sslInfo.getPeerCertificates() : null;
		CompletableFuture<InboundDecision> check = this.authorization.check(certificates, () -> l7Request(request));
		Mono<InboundDecision> decision = Mono.fromFuture(check);
		if (!check.isDone()) {
			decision = onEventLoopOf(request, decision);
		}
		return decision.flatMap((outcome) -> {
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

	/**
	 * Continue on the connection's event loop after a decision that completed elsewhere
	 * (the agent client's thread). A request finished off the event loop can leave its
	 * operations not yet terminated when the caller's next kept-alive request arrives,
	 * and Reactor Netty 1.3.5 to at least 1.3.8 then stops reading the connection
	 * (reactor/reactor-netty#4361).
	 * @param request the request
	 * @param decision the pending decision
	 * @return the decision, delivered on the event loop when there is one
	 */
	private static Mono<InboundDecision> onEventLoopOf(ServerHttpRequest request, Mono<InboundDecision> decision) {
		if (REACTOR_NETTY_PRESENT) {
			Executor eventLoop = ReactorNettyEventLoop.of(request);
			if (eventLoop != null) {
				return decision.publishOn(Schedulers.fromExecutor(eventLoop));
			}
		}
		return decision;
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
