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

package io.meshnative.connect.agent.internal;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.meshnative.connect.discovery.internal.DiscoveryChainEvaluator;
import io.meshnative.connect.discovery.internal.LoadBalancingPolicies;
import io.meshnative.connect.discovery.internal.RouteRequest;
import io.meshnative.connect.discovery.internal.RoutingDecision;
import io.meshnative.connect.test.FakeConsulAgent;
import io.meshnative.connect.test.FakeResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests that the agent client reads answers in the shape newer Consul releases (1.17 to
 * 1.20, BUSL-licensed, not built by this project) return, served by a
 * {@link FakeConsulAgent}. The answers are <strong>written by hand</strong> from those
 * releases' HTTP API documentation (fields such as {@code Locality}, {@code PeerName},
 * {@code SamenessGroup}, {@code PrioritizeByLocality}, a failover {@code Policy},
 * {@code JWT} on intentions, {@code MutualTLSMode} and {@code RateLimits} on
 * service-defaults), plus a discovery-chain node type no release has: they are not
 * recordings of a running 1.17+ agent. Unknown fields must be ignored, routes through
 * known nodes must keep working, and a route that reaches an unknown node must fail
 * without choosing a destination.
 *
 * @author connect-spring-boot authors
 */
class NewerConsulAnswersTests {

	private static final String CHAIN = """
			{"Chain": {"ServiceName": "api", "Namespace": "default", "Partition": "default", "Datacenter": "dc1",
			"CustomizationHash": "", "Default": false, "Protocol": "http", "ServiceMeta": {},
			"EnvoyExtensions": [{"Name": "builtin/lua", "Required": false, "Arguments": {}}],
			"AutoVirtualIPs": ["240.0.0.1"], "ManualVirtualIPs": [],
			"StartNode": "router:api.default.default",
			"Nodes": {
			  "router:api.default.default": {"Type": "router", "Name": "api.default.default",
			    "Routes": [
			      {"Definition": {"Match": {"HTTP": {"PathPrefix": "/future", "Header": [{"Name": "x-v",
			        "Contains": "beta", "IgnoreCase": true}]}},
			        "Destination": {"Service": "api", "RetryOnStatusCodes": [503],
			        "RetryOn": ["reset", "retriable-headers"], "NewField": {"X": 1}}},
			        "NextNode": "future:api-grpc-gateway"},
			      {"Definition": {"Match": {"HTTP": {"PathPrefix": "/"}},
			        "Destination": {"Service": "api", "Namespace": "default", "Partition": "default",
			        "RequestTimeout": "2s", "IdleTimeout": "10s", "NumRetries": 1}},
			        "NextNode": "resolver:api.default.default.dc1"}]},
			  "future:api-grpc-gateway": {"Type": "grpc-gateway", "Name": "api-grpc-gateway",
			    "GatewayConfig": {"Mode": "transcode"}},
			  "resolver:api.default.default.dc1": {"Type": "resolver", "Name": "api.default.default.dc1",
			    "Resolver": {"ConnectTimeout": "5s", "RequestTimeout": "0s", "Target": "api.default.default.dc1",
			      "Default": false,
			      "Failover": {"Targets": ["api.default.default.dc2"],
			        "Policy": {"Mode": "order-by-locality", "Regions": ["us-east-1"]}, "Regions": ["us-east-1"]},
			      "PrioritizeByLocality": {"Mode": "failover"}},
			    "LoadBalancer": {"Policy": "round_robin", "HashPolicies": [], "NewTuning": 3},
			    "Locality": {"Region": "us-east-1", "Zone": "us-east-1a"}}},
			"Targets": {
			  "api.default.default.dc1": {"ID": "api.default.default.dc1", "Service": "api",
			    "Namespace": "default", "Partition": "default", "Datacenter": "dc1", "Peer": "",
			    "SamenessGroup": "", "Locality": {"Region": "us-east-1", "Zone": "us-east-1a"},
			    "MeshGateway": {"Mode": ""}, "Subset": {"Filter": "", "OnlyPassing": false},
			    "TransparentProxy": {"DialedDirectly": false}, "ConnectTimeout": "5s",
			    "SNI": "api.default.dc1.internal.abc.consul", "Name": "api.default.dc1.internal.abc.consul",
			    "PrioritizeByLocality": {"Mode": "failover"}},
			  "api.default.default.dc2": {"ID": "api.default.default.dc2", "Service": "api",
			    "Namespace": "default", "Partition": "default", "Datacenter": "dc2", "Peer": "",
			    "SamenessGroup": "group-a", "ConnectTimeout": "5s",
			    "SNI": "api.default.dc2.internal.abc.consul", "Name": "api.default.dc2.internal.abc.consul"}}}}
			""";

