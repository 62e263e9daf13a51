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

package io.meshnative.connect.cluster;

import java.io.IOException;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.meshnative.connect.agent.internal.AgentQuery;
import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ConsulAgentException;
import io.meshnative.connect.agent.internal.ServiceRegistration;
import io.meshnative.connect.agent.internal.Watch;
import io.meshnative.connect.client.ConnectClientFactory;
import io.meshnative.connect.client.ConnectUpstreams;
import io.meshnative.connect.discovery.internal.RouteRequest;
import io.meshnative.connect.test.ConsulAgent;
import io.meshnative.connect.test.ConsulCluster;
import io.meshnative.connect.test.ConsulClusterAgent;
import io.meshnative.connect.test.ConsulClusterExtension;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How many connections an application with many upstreams holds to its agent, against a
 * client agent with Consul's default {@code limits.http_max_conns_per_client} (200 per
 * client address).
 * <p>
 * A frontend calls upstreams {@code budget-00}, {@code budget-01}... once each, 16 at a
 * time. Each upstream's chain has two targets: the upstream itself (no instance) and,
 * through a {@code service-resolver} failover, {@code budget-backend}, a mesh application
 * attached to another agent. The frontend watches each chain and each target with a
 * blocking query. To a plain HTTP agent the agent client speaks HTTP/1.1, so that every
 * watch holds a connection of its own; to an HTTPS agent it speaks HTTP/2, up to 200
 * watches sharing a connection. Connections are counted from the JVM's side: its sockets
 * that are established to the agent's port.
 *
 * @author connect-spring-boot authors
 */
class ConnectionBudgetIntegrationTests {

	@RegisterExtension
	static final ConsulClusterExtension consul = ConsulClusterExtension.of(ConsulCluster.create(1, 3));

	/**
	 * Consul's default {@code limits.http_max_conns_per_client}.
	 */
	private static final int DEFAULT_MAX_CONNS_PER_CLIENT = 200;

	/**
	 * Blocking queries of an application that calls upstreams, besides those of each
	 * upstream: CA roots, its leaf, the intentions that name it and its
	 * {@code service-defaults} (limits and passive health checks of its upstreams).
	 */
	private static final int BASE_WATCHES = 4;

	private static final int MAX_UPSTREAMS = 100;

	/**
	 * How many calls run at once: no more than the mesh client's connection pool per
	 * identity holds (Reactor Netty's default, twice the processors and at least 16; 32
	 * more wait, further ones fail with "Pending acquire queue has reached its maximum
	 * size"), since every upstream fails over to the same backend and only the agent
	 * budget is measured here.
	 */
	private static final int CALL_CONCURRENCY = 16;

	private static final String BACKEND = "budget-backend";

	private static ConsulClusterAgent server;

	private static ConsulAgentClient backendClient;

	private static ConfigurableApplicationContext backend;

	@BeforeAll
	static void startBackend() {
		ConsulCluster cluster = consul.getCluster().start();
		server = cluster.getServers().get(0);
		for (String upstream : upstreams(MAX_UPSTREAMS)) {
			server.request("PUT", "/v1/config", resolver(upstream));
		}
		ConsulClusterAgent backendAgent = cluster.getClients().get(2);
		backend = start(Backend.class, WebApplicationType.SERVLET, BACKEND, agentProperties(backendAgent));
		backendClient = ConsulAgentClient.builder(URI.create(backendAgent.getHttpAddress())).build();
		backendClient.registerService(backendRegistration(backend));
	}

	@AfterAll
	static void stopBackend() {
		if (backend != null) {
			backend.close();
		}
		if (backendClient != null) {
			backendClient.close();
		}
		for (String upstream : upstreams(MAX_UPSTREAMS)) {
			server.request("DELETE", "/v1/config/service-resolver/" + upstream, null);
		}
	}

