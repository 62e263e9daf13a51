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

package io.meshnative.connect.benchmarks.micro;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.meshnative.connect.agent.internal.DiscoveryChain;
import io.meshnative.connect.discovery.internal.Endpoint;
import io.meshnative.connect.discovery.internal.LoadBalancingPolicies;
import io.meshnative.connect.discovery.internal.LoadBalancingPolicy;
import io.meshnative.connect.discovery.internal.RouteRequest;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One load-balancer pick among 8 endpoints for each policy, hash policies hashing a
 * header. {@code pick} passes the same endpoint list every time; {@code pickNewList}
 * passes an equal but new list per call, as a caller that copies the healthy endpoints
 * per request does.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LoadBalancerBenchmark {

	/**
	 * The policy.
	 */
	@Param({ "round_robin", "random", "least_request", "ring_hash", "maglev" })
	public String policyName = "round_robin";

	private final List<Endpoint> endpoints = endpoints(8);

	private final RouteRequest request = RouteRequest.of("GET", "/orders/42").withHeader("x-user-id", "u-1234");

	private LoadBalancingPolicy policy = LoadBalancingPolicies.roundRobin();

	/**
	 * Create the policy.
	 */
	@Setup
	public void createPolicy() {
		List<DiscoveryChain.HashPolicy> hash = List
			.of(new DiscoveryChain.HashPolicy("header", "x-user-id", null, false, false));
		this.policy = LoadBalancingPolicies.forSettings(new DiscoveryChain.LoadBalancer(this.policyName, null, null,
				(this.policyName.endsWith("hash") || this.policyName.equals("maglev")) ? hash
						: Collections.emptyList()));
	}

	/**
	 * Pick from the same list.
	 * @return the endpoint
	 */
	@Benchmark
	public Endpoint pick() {
		return choose(this.endpoints);
	}

	/**
	 * Pick from a new, equal list.
	 * @return the endpoint
	 */
	@Benchmark
	public Endpoint pickNewList() {
		return choose(new ArrayList<>(this.endpoints));
	}

	private Endpoint choose(List<Endpoint> candidates) {
		Endpoint endpoint = this.policy.choose(candidates, this.request, (candidate) -> candidate.port() % 3);
		if (endpoint == null) {
			throw new IllegalStateException("No endpoint");
		}
		return endpoint;
	}

	static List<Endpoint> endpoints(int count) {
		List<Endpoint> endpoints = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			endpoints.add(new Endpoint("10.0.0." + (i + 10), 20000 + i, "api-" + i, Map.of("version", "v1")));
		}
		return List.copyOf(endpoints);
	}

}