	private static final String HEALTH = """
			[{"Node": {"ID": "n1", "Node": "node-1", "Address": "10.0.0.1", "Datacenter": "dc1",
			  "Partition": "default", "PeerName": "", "Locality": {"Region": "us-east-1", "Zone": "us-east-1a"},
			  "TaggedAddresses": {"lan": "10.0.0.1"}, "Meta": {}},
			 "Service": {"Kind": "", "ID": "api-1", "Service": "api", "Tags": [], "Address": "10.0.0.1",
			  "Port": 8443, "Weights": {"Passing": 1, "Warning": 1}, "Namespace": "default", "Partition": "default",
			  "PeerName": "", "Locality": {"Region": "us-east-1", "Zone": "us-east-1a"},
			  "Connect": {"Native": true, "SidecarService": null}, "Meta": {"version": "v1"},
			  "TaggedAddresses": {"consul-virtual": {"Address": "240.0.0.1", "Port": 20000}}},
			 "Checks": [{"Node": "node-1", "CheckID": "serfHealth", "Name": "Serf Health Status",
			  "Status": "passing", "Output": "", "ServiceID": "", "ServiceName": "", "Type": "",
			  "ExposedPort": 0, "Partition": "default", "PeerName": "", "Namespace": "default"}]}]
			""";

	private static final String INTENTIONS = """
			{"api": [
			 {"ID": "i1", "SourceNS": "default", "SourceName": "web", "DestinationNS": "default",
			  "DestinationName": "api", "SourcePartition": "default", "DestinationPartition": "default",
			  "SourcePeer": "", "SourceSamenessGroup": "", "SourceType": "consul", "Action": "allow",
			  "Permissions": null, "Precedence": 9, "Meta": {},
			  "JWT": {"Providers": [{"Name": "okta", "VerifyClaims": [{"Path": ["aud"], "Value": "api"}]}]},
			  "CreateIndex": 10, "ModifyIndex": 10},
			 {"ID": "i2", "SourceNS": "default", "SourceName": "*", "DestinationNS": "default",
			  "DestinationName": "api", "SourceType": "consul", "Action": "",
			  "Permissions": [{"Action": "deny", "HTTP": {"PathPrefix": "/admin", "Header": [{"Name": "x-a",
			  "Contains": "b", "IgnoreCase": true}]}, "JWT": {"Providers": [{"Name": "okta"}]}}],
			  "Precedence": 8, "Meta": {}}]}
			""";

	private static final String SERVICE_DEFAULTS = """
			{"Kind": "service-defaults", "Name": "web", "Namespace": "default", "Partition": "default",
			 "Protocol": "http", "MutualTLSMode": "strict", "RateLimits": {"InstanceLevel": {"RequestsPerSecond": 5}},
			 "EnvoyExtensions": [], "Destination": null, "BalanceInboundConnections": "",
			 "UpstreamConfig": {"Defaults": {"ConnectTimeoutMs": 1000, "Limits": {"MaxConnections": 10},
			  "PassiveHealthCheck": {"Interval": 10000000000, "MaxFailures": 3, "EnforcingConsecutive5xx": 100,
			  "MaxEjectionPercent": 10, "BaseEjectionTime": 30000000000}, "BalanceOutboundConnections": ""}},
			 "CreateIndex": 5, "ModifyIndex": 5}
			""";

	private FakeConsulAgent agent;

	private ConsulAgentClient client;

	@BeforeEach
	void setUp() {
		this.agent = FakeConsulAgent.start();
		this.agent.setDispatcher((request) -> {
			String path = request.path();
			if (path.startsWith("/v1/discovery-chain/")) {
				return FakeResponse.json(CHAIN).index(7);
			}
			if (path.startsWith("/v1/health/connect/")) {
				return FakeResponse.json(HEALTH).index(7);
			}
			if (path.startsWith("/v1/connect/intentions/match")) {
				return FakeResponse.json(INTENTIONS).index(7);
			}
			if (path.startsWith("/v1/config/service-defaults/")) {
				return FakeResponse.json(SERVICE_DEFAULTS).index(7);
			}
			if (path.startsWith("/v1/agent/connect/authorize")) {
				return FakeResponse
					.json("{\"Authorized\": true, \"Reason\": \"Matched L4 intention\"," + " \"NewField\": [1, 2]}");
			}
			return null;
		});
		this.client = ConsulAgentClient.builder(URI.create(this.agent.getHttpAddress()))
			.requestTimeout(Duration.ofSeconds(5))
			.build();
	}

