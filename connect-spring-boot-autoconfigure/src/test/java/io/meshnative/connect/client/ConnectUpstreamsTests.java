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

import java.time.Duration;
import java.util.Collections;
import java.util.List;

import io.meshnative.connect.agent.internal.DiscoveryChain;
import io.meshnative.connect.client.internal.UpstreamSettings;
import io.meshnative.connect.discovery.internal.RetryPolicy;
import io.meshnative.connect.discovery.internal.RoutingDecision;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ConnectUpstreams}: how per-upstream settings change a routing
 * decision.
 *
 * @author connect-spring-boot authors
 */
class ConnectUpstreamsTests {

	private static final DiscoveryChain.Target TARGET = new DiscoveryChain.Target("api.default.default.dc1", "api", "",
			"default", "default", "dc1", "", null, null, "", "");

	private static final DiscoveryChain.HashPolicy BY_USER = new DiscoveryChain.HashPolicy("header", "x-user", null,
			false, false);

	@Test
	void noSettingsLeaveTheDecisionAlone() {
		RoutingDecision decision = decision(Duration.ofSeconds(2), Duration.ofSeconds(1), null);
		assertThat(ConnectUpstreams.withSettings(decision, UpstreamSettings.NONE)).isSameAs(decision);
	}

	@Test
	void connectTimeoutOverridesTheResolvers() {
		RoutingDecision decision = decision(null, Duration.ofSeconds(5), null);
		RoutingDecision changed = ConnectUpstreams.withSettings(decision,
				new UpstreamSettings(null, null, null, Duration.ofMillis(250), null, null));
		assertThat(changed.connectTimeout()).isEqualTo(Duration.ofMillis(250));
		assertThat(changed.targets()).isEqualTo(decision.targets());
	}

	@Test
	void requestTimeoutFillsInOnlyWhenTheChainSetsNone() {
		UpstreamSettings settings = new UpstreamSettings(null, null, null, null, Duration.ofSeconds(3), null);
		assertThat(ConnectUpstreams.withSettings(decision(null, null, null), settings).requestTimeout())
			.isEqualTo(Duration.ofSeconds(3));
		assertThat(
				ConnectUpstreams.withSettings(decision(Duration.ofMillis(300), null, null), settings).requestTimeout())
			.isEqualTo(Duration.ofMillis(300));
	}

	@Test
	void loadBalancerPolicyOverridesTheResolversAndKeepsItsHashPolicies() {
		DiscoveryChain.LoadBalancer maglev = new DiscoveryChain.LoadBalancer("maglev", null, null, List.of(BY_USER));
		UpstreamSettings settings = new UpstreamSettings(null, null, null, null, null, "ring_hash");
		DiscoveryChain.LoadBalancer changed = ConnectUpstreams.withSettings(decision(null, null, maglev), settings)
			.loadBalancer();
		assertThat(changed).isNotNull();
		assertThat(changed.policy()).isEqualTo("ring_hash");
		assertThat(changed.hashPolicies()).containsExactly(BY_USER);
		DiscoveryChain.LoadBalancer fromNothing = ConnectUpstreams
			.withSettings(decision(null, null, null),
					new UpstreamSettings(null, null, null, null, null, "least_request"))
			.loadBalancer();
		assertThat(fromNothing).isNotNull();
		assertThat(fromNothing.policy()).isEqualTo("least_request");
		assertThat(fromNothing.hashPolicies()).isEmpty();
	}

	private static RoutingDecision decision(@Nullable Duration requestTimeout, @Nullable Duration connectTimeout,
			DiscoveryChain.@Nullable LoadBalancer loadBalancer) {
		return new RoutingDecision(List.of(TARGET), null, requestTimeout, connectTimeout, RetryPolicy.NONE,
				Collections.emptyList(), Collections.emptyList(), loadBalancer);
	}

}
