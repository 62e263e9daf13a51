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
import java.net.ConnectException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLException;

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
		Set<String> tried = new LinkedHashSet<>();
		Map<String, String> failures = new LinkedHashMap<>();
		int retriesLeft = decision.retryPolicy().numRetries();
		while (true) {
			ConnectUpstreams.Selection selection = this.upstreams.pick(this.upstream, decision, route, tried);
			if (selection == null) {
				throw new NoHealthyUpstreamException(this.upstream, Routing.targetIds(decision),
						failures.isEmpty() ? "no healthy instance" : "every endpoint tried failed: " + failures);
			}
			Endpoint endpoint = selection.endpoint();
			observation.target(selection.target().id());
			tried.add(ConnectUpstreams.key(endpoint));
			URI target = Routing.targetUri(request.getURI(), endpoint, decision.rewrittenPath());
			AtomicInteger active = this.upstreams.active(endpoint);
			active.incrementAndGet();
			try {
				ClientHttpResponse response = RoutedRequestFactory
					.with(new RoutedRequestFactory.Timeouts(selection.expected(), decision.connectTimeout(),
							decision.requestTimeout()), () -> execution.execute(new HttpRequestWrapper(request) {

								@Override
								public URI getURI() {
									return target;
								}

							}, body));
				if (retriesLeft > 0
						&& decision.retryPolicy().retryOnStatusCodes().contains(response.getStatusCode().value())) {
					retriesLeft--;
					this.upstreams.listener().retried(this.upstream, selection.target().id());
					logger.debug("Upstream '" + this.upstream + "': " + target + " answered "
							+ response.getStatusCode().value() + ", retrying");
					response.close();
					tried.remove(ConnectUpstreams.key(endpoint));
					continue;
				}
				return withResponseHeaderChanges(response, decision);
			}
			catch (ConnectException | SSLException ex) {
				logger.debug("Upstream '" + this.upstream + "': could not connect to " + target + ": " + ex);
				failures.put(ConnectUpstreams.key(endpoint), Routing.describe(ex));
				if (decision.retryPolicy().retryOnConnectFailure() && retriesLeft > 0) {
					retriesLeft--;
					this.upstreams.listener().retried(this.upstream, selection.target().id());
				}
			}
			finally {
				active.decrementAndGet();
			}
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
