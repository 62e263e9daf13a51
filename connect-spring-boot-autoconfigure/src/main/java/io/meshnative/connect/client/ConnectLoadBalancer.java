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

import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import io.meshnative.connect.discovery.internal.Endpoint;
import io.meshnative.connect.discovery.internal.RouteRequest;
import io.meshnative.connect.discovery.internal.RoutingDecision;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultResponse;
import org.springframework.cloud.client.loadbalancer.EmptyResponse;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;

/**
 * A Spring Cloud LoadBalancer for one mesh upstream that chooses instances the way
 * {@code @ConnectClient} clients do: the upstream's discovery chain is evaluated for the
 * request (routes, splits, failover targets), then the target's load-balancing policy
 * picks a healthy endpoint. The chosen {@link ServiceInstance} is secure and carries the
 * SPIFFE ID the server must present in its metadata under {@link #SPIFFE_ID_METADATA};
 * the calling client must present this service's leaf and check that identity (see
 * {@link ConnectClientTls#jdkClientContext}). Route path rewrites, header changes,
 * timeouts and retries are not applied on this path: {@code @ConnectClient} applies them.
 *
 * @author connect-spring-boot authors
 */
final class ConnectLoadBalancer implements ReactorServiceInstanceLoadBalancer {

	/**
	 * Metadata key of the SPIFFE ID a chosen instance must present.
	 */
	public static final String SPIFFE_ID_METADATA = "connect-spiffe-id";

	private final String upstream;

	private final ConnectUpstreams upstreams;

	/**
	 * Create a new instance.
	 * @param upstream the upstream name (the load-balancer client name)
	 * @param upstreams the upstreams
	 */
	ConnectLoadBalancer(String upstream, ConnectUpstreams upstreams) {
		this.upstream = upstream;
		this.upstreams = upstreams;
	}

	@Override
	@SuppressWarnings("rawtypes")
	public Mono<Response<ServiceInstance>> choose(Request request) {
		RouteRequest route = routeRequest(request);
		return Mono.fromCallable(() -> choose(route)).subscribeOn(Schedulers.boundedElastic());
	}

	private Response<ServiceInstance> choose(RouteRequest route) throws NoHealthyUpstreamException {
		RoutingDecision decision = this.upstreams.decide(this.upstream, route);
		ConnectUpstreams.Selection selection = this.upstreams.pick(this.upstream, decision, route,
				Collections.emptySet());
		if (selection == null) {
			return new EmptyResponse();
		}
		Endpoint endpoint = selection.endpoint();
		Map<String, String> metadata = new LinkedHashMap<>(endpoint.meta());
		metadata.put(SPIFFE_ID_METADATA, selection.expected().toUri());
		return new DefaultResponse(new DefaultServiceInstance(endpoint.instanceId(), this.upstream, endpoint.address(),
				endpoint.port(), true, metadata));
	}

	@SuppressWarnings("rawtypes")
	private static RouteRequest routeRequest(Request request) {
		if (request.getContext() instanceof RequestDataContext context && context.getClientRequest() != null) {
			RequestData data = context.getClientRequest();
			HttpHeaders headers = (data.getHeaders() != null) ? data.getHeaders() : new HttpHeaders();
			return Routing.routeRequest((data.getHttpMethod() != null) ? data.getHttpMethod() : HttpMethod.GET,
					(data.getUrl() != null) ? data.getUrl() : URI.create("/"), headers);
		}
		return Routing.routeRequest(HttpMethod.GET, URI.create("/"), new HttpHeaders());
	}

}
