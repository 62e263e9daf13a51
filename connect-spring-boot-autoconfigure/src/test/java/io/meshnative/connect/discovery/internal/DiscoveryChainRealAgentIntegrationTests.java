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

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.DiscoveryChain;
import io.meshnative.connect.autoconfigure.TestConsulAgentConnectionDetails;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link DiscoveryChainEvaluator} with a chain compiled by a real Consul agent.
 *
 * @author connect-spring-boot authors
 */
class DiscoveryChainRealAgentIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private final DiscoveryChainEvaluator evaluator = new DiscoveryChainEvaluator();

	@Test
	void routesSplitsAndResolvesAChainCompiledByConsul() {
		String service = "api";
		try (ConsulAgentClient client = TestConsulAgentConnectionDetails.of(consul).createClient()) {
			try {
				consul.getOperator()
					.putConfigEntry(Map.of("Kind", "service-defaults", "Name", service, "Protocol", "http"));
				consul.getOperator()
					.putConfigEntry(Map.of("Kind", "service-resolver", "Name", service, "DefaultSubset", "v1",
							"ConnectTimeout", "3s", "RequestTimeout", "7s", "Subsets",
							Map.of("v1", Map.of("Filter", "Service.Meta.version == v1"), "v2",
									Map.of("Filter", "Service.Meta.version == v2")),
							"LoadBalancer", Map.of("Policy", "ring_hash", "HashPolicies",
									List.of(Map.of("Field", "header", "FieldValue", "x-user")))));
				consul.getOperator()
					.putConfigEntry(Map.of("Kind", "service-splitter", "Name", service, "Splits",
							List.of(Map.of("Weight", 80, "ServiceSubset", "v1"), Map.of("Weight", 20, "ServiceSubset",
									"v2", "RequestHeaders", Map.of("Set", Map.of("x-split", "v2"))))));
				consul.getOperator()
					.putConfigEntry(Map.of("Kind", "service-router", "Name", service, "Routes", List.of(
							Map.of("Match", Map.of("HTTP", Map.of("PathPrefix", "/admin")), "Destination",
									Map.of("PrefixRewrite", "/", "NumRetries", 2, "RetryOnConnectFailure", true,
											"RequestTimeout", "2s")),
							Map.of("Match",
									Map.of("HTTP",
											Map.of("Header", List.of(Map.of("Name", "x-canary", "Exact", "true")))),
									"Destination", Map.of("ServiceSubset", "v2")))));
				DiscoveryChain chain = client.getDiscoveryChain(service);
				assertThat(chain.nodes().get(chain.startNode()).type()).isEqualTo("router");

				RouteRequest plain = RouteRequest.of("GET", "/orders");
				assertThat(subset(chain, plain, 0)).isEqualTo("v1");
				assertThat(subset(chain, plain, 79.99)).isEqualTo("v1");
				assertThat(subset(chain, plain, 80)).isEqualTo("v2");
				assertThat(subset(chain, plain, 99.99)).isEqualTo("v2");

				RoutingDecision split = this.evaluator.evaluate(chain, plain, 90);
				assertThat(split.rewrittenPath()).isNull();
				assertThat(split.retryPolicy()).isEqualTo(RetryPolicy.NONE);
				assertThat(split.requestTimeout()).isEqualTo(Duration.ofSeconds(7));
				assertThat(split.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
				assertThat(split.requestHeaderModifiers()).singleElement()
					.satisfies((modifiers) -> assertThat(modifiers.set()).containsEntry("x-split", "v2"));
				assertThat(split.loadBalancer()).isNotNull();
				assertThat(split.loadBalancer().policy()).isEqualTo("ring_hash");
				assertThat(split.loadBalancer().hashPolicies()).singleElement()
					.satisfies((policy) -> assertThat(policy.fieldValue()).isEqualTo("x-user"));

				RoutingDecision admin = this.evaluator.evaluate(chain, RouteRequest.of("POST", "/admin/x"), 0);
				assertThat(admin.rewrittenPath()).isEqualTo("/x");
				assertThat(admin.retryPolicy().numRetries()).isEqualTo(2);
				assertThat(admin.retryPolicy().retryOnConnectFailure()).isTrue();
				assertThat(admin.requestTimeout()).isEqualTo(Duration.ofSeconds(2));
				assertThat(admin.primaryTarget().serviceSubset()).isEqualTo("v1");
				assertThat(subset(chain, RouteRequest.of("GET", "/admin/x"), 99)).isEqualTo("v2");

				RouteRequest canary = RouteRequest.of("GET", "/orders").withHeader("X-Canary", "true");
				RoutingDecision canaryDecision = this.evaluator.evaluate(chain, canary, 0);
				assertThat(canaryDecision.primaryTarget().serviceSubset()).isEqualTo("v2");
				assertThat(canaryDecision.primaryTarget().subset().filter()).isEqualTo("Service.Meta.version == v2");
				assertThat(canaryDecision.requestHeaderModifiers()).isEmpty();
				assertThat(subset(chain, plain.withHeader("x-canary", "false"), 0)).isEqualTo("v1");
			}
			finally {
				for (String kind : List.of("service-router", "service-splitter", "service-resolver",
						"service-defaults")) {
					consul.getOperator().deleteConfigEntry(kind, service);
				}
			}
		}
	}

	private String subset(DiscoveryChain chain, RouteRequest request, double roll) {
		return this.evaluator.evaluate(chain, request, roll).primaryTarget().serviceSubset();
	}

}
