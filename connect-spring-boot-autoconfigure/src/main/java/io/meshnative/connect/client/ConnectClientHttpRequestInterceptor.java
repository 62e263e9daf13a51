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

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.net.URI;

import io.meshnative.connect.discovery.internal.Endpoint;
import io.meshnative.connect.discovery.internal.RouteRequest;
import io.meshnative.connect.discovery.internal.RoutingDecision;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRequest;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.http.client.support.HttpRequestWrapper;

/**
 * Sends each request of a {@code RestClient} or {@code RestTemplate} bound to an upstream
 * to a healthy endpoint chosen through the upstream's discovery chain, over mTLS: routes
 * (path rewrite, header changes), splits, target failover, load balancing, retries on
 * connect failure and on the route's status codes.
 *
 * @author connect-spring-boot authors
 */
final class ConnectClientHttpRequestInterceptor implements ClientHttpRequestInterceptor {

	private static final Log logger = LogFactory.getLog(ConnectClientHttpRequestInterceptor.class);

	private final String upstream;

	private final ConnectUpstreams upstreams;

	ConnectClientHttpRequestInterceptor(String upstream, ConnectUpstreams upstreams) {
		this.upstream = upstream;
		this.upstreams = upstreams;
	}

	@Override
	public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
			throws IOException {
		MeshRequestObservation observation = MeshRequestObservation.start(this.upstreams.getObservationRegistry(),
				this.upstream);
		observation.propagationHeaders().forEach((name, values) -> request.getHeaders().put(name, values));
		try {
			ClientHttpResponse response = route(request, body, execution, observation);
			observation.stop(response.getStatusCode().value());
			return response;
		}
		catch (IOException | RuntimeException ex) {
			observation.stop(ex);
			throw ex;
		}
	}

	private ClientHttpResponse route(HttpRequest request, byte[] body, ClientHttpRequestExecution execution,
			MeshRequestObservation observation) throws IOException {
		RouteRequest route = Routing.routeRequest(request.getMethod(), request.getURI(), request.getHeaders());
		RoutingDecision decision = this.upstreams.decide(this.upstream, route);
		Routing.modify(request.getHeaders(), decision.requestHeaderModifiers());
		Attempts attempts = new Attempts(decision.retryPolicy(), request.getMethod().name(),
				this.upstreams.settings(this.upstream).retryIdempotentOnReset());
		while (true) {
			ConnectUpstreams.Selection selection = this.upstreams.pick(this.upstream, decision, route,
					attempts.tried());
			if (selection == null) {
				throw new NoHealthyUpstreamException(this.upstream, Routing.targetIds(decision),
						attempts.describeFailures());
			}
			Endpoint endpoint = selection.endpoint();
			observation.target(selection.target().id());
			String key = ConnectUpstreams.key(endpoint);
			attempts.sending(key);
			URI target = Routing.targetUri(request.getURI(), endpoint, decision.rewrittenPath());
			ConnectUpstreams.Attempt attempt = this.upstreams.begin(this.upstream, selection);
			ClientHttpResponse response;
			try {
				response = RoutedRequestFactory.with(new RoutedRequestFactory.Timeouts(selection.expected(),
						decision.connectTimeout(), decision.requestTimeout()),
						() -> execution.execute(new HttpRequestWrapper(request) {

							@Override
							public URI getURI() {
								return target;
							}

						}, body));
			}
			catch (IOException | RuntimeException ex) {
				UpstreamLimitExceededException overflow = Attempts.overflow(ex, this.upstream, selection.target().id(),
						this.upstreams.policy(selection.target()).maxPendingRequests());
				if (overflow != null) {
					attempt.abandoned();
					this.upstreams.listener()
						.limitExceeded(this.upstream, selection.target().id(), overflow.getLimit());
					throw overflow;
				}
				attempt.failed();
				Attempts.Retry retry = attempts.afterFailure(key, ex);
				if (retry == null) {
					SocketTimeoutException timeout = Attempts.timeout(ex, this.upstream, selection.target().id(), key,
							decision.requestTimeout());
					if (timeout != null) {
						throw timeout;
					}
					throw ex;
				}
				logger.debug("Upstream '" + this.upstream + "': " + target + " failed (" + ex + "), retrying ("
						+ retry.tag() + ")");
				this.upstreams.listener().retried(this.upstream, selection.target().id(), retry.tag());
				continue;
			}
			int status = response.getStatusCode().value();
			attempt.answered(status);
			if (attempts.afterStatus(key, status) != null) {
				this.upstreams.listener().retried(this.upstream, selection.target().id(), Attempts.Retry.ROUTE.tag());
				logger.debug("Upstream '" + this.upstream + "': " + target + " answered " + status + ", retrying");
				response.close();
				continue;
			}
			return withResponseHeaderChanges(response, decision);
		}
	}

	private static ClientHttpResponse withResponseHeaderChanges(ClientHttpResponse response, RoutingDecision decision) {
		if (decision.responseHeaderModifiers().isEmpty()) {
			return response;
		}
		HttpHeaders headers = HttpHeaders.copyOf(response.getHeaders());
		Routing.modify(headers, decision.responseHeaderModifiers());
		return new ClientHttpResponse() {

			@Override
			public HttpStatusCode getStatusCode() throws IOException {
				return response.getStatusCode();
			}

			@Override
			public String getStatusText() throws IOException {
				return response.getStatusText();
			}

			@Override
			public void close() {
				response.close();
			}

			@Override
			public InputStream getBody() throws IOException {
				return response.getBody();
			}

			@Override
			public HttpHeaders getHeaders() {
				return headers;
			}

		};
	}

}
