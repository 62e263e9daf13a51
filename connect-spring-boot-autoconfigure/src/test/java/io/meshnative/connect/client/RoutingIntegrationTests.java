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

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ServiceRegistration;
import io.meshnative.connect.autoconfigure.InboundTestApplications;
import io.meshnative.connect.autoconfigure.MeshApplications;
import io.meshnative.connect.autoconfigure.TestConsulAgentConnectionDetails;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.identity.SpiffeId;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultRequest;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * End-to-end routing through discovery chains written to a real agent: a weighted split
 * between subsets, a router that rewrites a prefix to another service, retries on a
 * status code, and resolver failover.
 *
 * @author connect-spring-boot authors
 */
class RoutingIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private static ConsulAgentClient client;

	private static ConfigurableApplicationContext v1;

	private static ConfigurableApplicationContext v2;

	private static ConfigurableApplicationContext admin;

	private static ConfigurableApplicationContext frontend;

	private static final List<ConfigurableApplicationContext> extra = new ArrayList<>();

	@BeforeAll
	static void startServices() {
		client = TestConsulAgentConnectionDetails.client(consul);
		v1 = start(Versioned.class, WebApplicationType.REACTIVE, "route-api", "v1");
		v2 = start(Versioned.class, WebApplicationType.REACTIVE, "route-api", "v2");
		admin = start(Versioned.class, WebApplicationType.REACTIVE, "route-admin", "admin");
		frontend = start(Caller.class, WebApplicationType.NONE, "route-frontend", "none");
		register("route-api-v1", "route-api", MeshApplications.port(v1), "v1");
		register("route-api-v2", "route-api", MeshApplications.port(v2), "v2");
		register("route-admin-1", "route-admin", MeshApplications.port(admin), "admin");
		for (String service : List.of("route-api", "route-admin", "route-fail")) {
			consul.getOperator()
				.putConfigEntry(Map.of("Kind", "service-defaults", "Name", service, "Protocol", "http"));
		}
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-resolver", "Name", "route-api", "Subsets",
					Map.of("v1", Map.of("Filter", "Service.Meta.version == v1"), "v2",
							Map.of("Filter", "Service.Meta.version == v2"))));
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-splitter", "Name", "route-api", "Splits",
					List.of(Map.of("Weight", 80, "ServiceSubset", "v1"), Map.of("Weight", 20, "ServiceSubset", "v2"))));
		Map<String, Object> adminRoute = Map.of("Match", Map.of("HTTP", Map.of("PathPrefix", "/admin/")), "Destination",
				Map.of("Service", "route-admin", "PrefixRewrite", "/"));
		Map<String, Object> flakyRoute = Map.of("Match", Map.of("HTTP", Map.of("PathPrefix", "/flaky")), "Destination",
				Map.of("ServiceSubset", "v1", "NumRetries", 3, "RetryOnStatusCodes", List.of(503)));
		Map<String, Object> slowRoute = Map.of("Match", Map.of("HTTP", Map.of("PathPrefix", "/slow")), "Destination",
				Map.of("ServiceSubset", "v1", "RequestTimeout", "300ms"));
		Map<String, Object> canaryRoute = Map.of("Match",
				Map.of("HTTP", Map.of("Header", List.of(Map.of("Name", "x-canary", "Exact", "yes")))), "Destination",
				Map.of("ServiceSubset", "v2"));
		Map<String, Object> deleteRoute = Map.of("Match", Map.of("HTTP", Map.of("Methods", List.of("DELETE"))),
				"Destination", Map.of("Service", "route-admin"));
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-router", "Name", "route-api", "Routes",
					List.of(adminRoute, flakyRoute, slowRoute, canaryRoute, deleteRoute)));
		consul.getOperator()
			.putConfigEntry(
					Map.of("Kind", "service-resolver", "Name", "route-lb", "Redirect", Map.of("Service", "route-rr")));
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-resolver", "Name", "route-lr", "LoadBalancer",
					Map.of("Policy", "least_request", "LeastRequestConfig", Map.of("ChoiceCount", 2))));
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-resolver", "Name", "route-rh", "LoadBalancer", Map.of("Policy",
					"ring_hash", "HashPolicies", List.of(Map.of("Field", "header", "FieldValue", "x-user")))));
		for (String service : List.of("route-rr", "route-lr", "route-rh")) {
			for (String version : List.of("v1", "v2")) {
				ConfigurableApplicationContext app = start(Versioned.class, WebApplicationType.REACTIVE, service,
						version);
				extra.add(app);
				register(service + "-" + version, service, MeshApplications.port(app), version);
			}
		}
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-resolver", "Name", "route-fail", "Failover",
					Map.of("*", Map.of("Service", "route-admin"))));
	}

	@AfterAll
	static void stopServices() {
		for (String kind : List.of("service-router", "service-splitter", "service-resolver")) {
			consul.getOperator().deleteConfigEntry(kind, "route-api");
		}
		consul.getOperator().deleteConfigEntry("service-resolver", "route-fail");
		consul.getOperator().deleteConfigEntry("service-resolver", "route-lb");
		consul.getOperator().deleteConfigEntry("service-resolver", "route-lr");
		consul.getOperator().deleteConfigEntry("service-resolver", "route-rh");
		extra.forEach(ConfigurableApplicationContext::close);
		for (ConfigurableApplicationContext context : List.of(frontend, admin, v2, v1)) {
			context.close();
		}
	}

	@Test
	void splitsEightyTwentyBetweenSubsetsWithinFourPoints() {
		RestClient api = restClient("route-api");
		int calls = 2000;
		int toV1 = 0;
		for (int i = 0; i < calls; i++) {
			String version = api.get().uri("/version").retrieve().body(String.class);
			if ("v1".equals(version)) {
				toV1++;
			}
			else {
				assertThat(version).isEqualTo("v2");
			}
		}
		double share = 100.0 * toV1 / calls;
		System.out.println("[measure] split: " + share + "% of " + calls + " calls went to v1 (expected 80%)");
		assertThat(share).isBetween(76.0, 84.0);
	}

	@Test
	void routerRewritesThePrefixToAnotherService() {
		assertThat(restClient("route-api").get().uri("/admin/version").retrieve().body(String.class))
			.isEqualTo("admin");
	}

	@Test
	void retriesOnTheRoutesStatusCodes() {
		AtomicInteger flakyCalls = v1.getBean(Versioned.class).flakyCalls;
		int before = flakyCalls.get();
		ResponseEntity<String> response = restClient("route-api").get().uri("/flaky").retrieve().toEntity(String.class);
		assertThat(response.getStatusCode().value()).isEqualTo(200);
		assertThat(flakyCalls.get() - before).as("one 503, then a retry that succeeds").isEqualTo(2);
	}

	@Test
	void requestTimeoutOfTheRouteFires() {
		assertThatException().isThrownBy(() -> restClient("route-api").get().uri("/slow").retrieve().body(String.class))
			.withStackTraceContaining("Timeout");
	}

	@Test
	void headerAndMethodMatchesPickTheirRoutes() {
		RestClient api = restClient("route-api");
		for (int i = 0; i < 20; i++) {
			assertThat(api.get().uri("/version").header("x-canary", "yes").retrieve().body(String.class))
				.isEqualTo("v2");
		}
		assertThat(api.delete().uri("/version").retrieve().body(String.class)).isEqualTo("admin");
	}

	@Test
	void redirectSendsTheCallToTheOtherService() {
		Set<String> versions = new HashSet<>();
		for (int i = 0; i < 10; i++) {
			versions.add(restClient("route-lb").get().uri("/version").retrieve().body(String.class));
		}
		assertThat(versions).containsExactlyInAnyOrder("v1", "v2");
	}

	@Test
	void connectionsAreKeptAliveAndReused() {
		RestClient rr = restClient("route-rr");
		Set<String> clientPorts = new HashSet<>();
		int requests = 200;
		for (int i = 0; i < requests; i++) {
			clientPorts.add(rr.get().uri("/port").retrieve().body(String.class));
		}
		System.out.println("[measure] " + requests + " sequential requests to 2 instances used " + clientPorts.size()
				+ " connection(s)");
		assertThat(clientPorts).doesNotContain("unknown").hasSizeLessThanOrEqualTo(2);
	}

	@Test
	void roundRobinSpreadsEvenly() {
		RestClient rr = restClient("route-rr");
		int toV1 = 0;
		for (int i = 0; i < 100; i++) {
			if ("v1".equals(rr.get().uri("/version").retrieve().body(String.class))) {
				toV1++;
			}
		}
		assertThat(toV1).isEqualTo(50);
	}

	@Test
	void leastRequestPrefersTheIdleInstanceUnderASlowOne() throws Exception {
		RestClient lr = restClient("route-lr");
		List<String> versions = whileV1IsBusy(lr, () -> {
			List<String> seen = new ArrayList<>();
			for (int i = 0; i < 20; i++) {
				seen.add(lr.get().uri("/version").retrieve().body(String.class));
			}
			return seen;
		});
		assertThat(versions).as("every call avoids the instance with a request in flight").containsOnly("v2");
	}

	@Test
	void perUpstreamLoadBalancerPolicyOverridesTheResolvers() throws Exception {
		try (ConfigurableApplicationContext caller = start(Caller.class, WebApplicationType.NONE, "route-frontend",
				"none", "connect.upstreams.route-lr.load-balancer-policy=round-robin")) {
			RestClient overridden = caller.getBean(ConnectClientFactory.class).restClientBuilder("route-lr").build();
			List<String> versions = whileV1IsBusy(restClient("route-lr"), () -> {
				List<String> seen = new ArrayList<>();
				for (int i = 0; i < 20; i++) {
					seen.add(overridden.get().uri("/version").retrieve().body(String.class));
				}
				return seen;
			});
			assertThat(versions).as("round robin ignores the busy instance's load")
				.filteredOn("v1"::equals)
				.hasSize(10);
		}
	}

	@Test
	void perUpstreamRequestTimeoutAppliesWhenTheChainSetsNone() {
		try (ConfigurableApplicationContext caller = start(Caller.class, WebApplicationType.NONE, "route-frontend",
				"none", "connect.upstreams.route-admin.request-timeout=300ms")) {
			RestClient admin = caller.getBean(ConnectClientFactory.class).restClientBuilder("route-admin").build();
			assertThat(admin.get().uri("/version").retrieve().body(String.class)).isEqualTo("admin");
			assertThatException().isThrownBy(() -> admin.get().uri("/slow").retrieve().body(String.class))
				.withStackTraceContaining("Timeout");
		}
	}

	@Test
	void ringHashKeepsEachHeaderValueOnOneInstance() {
		RestClient rh = restClient("route-rh");
		Map<String, Set<String>> instancesByUser = new LinkedHashMap<>();
		for (int user = 0; user < 20; user++) {
			for (int i = 0; i < 5; i++) {
				String version = rh.get()
					.uri("/version")
					.header("x-user", "user-" + user)
					.retrieve()
					.body(String.class);
				instancesByUser.computeIfAbsent("user-" + user, (key) -> new HashSet<>()).add(version);
			}
		}
		assertThat(instancesByUser.values()).as("each user sticks to one instance")
			.allMatch((seen) -> seen.size() == 1);
		assertThat(instancesByUser.values().stream().flatMap(Set::stream).distinct())
			.as("the users are spread over both instances")
			.containsExactlyInAnyOrder("v1", "v2");
	}

	@Test
	void springCloudLoadBalancerChoosesMeshInstancesThroughTheChain() throws Exception {
		try (ConfigurableApplicationContext caller = start(LoadBalancedCaller.class, WebApplicationType.NONE,
				"route-frontend", "none")) {
			org.springframework.cloud.client.loadbalancer.LoadBalancerClient loadBalancer = caller
				.getBean(org.springframework.cloud.client.loadbalancer.LoadBalancerClient.class);
			int toV1 = 0;
			for (int i = 0; i < 200; i++) {
				if ("v1".equals(chooseRouteApi(loadBalancer, null).getMetadata().get("version"))) {
					toV1++;
				}
			}
			assertThat(toV1).as("the 80/20 split, over 200 choices").isBetween(130, 190);
			ServiceInstance canary = chooseRouteApi(loadBalancer, "yes");
			assertThat(canary.getMetadata()).containsEntry("version", "v2");
			assertThat(canary.isSecure()).isTrue();
			SpiffeId expected = SpiffeId.parse(canary.getMetadata().get(ConnectLoadBalancer.SPIFFE_ID_METADATA));
			assertThat(expected.service()).isEqualTo("route-api");
			ConnectIdentityManager identity = caller.getBean(ConnectIdentityManager.class);
			HttpRequest version = HttpRequest.newBuilder(canary.getUri().resolve("/version")).build();
			HttpClient meshHttp = HttpClient.newBuilder()
				.sslContext(ConnectClientTls.jdkClientContext(identity, expected))
				.build();
			assertThat(meshHttp.send(version, HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("v2");
			SpiffeId other = SpiffeId.forService(expected.trustDomain(), expected.namespace(), expected.datacenter(),
					"route-admin");
			HttpClient wrongIdentity = HttpClient.newBuilder()
				.sslContext(ConnectClientTls.jdkClientContext(identity, other))
				.build();
			assertThatException().isThrownBy(() -> wrongIdentity.send(version, HttpResponse.BodyHandlers.ofString()))
				.withStackTraceContaining("route-admin");
		}
	}

	private static ServiceInstance chooseRouteApi(
			org.springframework.cloud.client.loadbalancer.LoadBalancerClient loadBalancer, @Nullable String canary) {
		HttpHeaders headers = new HttpHeaders();
		if (canary != null) {
			headers.add("x-canary", canary);
		}
		RequestData data = new RequestData(HttpMethod.GET, URI.create("http://route-api/version"), headers, null,
				new HashMap<>());
		ServiceInstance instance = loadBalancer.choose("route-api", new DefaultRequest<>(new RequestDataContext(data)));
		assertThat(instance).isNotNull();
		return instance;
	}

	/**
	 * Run calls while instance v1 of {@code route-lr} holds a slow request: requests to
	 * {@code /work} (slow on v1, immediate on v2) are sent in the background until one is
	 * in flight on v1.
	 */
	private static <T> T whileV1IsBusy(RestClient client, Callable<T> calls) throws Exception {
		ConfigurableApplicationContext slow = extra.stream()
			.filter((app) -> "route-lr".equals(app.getEnvironment().getProperty("connect.service-name"))
					&& "v1".equals(app.getEnvironment().getProperty("test.version")))
			.findFirst()
			.orElseThrow();
		AtomicInteger inFlight = slow.getBean(Versioned.class).inFlight;
		ExecutorService background = Executors.newCachedThreadPool();
		try {
			for (int attempt = 0; attempt < 20 && inFlight.get() == 0; attempt++) {
				Future<?> call = background.submit(() -> client.get().uri("/work").retrieve().body(String.class));
				Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> inFlight.get() > 0 || call.isDone());
			}
			assertThat(inFlight.get()).as("a slow request is in flight on v1").isPositive();
			return calls.call();
		}
		finally {
			background.shutdown();
			assertThat(background.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
		}
	}

	@Test
	void failsOverToTheNextTargetWhenThePrimaryHasNoHealthyInstance() {
		assertThat(restClient("route-fail").get().uri("/version").retrieve().body(String.class)).isEqualTo("admin");
	}

	private static RestClient restClient(String upstream) {
		return frontend.getBean(ConnectClientFactory.class).restClientBuilder(upstream).build();
	}

	private static void register(String id, String name, int port, String version) {
		client.registerService(
				new ServiceRegistration(id, name, null, null, "127.0.0.1", port, Map.of("version", version),
						new AgentService.Connect(true, null), null, ServiceRegistration.Check.passingTtl("30m"), null));
	}

	private static ConfigurableApplicationContext start(Class<?> application, WebApplicationType type, String service,
			String version, String... extraProperties) {
		String[] properties = Stream
			.concat(Stream.of(MeshApplications.NO_REGISTRATION, "test.version=" + version), Stream.of(extraProperties))
			.toArray(String[]::new);
		return MeshApplications.start(type, application, consul, service, properties).getContext();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(InboundTestApplications.OwnReactorResources.class)
	@RestController
	static class Versioned {

		final AtomicInteger flakyCalls = new AtomicInteger();

		final AtomicInteger inFlight = new AtomicInteger();

		private final String version;

		Versioned(@Value("${test.version}") String version) {
			this.version = version;
		}

		@GetMapping("/version")
		Mono<String> version() {
			return Mono.just(this.version);
		}

		@DeleteMapping("/version")
		Mono<String> deleteVersion() {
			return Mono.just(this.version);

		}

		@GetMapping("/port")
		Mono<String> port(ServerHttpRequest request) {
			InetSocketAddress remote = request.getRemoteAddress();
			return Mono.just((remote != null) ? String.valueOf(remote.getPort()) : "unknown");
		}

		@GetMapping("/work")
		Mono<String> work() {
			if (!"v1".equals(this.version)) {
				return Mono.just(this.version);
			}
			return Mono.just(this.version)
				.doOnSubscribe((subscription) -> this.inFlight.incrementAndGet())
				.delayElement(Duration.ofSeconds(3))
				.doFinally((signal) -> this.inFlight.decrementAndGet());
		}

		@GetMapping("/slow")
		Mono<String> slow() {
			return Mono.just("slow").delayElement(Duration.ofSeconds(5));
		}

		@GetMapping("/flaky")
		Mono<ResponseEntity<String>> flaky() {
			boolean fail = this.flakyCalls.incrementAndGet() % 2 == 1;
			return Mono.just(fail ? ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body("try again")
					: ResponseEntity.ok("ok"));
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Caller {

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@org.springframework.cloud.loadbalancer.annotation.LoadBalancerClient(name = "route-api",
			configuration = ConnectLoadBalancerConfiguration.class)
	static class LoadBalancedCaller {

	}

}
