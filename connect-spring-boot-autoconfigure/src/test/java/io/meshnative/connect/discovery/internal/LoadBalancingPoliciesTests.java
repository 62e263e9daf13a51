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

package io.meshnative.connect.discovery.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.ToIntFunction;

import io.meshnative.connect.agent.internal.DiscoveryChain.HashPolicy;
import io.meshnative.connect.agent.internal.DiscoveryChain.LeastRequestConfig;
import io.meshnative.connect.agent.internal.DiscoveryChain.LoadBalancer;
import io.meshnative.connect.agent.internal.DiscoveryChain.RingHashConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link LoadBalancingPolicies}.
 *
 * @author connect-spring-boot authors
 */
class LoadBalancingPoliciesTests {

	private static final Endpoint A = endpoint(1);

	private static final Endpoint B = endpoint(2);

	private static final Endpoint C = endpoint(3);

	private static final List<Endpoint> ENDPOINTS = List.of(A, B, C);

	private static final ToIntFunction<Endpoint> IDLE = (endpoint) -> 0;

	private static final RouteRequest GET = RouteRequest.of("GET", "/");

	private static final HashPolicy USER_HEADER = new HashPolicy("header", "x-user", null, false, false);

	@Test
	void defaultPolicyIsRoundRobinAndItIsExactlyEven() {
		for (LoadBalancingPolicy policy : List.of(LoadBalancingPolicies.forSettings(null),
				LoadBalancingPolicies.forSettings(new LoadBalancer("", null, null, null)),
				LoadBalancingPolicies.forSettings(new LoadBalancer("round_robin", null, null, null)))) {
			Map<Endpoint, Integer> counts = new HashMap<>();
			for (int i = 0; i < 3 * 100; i++) {
				counts.merge(policy.choose(ENDPOINTS, GET, IDLE), 1, Integer::sum);
			}
			assertThat(counts).containsOnly(Map.entry(A, 100), Map.entry(B, 100), Map.entry(C, 100));
		}
	}

	@Test
	void roundRobinCyclesInListOrder() {
		LoadBalancingPolicy policy = LoadBalancingPolicies.roundRobin();
		assertThat(List.of(pick(policy, GET), pick(policy, GET), pick(policy, GET), pick(policy, GET)))
			.containsExactly(A, B, C, A);
	}

	@Test
	void roundRobinIsExactlyEvenAcrossThreads() throws Exception {
		LoadBalancingPolicy policy = LoadBalancingPolicies.roundRobin();
		ExecutorService executor = Executors.newFixedThreadPool(4);
		try {
			List<Future<Map<Endpoint, Integer>>> results = new ArrayList<>();
			for (int thread = 0; thread < 4; thread++) {
				results.add(executor.submit(() -> {
					Map<Endpoint, Integer> counts = new HashMap<>();
					for (int i = 0; i < 300; i++) {
						counts.merge(pick(policy, GET), 1, Integer::sum);
					}
					return counts;
				}));
			}
			Map<Endpoint, Integer> totals = new HashMap<>();
			for (Future<Map<Endpoint, Integer>> result : results) {
				result.get().forEach((endpoint, count) -> totals.merge(endpoint, count, Integer::sum));
			}
			assertThat(totals).containsOnly(Map.entry(A, 400), Map.entry(B, 400), Map.entry(C, 400));
		}
		finally {
			executor.shutdownNow();
		}
	}

	@Test
	void randomHitsEveryEndpoint() {
		LoadBalancingPolicy policy = LoadBalancingPolicies.forSettings(new LoadBalancer("random", null, null, null));
		Set<Endpoint> seen = new HashSet<>();
		for (int i = 0; i < 300; i++) {
			seen.add(pick(policy, GET));
		}
		assertThat(seen).containsExactlyInAnyOrder(A, B, C);
	}

	@Test
	void leastRequestPrefersAnIdleEndpoint() {
		LoadBalancingPolicy policy = LoadBalancingPolicies
			.forSettings(new LoadBalancer("least_request", null, new LeastRequestConfig(2), null));
		List<Endpoint> endpoints = List.of(A, B);
		ToIntFunction<Endpoint> active = (endpoint) -> endpoint.equals(B) ? 10 : 0;
		int idle = 0;
		for (int i = 0; i < 1000; i++) {
			if (A.equals(policy.choose(endpoints, GET, active))) {
				idle++;
			}
		}
		assertThat(idle).isGreaterThan(700);
	}

