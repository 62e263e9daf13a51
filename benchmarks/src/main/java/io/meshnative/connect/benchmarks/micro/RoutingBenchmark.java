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

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.meshnative.connect.agent.internal.AgentJson;
import io.meshnative.connect.agent.internal.DiscoveryChain;
import io.meshnative.connect.discovery.internal.DiscoveryChainEvaluator;
import io.meshnative.connect.discovery.internal.Endpoint;
import io.meshnative.connect.discovery.internal.LoadBalancingPolicies;
import io.meshnative.connect.discovery.internal.LoadBalancingPolicy;
import io.meshnative.connect.discovery.internal.RouteRequest;
import io.meshnative.connect.discovery.internal.RoutingDecision;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Discovery-chain evaluation for a request that passes a router with three routes (path
 * prefix, header match, catch-all) and a 90/10 splitter to a subset resolver, alone and
 * followed by the resolver's load-balancer pick among 8 endpoints.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RoutingBenchmark {

	private final DiscoveryChain chain = AgentJson.read(resource("chain.json"), DiscoveryChain.class);

	private final DiscoveryChainEvaluator evaluator = new DiscoveryChainEvaluator();

	private final RouteRequest request = new RouteRequest("GET", "/orders/42",
			Map.of("Accept", List.of("application/json"), "X-User-Id", List.of("u-1234")), Collections.emptyMap(),
			"10.0.0.7");

	private final List<Endpoint> endpoints = LoadBalancerBenchmark.endpoints(8);

	private final LoadBalancingPolicy policy;

	private double roll;

	/**
	 * Create the state and check that the request takes the split.
	 */
	public RoutingBenchmark() {
		RoutingDecision decision = this.evaluator.evaluate(this.chain, this.request, 50);
		if (!decision.primaryTarget().id().equals("v1.api.default.default.dc1")) {
			throw new IllegalStateException("Unexpected target " + decision.primaryTarget().id());
		}
		this.policy = LoadBalancingPolicies.forSettings(decision.loadBalancer());
	}

	/**
	 * Evaluate the chain.
	 * @return the decision
	 */
	@Benchmark
	public RoutingDecision evaluate() {
		return this.evaluator.evaluate(this.chain, this.request, nextRoll());
	}

	/**
	 * Evaluate the chain, then pick an endpoint with the resolver's policy.
	 * @return the endpoint
	 */
	@Benchmark
	public Endpoint evaluateAndPick() {
		RoutingDecision decision = this.evaluator.evaluate(this.chain, this.request, nextRoll());
		Endpoint endpoint = this.policy.choose(new ArrayList<>(this.endpoints), this.request, (candidate) -> 0);
		if (endpoint == null || decision.targets().isEmpty()) {
			throw new IllegalStateException("No endpoint");
		}
		return endpoint;
	}

	private double nextRoll() {
		this.roll = (this.roll + 7.3) % 100;
		return this.roll;
	}

	static String resource(String name) {
		try (InputStream in = RoutingBenchmark.class.getResourceAsStream(name)) {
			if (in == null) {
				throw new IllegalStateException("Missing resource " + name);
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