	/**
	 * Below the budget every blocking query holds a connection of its own for its whole
	 * {@code wait}: 40 upstreams with two targets each make 124 watches, fewer than the
	 * 150 connections the watches may hold by default.
	 * @throws IOException if {@code /proc} cannot be read
	 */
	@Test
	void fortyUpstreamsWithTwoTargetsEachHoldAConnectionPerWatch() throws IOException {
		ConsulClusterAgent agent = consul.getCluster().getClients().get(0);
		Measurement measurement = measure(40, agentProperties(agent), agent.getHttpPort(), null);
		assertThat(measurement.watches()).isEqualTo(BASE_WATCHES + 3 * 40);
		assertThat(measurement.connections()).isGreaterThanOrEqualTo(measurement.watches())
			.isLessThan(ConsulAgentClient.DEFAULT_MAX_WATCH_CONNECTIONS);
		assertThat(measurement.failures()).isEmpty();
		assertThat(measurement.agentErrors()).doesNotContainKey(429);
	}

	/**
	 * Past the budget over plain HTTP the watches take turns on at most 150 connections
	 * (each blocking query then waits at most 1 s), so 100 upstreams with two targets
	 * each (304 watches, which would need 304 connections) all work against an agent with
	 * the default {@code limits.http_max_conns_per_client} of 200, and a routing change
	 * still arrives within seconds.
	 * @throws IOException if {@code /proc} cannot be read
	 */
	@Test
	void hundredUpstreamsWithTwoTargetsEachTakeTurnsWithinTheDefaultBudget() throws IOException {
		ConsulClusterAgent agent = consul.getCluster().getClients().get(1);
		Measurement measurement = measure(MAX_UPSTREAMS, agentProperties(agent), agent.getHttpPort(),
				(frontend) -> routingChangeLatency(frontend, server));
		assertThat(measurement.watches()).isEqualTo(BASE_WATCHES + 3 * MAX_UPSTREAMS);
		assertThat(measurement.failures()).isEmpty();
		assertThat(measurement.agentErrors()).doesNotContainKey(429);
		assertThat(measurement.connections()).isLessThanOrEqualTo(ConsulAgentClient.DEFAULT_MAX_WATCH_CONNECTIONS + 10)
			.isLessThan(DEFAULT_MAX_CONNS_PER_CLIENT);
		assertThat(measurement.changeLatency()).isLessThan(Duration.ofSeconds(10));
	}