	@AfterEach
	void tearDown() {
		this.client.close();
		this.agent.close();
	}

	@Test
	void chainWithNewerFieldsAndAnUnknownNodeTypeRoutesThroughTheNodesItKnows() {
		DiscoveryChain chain = this.client.getDiscoveryChain("api");
		assertThat(chain.nodes()).containsKey("future:api-grpc-gateway");
		assertThat(chain.targets().get("api.default.default.dc1").datacenter()).isEqualTo("dc1");
		DiscoveryChainEvaluator evaluator = new DiscoveryChainEvaluator();
		RoutingDecision decision = evaluator.evaluate(chain, RouteRequest.of("GET", "/orders"), 0);
		assertThat(decision.targets()).extracting(DiscoveryChain.Target::id)
			.containsExactly("api.default.default.dc1", "api.default.default.dc2");
		assertThat(decision.requestTimeout()).isEqualTo(Duration.ofSeconds(2));
		assertThatIllegalStateException()
			.isThrownBy(
					() -> evaluator.evaluate(chain, RouteRequest.of("GET", "/future/x").withHeader("x-v", "beta"), 0))
			.withMessageContaining("node 'future:api-grpc-gateway' has unknown type 'grpc-gateway'");
	}

	@Test
	void loadBalancerPolicyItDoesNotKnowFailsInsteadOfFallingBackSilently() {
		DiscoveryChain.LoadBalancer future = AgentJson.read("{\"Policy\": \"weighted_maglev\", \"NewTuning\": 1}",
				DiscoveryChain.LoadBalancer.class);
		assertThatIllegalArgumentException().isThrownBy(() -> LoadBalancingPolicies.forSettings(future))
			.withMessageContaining("Unknown load-balancer policy 'weighted_maglev'");
	}

	@Test
	void healthWithLocalityAndPeerFieldsIsRead() {
		List<ServiceHealth> health = this.client.query(AgentQuery.connectHealth("api", true, null, null)).value();
		assertThat(health).singleElement().satisfies((entry) -> {
			assertThat(entry.service().address()).isEqualTo("10.0.0.1");
			assertThat(entry.service().port()).isEqualTo(8443);
			assertThat(entry.checks()).singleElement()
				.satisfies((check) -> assertThat(check.status()).isEqualTo("passing"));
		});
	}

	@Test
	void intentionsWithJwtAndSamenessGroupsAreReadWithTheirJwtRequirements() {
		Map<String, List<Intention>> intentions = this.client.query(AgentQuery.intentionMatch("destination", "api"))
			.value();
		assertThat(intentions.get("api")).hasSize(2);
		Intention jwt = intentions.get("api").get(0);
		assertThat(jwt.action()).isEqualTo("allow");
		assertThat(jwt.jwt()).as("kept, so that IntentionRules denies callers it cannot verify").isNotEmpty();
		Intention.Permission permission = intentions.get("api").get(1).permissions().get(0);
		assertThat(permission.jwt()).isNotEmpty();
		assertThat(permission.http().header().get(0).contains()).isEqualTo("b");
	}

	@Test
	void serviceDefaultsWithNewerFieldsAreRead() {
		Optional<ServiceDefaults> entry = this.client.query(AgentQuery.serviceDefaults("web", null, null)).value();
		assertThat(entry).hasValueSatisfying((defaults) -> {
			assertThat(defaults.upstreamConfig().defaults().limits().maxConnections()).isEqualTo(10);
			assertThat(defaults.upstreamConfig().defaults().passiveHealthCheck().maxFailures()).isEqualTo(3);
		});
	}

	@Test
	void authorizeAnswerWithNewerFieldsIsRead() {
		AuthorizeResult result = this.client
			.authorize(new AuthorizeRequest("api", "spiffe://abc.consul/ns/default/dc/dc1/svc/web", null));
		assertThat(result.authorized()).isTrue();
	}

}
