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

import java.net.SocketTimeoutException;

import io.meshnative.connect.discovery.internal.Endpoint;
import io.meshnative.connect.discovery.internal.RouteRequest;
import io.meshnative.connect.discovery.internal.RoutingDecision;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClientRequest;

import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import org.springframework.web.reactive.function.client.WebClientRequestException;

/**
 * Sends each request of a {@code WebClient} bound to an upstream to a healthy endpoint
 * chosen through the upstream's discovery chain, over mTLS, without blocking the caller:
 * routes (path rewrite, header changes, request timeout), splits, target failover, load
 * balancing, retries on connect failure and on the route's status codes.
 *
 * @author connect-spring-boot authors
 */
final class ConnectExchangeFilterFunction implements ExchangeFilterFunction {

	/**
	 * Request attribute that, set to {@code false}, says the request's body cannot be
	 * sent twice (a body streamed from elsewhere), so a reset is not retried.
	 */
	static final String REPLAYABLE = ConnectExchangeFilterFunction.class.getName() + ".replayable";

	private static final Log logger = LogFactory.getLog(ConnectExchangeFilterFunction.class);

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
		boolean replayable = !Boolean.FALSE
			.equals(request.attribute(ConnectUpstreams.REPLAYABLE_ATTRIBUTE).orElse(null));
		return Mono.fromCallable(() -> this.upstreams.decide(this.upstream, route))
			.subscribeOn(Schedulers.boundedElastic())
			.flatMap((decision) -> attempt(request, next, route, decision,
					new Attempts(decision.retryPolicy(), request.method().name(),
							replayable && this.upstreams.settings(this.upstream).retryIdempotentOnReset()),
					observation));
	}

	private Mono<ClientResponse> attempt(ClientRequest request, ExchangeFunction next, RouteRequest route,
			RoutingDecision decision, Attempts attempts, MeshRequestObservation observation) {
		ConnectUpstreams.Selection selection = this.upstreams.pick(this.upstream, decision, route, attempts.tried());
		if (selection == null) {
			return Mono.error(new NoHealthyUpstreamException(this.upstream, Routing.targetIds(decision),
					attempts.describeFailures()));
		}
		Endpoint endpoint = selection.endpoint();
		observation.target(selection.target().id());
		String key = ConnectUpstreams.key(endpoint);
		attempts.sending(key);
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
		ConnectUpstreams.Attempt attempt;
		try {
			attempt = this.upstreams.begin(this.upstream, selection);
		}
		catch (UpstreamLimitExceededException ex) {
			return Mono.error(ex);
		}
		return next.exchange(routed)
			.map(Outcome::answered)
			.onErrorResume((failure) -> Mono.just(Outcome.failed(failure)))
			.doOnCancel(attempt::abandoned)
			.flatMap((outcome) -> {
				ClientResponse response = outcome.response();
				if (response != null) {
					int status = response.statusCode().value();
					attempt.answered(status);
					if (attempts.afterStatus(key, status) != null) {
						this.upstreams.listener()
							.retried(this.upstream, selection.target().id(), Attempts.Retry.ROUTE.tag());
						return response.releaseBody()
							.then(attempt(request, next, route, decision, attempts, observation));
					}
					return Mono.just(withResponseHeaders(response, decision));
				}
				Throwable failure = outcome.failure();
				UpstreamLimitExceededException overflow = Attempts.overflow(failure, this.upstream,
						selection.target().id(), this.upstreams.policy(selection.target()).maxPendingRequests());
				if (overflow != null) {
					attempt.abandoned();
					this.upstreams.listener()
						.limitExceeded(this.upstream, selection.target().id(), overflow.getLimit());
					return Mono.error(overflow);
				}
				attempt.failed();
				Attempts.Retry retry = attempts.afterFailure(key, failure);
				if (retry == null) {
					SocketTimeoutException timeout = Attempts.timeout(failure, this.upstream, selection.target().id(),
							key, decision.requestTimeout());
					if (timeout != null) {
						// the type WebClient users expect, its message naming the
						// upstream
						return Mono.error(new WebClientRequestException(timeout, request.method(), request.url(),
								request.headers()));
					}
					return Mono.error(failure);
				}
				logger.debug("Upstream '" + this.upstream + "': " + routed.url() + " failed (" + failure
						+ "), retrying (" + retry.tag() + ")");
				this.upstreams.listener().retried(this.upstream, selection.target().id(), retry.tag());
				return attempt(request, next, route, decision, attempts, observation);
			});
	}

	private static ClientResponse withResponseHeaders(ClientResponse response, RoutingDecision decision) {
		if (decision.responseHeaderModifiers().isEmpty()) {
			return response;
		}
		return response.mutate()
			.headers((headers) -> Routing.modify(headers, decision.responseHeaderModifiers()))
			.build();
	}

	private record Outcome(@Nullable ClientResponse response, Throwable failure) {

		static Outcome answered(ClientResponse response) {
			return new Outcome(response, new IllegalStateException("answered"));
		}

		static Outcome failed(Throwable failure) {
			return new Outcome(null, failure);
		}

	}

}