	@Test
	void leastRequestWithMoreEndpointsThanChoicesStillAvoidsTheBusiestEndpoint() {
		LoadBalancingPolicy policy = LoadBalancingPolicies.leastRequest(0);
		ToIntFunction<Endpoint> active = (endpoint) -> endpoint.equals(C) ? 10 : 0;
		Set<Endpoint> seen = new HashSet<>();
		for (int i = 0; i < 300; i++) {
			seen.add(policy.choose(ENDPOINTS, GET, active));
		}
		assertThat(seen).containsExactlyInAnyOrder(A, B);
	}

	@Test
	void unknownPolicyIsRejected() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> LoadBalancingPolicies.forSettings(new LoadBalancer("fastest", null, null, null)))
			.withMessageContaining("'fastest'");
	}

	@Test
	void emptyEndpointListGivesNullForEveryPolicy() {
		for (String name : List.of("", "round_robin", "random", "least_request", "ring_hash", "maglev")) {
			LoadBalancingPolicy policy = LoadBalancingPolicies
				.forSettings(new LoadBalancer(name, null, null, List.of(USER_HEADER)));
			assertThat(policy.choose(Collections.emptyList(), GET.withHeader("x-user", "u"), IDLE)).as(name).isNull();
		}
	}

	@Test
	void ringHashMapsTheSameHeaderValueToTheSameEndpoint() {
		assertStickyAndSpread(ringHash(USER_HEADER), (value) -> GET.withHeader("X-User", value));
	}

	@Test
	void ringHashWithRingSizeSettingsIsSticky() {
		LoadBalancingPolicy policy = LoadBalancingPolicies
			.forSettings(new LoadBalancer("ring_hash", new RingHashConfig(64, 128), null, List.of(USER_HEADER)));
		assertStickyAndSpread(policy, (value) -> GET.withHeader("x-user", value));
	}

	@Test
	void ringHashKeepsMostKeysWhenAnEndpointIsRemoved() {
		assertMostKeysStay(ringHash(USER_HEADER));
	}

	@Test
	void ringHashOnACookie() {
		HashPolicy cookie = new HashPolicy("cookie", "session", null, false, false);
		assertStickyAndSpread(ringHash(cookie),
				(value) -> GET.withHeader("Cookie", "theme=dark; session=" + value + "; lang=" + value.length()));
	}

	@Test
	void cookieHeaderNameIsCaseInsensitive() {
		LoadBalancingPolicy policy = ringHash(new HashPolicy("cookie", "session", null, false, false));
		assertThat(pick(policy, GET.withHeader("cookie", "session=abc")))
			.isEqualTo(pick(policy, GET.withHeader("COOKIE", "other=1;session=abc")));
	}

	@Test
	void ringHashOnAQueryParameter() {
		HashPolicy query = new HashPolicy("query_parameter", "tenant", null, false, false);
		assertStickyAndSpread(ringHash(query), (value) -> GET.withQueryParameter("tenant", value));
	}

	@Test
	void ringHashOnTheSourceIp() {
		HashPolicy sourceIp = new HashPolicy(null, null, null, true, false);
		assertStickyAndSpread(ringHash(sourceIp), (value) -> GET.withSourceIp("10.1." + value.length() + "." + value));
	}

	@Test
	void requestWithoutAHashValueGetsARandomEndpoint() {
		LoadBalancingPolicy policy = ringHash(USER_HEADER);
		Set<Endpoint> seen = new HashSet<>();
		for (int i = 0; i < 300; i++) {
			seen.add(pick(policy, GET.withHeader("x-other", "same")));
		}
		assertThat(seen).containsExactlyInAnyOrder(A, B, C);
	}

	@Test
	void hashPoliciesCombineInOrderAndStopAfterATerminalPolicyWithAValue() {
		HashPolicy tenant = new HashPolicy("header", "x-tenant", null, false, false);
		HashPolicy terminalUser = new HashPolicy("header", "x-user", null, false, true);
		RouteRequest u1 = GET.withHeader("x-user", "u1").withHeader("x-tenant", "t1");
		RouteRequest u1OtherTenant = GET.withHeader("x-user", "u1").withHeader("x-tenant", "t2");
		assertThat(LoadBalancingPolicies.requestHash(List.of(USER_HEADER, tenant), u1))
			.isNotEqualTo(LoadBalancingPolicies.requestHash(List.of(USER_HEADER, tenant), u1OtherTenant));
		assertThat(LoadBalancingPolicies.requestHash(List.of(terminalUser, tenant), u1))
			.isEqualTo(LoadBalancingPolicies.requestHash(List.of(terminalUser, tenant), u1OtherTenant))
			.isEqualTo(LoadBalancingPolicies.requestHash(List.of(terminalUser), u1));
		RouteRequest noUser = GET.withHeader("x-tenant", "t1");
		assertThat(LoadBalancingPolicies.requestHash(List.of(terminalUser, tenant), noUser))
			.as("a terminal policy without a value does not stop")
			.isEqualTo(LoadBalancingPolicies.requestHash(List.of(tenant), noUser));
		assertThat(LoadBalancingPolicies.requestHash(List.of(terminalUser, tenant), GET)).isNull();
	}

	@Test
	void maglevIsStickySpreadsAndKeepsMostKeys() {
		LoadBalancingPolicy policy = LoadBalancingPolicies
			.forSettings(new LoadBalancer("maglev", null, null, List.of(USER_HEADER)));
		assertStickyAndSpread(policy, (value) -> GET.withHeader("x-user", value));
		assertMostKeysStay(LoadBalancingPolicies.maglev(List.of(USER_HEADER)));
	}

	@Test
	void hashPoliciesFollowAListChangedInPlace() {
		List<Endpoint> replacements = List.of(endpoint(4), endpoint(5), endpoint(6));
		for (LoadBalancingPolicy policy : List.of(ringHash(USER_HEADER),
				LoadBalancingPolicies.maglev(List.of(USER_HEADER)))) {
			List<Endpoint> endpoints = new ArrayList<>(ENDPOINTS);
			assertThat(policy.choose(endpoints, GET.withHeader("x-user", "user-1"), IDLE)).isIn(ENDPOINTS);
			for (int i = 0; i < endpoints.size(); i++) {
				endpoints.set(i, replacements.get(i));
			}
			for (int i = 0; i < 50; i++) {
				assertThat(policy.choose(endpoints, GET.withHeader("x-user", "user-" + i), IDLE)).as(policy.toString())
					.isIn(replacements);
			}
		}
	}

	private void assertStickyAndSpread(LoadBalancingPolicy policy, Function<String, RouteRequest> request) {
		Endpoint first = pick(policy, request.apply("user-42"));
		for (int i = 0; i < 50; i++) {
			assertThat(pick(policy, request.apply("user-42"))).isEqualTo(first);
		}
		assertThat(policy.choose(List.copyOf(ENDPOINTS), request.apply("user-42"), IDLE))
			.as("same endpoints in a new list")
			.isEqualTo(first);
		Set<Endpoint> seen = new HashSet<>();
		for (int i = 0; i < 200; i++) {
			seen.add(pick(policy, request.apply("user-" + i)));
		}
		assertThat(seen).containsExactlyInAnyOrder(A, B, C);
	}

	private void assertMostKeysStay(LoadBalancingPolicy policy) {
		List<Endpoint> remaining = List.of(A, B);
		int kept = 0;
		int candidates = 0;
		for (int i = 0; i < 200; i++) {
			RouteRequest request = GET.withHeader("x-user", "user-" + i);
			Endpoint before = policy.choose(ENDPOINTS, request, IDLE);
			Endpoint after = policy.choose(remaining, request, IDLE);
			assertThat(after).isIn(A, B);
			if (!C.equals(before)) {
				candidates++;
				if (before.equals(after)) {
					kept++;
				}
			}
		}
		assertThat(candidates).isPositive();
		assertThat(kept).isGreaterThanOrEqualTo((candidates + 1) / 2);
	}

	private static Endpoint pick(LoadBalancingPolicy policy, RouteRequest request) {
		return policy.choose(ENDPOINTS, request, IDLE);
	}

	private static LoadBalancingPolicy ringHash(HashPolicy hashPolicy) {
		return LoadBalancingPolicies.forSettings(new LoadBalancer("ring_hash", null, null, List.of(hashPolicy)));
	}

	private static Endpoint endpoint(int number) {
		return new Endpoint("10.0.0." + number, 8080, "api-" + number, Map.of("version", "v1"));
	}

}
