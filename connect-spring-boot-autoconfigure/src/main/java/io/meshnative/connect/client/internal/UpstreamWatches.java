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

package io.meshnative.connect.client.internal;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.meshnative.connect.agent.internal.ConsulAgentClient;

/**
 * The endpoint watches of the upstreams called so far: one {@link UpstreamEndpoints} per
 * upstream name, started on first use. Whenever the endpoints of any upstream change, the
 * idle {@link ActiveRequests} counters of endpoints no upstream offers any more are
 * dropped.
 *
 * @author connect-spring-boot authors
 */
public final class UpstreamWatches implements AutoCloseable {

	private final ConsulAgentClient client;

	private final Duration watchWait;

	private final Duration loadTimeout;

	private final Function<String, UpstreamSettings> settings;

	private final ActiveRequests activeRequests;

	private final Map<String, UpstreamEndpoints> upstreams = new ConcurrentHashMap<>();

	/**
	 * Create the watches of the upstreams a service calls.
	 * @param client the agent client
	 * @param watchWait the blocking-query wait
	 * @param loadTimeout how long a first call waits for an upstream's chain and
	 * endpoints
	 * @param settings the settings of each upstream
	 * @param activeRequests the per-endpoint request counters to prune when endpoints
	 * leave
	 */
	public UpstreamWatches(ConsulAgentClient client, Duration watchWait, Duration loadTimeout,
			Function<String, UpstreamSettings> settings, ActiveRequests activeRequests) {
		this.client = client;
		this.watchWait = watchWait;
		this.loadTimeout = loadTimeout;
		this.settings = settings;
		this.activeRequests = activeRequests;
	}

	/**
	 * Return the endpoints of an upstream, starting to watch it on first use and waiting
	 * (bounded) until its chain and endpoints are loaded.
	 * @param upstream the upstream name
	 * @return the endpoints
	 */
	public UpstreamEndpoints endpoints(String upstream) {
		UpstreamEndpoints endpoints = this.upstreams.computeIfAbsent(upstream, this::start);
		endpoints.awaitLoaded(this.loadTimeout);
		return endpoints;
	}

	private UpstreamEndpoints start(String upstream) {
		return new UpstreamEndpoints(upstream, this.settings.apply(upstream), this.client, this.watchWait)
			.onEndpointsChanged(this::pruneActiveRequests)
			.start();
	}

	private void pruneActiveRequests() {
		Set<String> live = new HashSet<>();
		this.upstreams.values().forEach((endpoints) -> live.addAll(endpoints.endpointKeys()));
		this.activeRequests.retain(live);
	}

	/**
	 * Return the upstreams called so far, by name.
	 * @return the upstreams, a snapshot
	 */
	public Map<String, UpstreamEndpoints> snapshot() {
		return new TreeMap<>(this.upstreams);
	}

	@Override
	public void close() {
		this.upstreams.values().forEach(UpstreamEndpoints::close);
		this.upstreams.clear();
	}

}
