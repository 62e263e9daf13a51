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

import java.net.ConnectException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLException;

import io.meshnative.connect.discovery.internal.Endpoint;
import io.meshnative.connect.discovery.internal.RouteRequest;
import io.meshnative.connect.discovery.internal.RoutingDecision;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClientRequest;

import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;

/**
 * Sends each request of a {@code WebClient} bound to an upstream to a healthy endpoint
 * chosen through the upstream's discovery chain, over mTLS, without blocking the caller:
 * routes (path rewrite, header changes, request timeout), splits, target failover, load
 * balancing, retries on connect failure and on the route's status codes.
 *
 * @author connect-spring-boot authors
 */
final class ConnectExchangeFilterFunction implements ExchangeFilterFunction {

	private final String upstream;

	private final ConnectUpstreams upstreams;

	ConnectExchangeFilterFunction(String upstream, ConnectUpstreams upstreams) {
		this.upstream = upstream;
		this.upstreams = upstreams;
	}

	@Override
	public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
		return Mono.defer(() -> {
			MeshRequestObservation observation = MeshRequestObservation.start(this.upstreams.getObservationRegistry(),
					this.upstream);
			ClientRequest observed = ClientRequest.from(request)
				.headers((headers) -> observation.propagationHeaders().forEach(headers::put))
				.build();
			return route(observed, next, observation)
				.doOnNext((response) -> observation.stop(response.statusCode().value()))
				.doOnError(observation::stop)
				.doOnCancel(() -> observation.stop(new java.util.concurrent.CancellationException("cancelled")));
		});
	}

	private Mono<ClientResponse> route(ClientRequest request, ExchangeFunction next,
			MeshRequestObservation observation) {
		RouteRequest route = Routing.routeRequest(request.method(), request.url(), request.headers());
		return Mono.fromCallable(() -> this.upstreams.decide(this.upstream, route))
			.subscribeOn(Schedulers.boundedElastic())
			.flatMap((decision) -> attempt(request, next, route, decision, new LinkedHashSet<>(), new LinkedHashMap<>(),
					decision.retryPolicy().numRetries(), observation));
	}

	private Mono<ClientResponse> attempt(ClientRequest request, ExchangeFunction next, RouteRequest route,
			RoutingDecision decision, Set<String> tried, Map<String, String> failures, int retriesLeft,
			MeshRequestObservation observation) {
		ConnectUpstreams.Selection selection = this.upstreams.pick(this.upstream, decision, route, tried);
		if (selection == null) {
			return Mono.error(new NoHealthyUpstreamException(this.upstream, Routing.targetIds(decision),
					failures.isEmpty() ? "no healthy instance" : "every endpoint tried failed: " + failures));
		}
		Endpoint endpoint = selection.endpoint();
		observation.target(selection.target().id());
		String key = ConnectUpstreams.key(endpoint);
		tried.add(key);
		ClientRequest routed = ClientRequest.from(request)
			.url(RoutedClientHttpConnector.encode(Routing.targetUri(request.url(), endpoint, decision.rewrittenPath()),
					selection.expected(), decision.connectTimeout()))
			.headers((headers) -> Routing.modify(headers, decision.requestHeaderModifiers()))
			.httpRequest((httpRequest) -> {
				if (decision.requestTimeout() != null
						&& httpRequest.getNativeRequest() instanceof HttpClientRequest reactorRequest) {
					reactorRequest.responseTimeout(decision.requestTimeout());
				}
			})
			.build();
		AtomicInteger active = this.upstreams.active(endpoint);
		active.incrementAndGet();
		return next.exchange(routed).doFinally((signal) -> active.decrementAndGet()).flatMap((response) -> {
			if (retriesLeft > 0
					&& decision.retryPolicy().retryOnStatusCodes().contains(response.statusCode().value())) {
				tried.remove(key);
				this.upstreams.listener().retried(this.upstream, selection.target().id());
				return response.releaseBody()
					.then(attempt(request, next, route, decision, tried, failures, retriesLeft - 1, observation));
			}
			return Mono.just(withResponseHeaders(response, decision));
		}).onErrorResume((failure) -> isConnectFailure(failure), (failure) -> {
			failures.put(key, Routing.describe(failure));
			int left = (decision.retryPolicy().retryOnConnectFailure() && retriesLeft > 0) ? retriesLeft - 1
					: retriesLeft;
			if (left < retriesLeft) {
				this.upstreams.listener().retried(this.upstream, selection.target().id());
			}
			return attempt(request, next, route, decision, tried, failures, left, observation);
		});
	}

	private static boolean isConnectFailure(Throwable failure) {
		Throwable current = failure;
		while (current != null) {
			if (current instanceof ConnectException || current instanceof SSLException) {
				return true;
			}
			current = (current.getCause() != current) ? current.getCause() : null;
		}
		return false;
	}

	private static ClientResponse withResponseHeaders(ClientResponse response, RoutingDecision decision) {
		if (decision.responseHeaderModifiers().isEmpty()) {
			return response;
		}
		return response.mutate()
			.headers((headers) -> Routing.modify(headers, decision.responseHeaderModifiers()))
			.build();
	}

}