	/**
	 * Change the connect timeout of the last upstream's resolver (its watch started last,
	 * so it takes turns rather than holding a long query) and wait until the frontend's
	 * chain of that upstream shows it.
	 * @param frontend the frontend
	 * @param writer the agent to write the change to
	 * @return the time from the write to the new chain
	 */
	private static Duration routingChangeLatency(ConfigurableApplicationContext frontend, ConsulClusterAgent writer) {
		String upstream = upstreams(MAX_UPSTREAMS).get(MAX_UPSTREAMS - 1);
		ConnectUpstreams upstreams = frontend.getBean(ConnectUpstreams.class);
		String changed = resolver(upstream).replace("{\"Kind\"", "{\"ConnectTimeout\":\"7s\",\"Kind\"");
		long begin = System.nanoTime();
		writer.request("PUT", "/v1/config", changed);
		Awaitility.await()
			.atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> Duration.ofSeconds(7)
				.equals(upstreams.decide(upstream, RouteRequest.of("GET", "/")).connectTimeout()));
		Duration latency = Duration.ofNanos(System.nanoTime() - begin);
		writer.request("PUT", "/v1/config", resolver(upstream));
		return latency;
	}

	/**
	 * The fix for agents reached over HTTPS: HTTP/2 carries every watch of the
	 * application on one connection (a second one past the 250 concurrent streams the
	 * agent's Go HTTP/2 server allows), so that 100 upstreams with two targets each all
	 * work against a default agent.
	 * @throws IOException if {@code /proc} cannot be read
	 */
	@Test
	void hundredUpstreamsWithTwoTargetsEachShareConnectionsOverHttps() throws IOException {
		ConsulAgent agent = ConsulAgent.devWithHttps(false).start();
		try (ConsulAgentClient admin = ConsulAgentClient.builder(URI.create(agent.getHttpAddress())).build()) {
			for (String upstream : upstreams(MAX_UPSTREAMS)) {
				agent.request("PUT", "/v1/config", resolver(upstream));
			}
			Map<String, Object> https = Map.of("connect.agent.address", agent.getHttpsAddress(),
					"connect.agent.tls.ca-file", agent.getCaFile().toString());
			try (ConfigurableApplicationContext httpsBackend = start(Backend.class, WebApplicationType.SERVLET, BACKEND,
					https)) {
				admin.registerService(backendRegistration(httpsBackend));
				Measurement measurement = measure(MAX_UPSTREAMS, https, URI.create(agent.getHttpsAddress()).getPort(),
						null);
				assertThat(measurement.failures()).isEmpty();
				assertThat(measurement.agentErrors()).doesNotContainKey(429);
				assertThat(measurement.watches()).isEqualTo(BASE_WATCHES + 3 * MAX_UPSTREAMS);
				// Two HTTP/2 connections for the frontend's 303 watches and one for the
				// backend, plus those the JDK client opens when requests race for a
				// connection not yet established (3 on a quiet machine, 20 once under a
				// load average of 3): far below the agent's 200 per client address.
				assertThat(measurement.connections()).isLessThanOrEqualTo(50);
			}
		}
		finally {
			agent.stop();
		}
	}

	private Measurement measure(int count, Map<String, Object> agentProperties, int agentPort,
			@Nullable Function<ConfigurableApplicationContext, Duration> change) throws IOException {
		try (ConfigurableApplicationContext frontend = start(Frontend.class, WebApplicationType.NONE,
				"budget-frontend-" + count, agentProperties)) {
			Map<Integer, AtomicInteger> agentErrors = new ConcurrentHashMap<>();
			ConsulAgentClient agentClient = frontend.getBean(ConsulAgentClient.class);
			agentClient.addWatchListener(new Watch.Listener() {

				@Override
				public void onError(AgentQuery<?> query, ConsulAgentException exception, int consecutiveFailures,
						Duration retryIn) {
					agentErrors.computeIfAbsent(exception.getStatus(), (status) -> new AtomicInteger())
						.incrementAndGet();
				}

			});
			int before = establishedConnectionsTo(agentPort);
			ConnectClientFactory clients = frontend.getBean(ConnectClientFactory.class);
			Map<String, String> failures = new ConcurrentHashMap<>();
			ExecutorService executor = Executors.newFixedThreadPool(CALL_CONCURRENCY);
			long begin = System.nanoTime();
			try {
				List<CompletableFuture<Void>> calls = new ArrayList<>();
				for (String upstream : upstreams(count)) {
					calls.add(CompletableFuture.runAsync(() -> call(clients, upstream, failures), executor));
				}
				CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
			}
			finally {
				executor.shutdown();
			}
			long elapsed = Duration.ofNanos(System.nanoTime() - begin).toMillis();
			int connections = establishedConnectionsTo(agentPort);
			int watches = agentClient.getWatches().size();
			Map<Integer, Integer> errors = new TreeMap<>();
			agentErrors.forEach((status, errorCount) -> errors.put(status, errorCount.get()));
			System.out.println("[measure] upstreams=" + count + " targets=" + (2 * count) + " agentConnections="
					+ connections + " ok=" + (count - failures.size()) + " failed=" + failures.size() + " watches="
					+ watches + " connectionsBeforeCalls=" + before + " watchErrorsByStatus=" + errors + " callsTookMs="
					+ elapsed);
			failures.entrySet()
				.stream()
				.limit(2)
				.forEach((failure) -> System.out
					.println("[measure] failed " + failure.getKey() + ": " + failure.getValue()));
			Duration changeLatency = (change != null) ? change.apply(frontend) : Duration.ZERO;
			if (change != null) {
				System.out.println("[measure] upstreams=" + count + " routingChangeAppliedMs="
						+ changeLatency.toMillis() + " agentConnections=" + establishedConnectionsTo(agentPort));
			}
			return new Measurement(connections, watches, failures, errors, changeLatency);
		}
	}

	private static List<String> upstreams(int count) {
		List<String> upstreams = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			upstreams.add(String.format(Locale.ROOT, "budget-%02d", i));
		}
		return upstreams;
	}

	private static void call(ConnectClientFactory clients, String upstream, Map<String, String> failures) {
		try {
			String body = clients.restClientBuilder(upstream).build().get().uri("/hello").retrieve().body(String.class);
			if (body == null || !body.contains(BACKEND)) {
				failures.put(upstream, "unexpected answer " + body);
			}
		}
		catch (RuntimeException ex) {
			failures.put(upstream, String.valueOf(ex));
		}
	}

	/**
	 * Count the TCP connections of this JVM (sockets among its file descriptors) that are
	 * established to a port, from {@code /proc/net/tcp} and {@code /proc/net/tcp6}.
	 * @param port the remote port
	 * @return the number of connections
	 * @throws IOException if {@code /proc} cannot be read
	 */
	static int establishedConnectionsTo(int port) throws IOException {
		Set<String> inodes = new HashSet<>();
		try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
			for (Path fd : fds) {
				addSocketInode(fd, inodes);
			}
		}
		String remotePort = String.format(Locale.ROOT, ":%04X", port);
		int count = 0;
		for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
			List<String> lines = Files.readAllLines(Path.of(table));
			for (String line : lines.subList(1, lines.size())) {
				String[] fields = line.trim().split("\\s+");
				boolean established = "01".equals(fields[3]);
				if (established && fields[2].endsWith(remotePort) && inodes.contains(fields[9])) {
					count++;
				}
			}
		}
		return count;
	}

	private static void addSocketInode(Path fd, Set<String> inodes) {
		try {
			String target = Files.readSymbolicLink(fd).toString();
			if (target.startsWith("socket:[")) {
				inodes.add(target.substring("socket:[".length(), target.length() - 1));
			}
		}
		catch (IOException ex) {
			// The descriptor was closed meanwhile.
		}
	}

	private static Map<String, Object> agentProperties(ConsulClusterAgent agent) {
		return Map.of("connect.agent.address", agent.getHttpAddress());
	}

	private static String resolver(String upstream) {
		return "{\"Kind\":\"service-resolver\",\"Name\":\"" + upstream + "\",\"Failover\":{\"*\":{\"Service\":\""
				+ BACKEND + "\"}}}";
	}

	private static ServiceRegistration backendRegistration(ConfigurableApplicationContext backend) {
		return new ServiceRegistration(BACKEND + "-1", BACKEND, null, null, null,
				((WebServerApplicationContext) backend).getWebServer().getPort(), null,
				new AgentService.Connect(true, null), null, ServiceRegistration.Check.passingTtl("30m"), null);
	}

	private static ConfigurableApplicationContext start(Class<?> application, WebApplicationType type, String service,
			Map<String, Object> agentProperties) {
		Map<String, Object> properties = new LinkedHashMap<>(agentProperties);
		properties.put("server.port", "0");
		properties.put("connect.service-name", service);
		properties.put("spring.cloud.consul.enabled", "false");
		properties.put("spring.main.banner-mode", "off");
		return new SpringApplicationBuilder(application).web(type).properties(properties).run();
	}

	/**
	 * The backend: {@code GET /hello} answers with its name.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@RestController
	static class Backend {

		@GetMapping("/hello")
		String hello() {
			return "hello from " + BACKEND;
		}

	}

	/**
	 * The frontend: calls upstreams through {@link ConnectClientFactory}.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Frontend {

	}

	/**
	 * What one run measured.
	 *
	 * @param connections the application's established connections to its agent after the
	 * calls
	 * @param watches the application's watches
	 * @param failures the failed calls by upstream
	 * @param agentErrors the failed watch calls by HTTP status
	 */
	record Measurement(int connections, int watches, Map<String, String> failures, Map<Integer, Integer> agentErrors,
			Duration changeLatency) {

	}

}
