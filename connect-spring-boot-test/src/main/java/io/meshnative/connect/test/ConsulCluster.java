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

package io.meshnative.connect.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.meshnative.connect.test.ConsulClusterAgent.Ports;
import org.jspecify.annotations.Nullable;

/**
 * A real Consul cluster for tests: several servers and client agents of one Consul binary
 * on loopback addresses, with Connect enabled.
 * <p>
 * By default {@link #create()} describes three servers and two client agents in
 * datacenter {@code dc1}. {@link #withAcl()} turns on ACLs with {@code default_policy =
 * "deny"} and a management token; {@link #withSecondaryDatacenter()} adds datacenter
 * {@code dc2} (one server, one client agent) joined over the WAN with
 * {@code primary_datacenter = "dc1"}, so that its Connect CA is a secondary CA signed by
 * dc1's. HCL fragments ({@link #withHcl(String...)},
 * {@link #withClientHcl(int, String...)} and friends) are passed with {@code -hcl}, for
 * example {@code limits { http_max_conns_per_client = 10 }}.
 * <p>
 * {@link #start()} returns once every server agrees on a leader, every agent has joined
 * and knows the leader, the servers report every node alive, and the Connect CA of every
 * datacenter has an active root and signs a leaf on one of its agents. A start-up failure
 * stops everything and reports the log tail of every agent. {@link #stop()} stops every
 * agent and deletes the data.
 * <p>
 * Every agent has a loopback address of its own ({@code 127.x.y.z}; Linux routes all of
 * {@code 127.0.0.0/8} to the loopback interface, other systems need aliases) and free
 * ports, its own node name and data directory, so that several clusters run at the same
 * time. HTTP and gRPC listen on {@code 127.0.0.1}
 * ({@link ConsulClusterAgent#getHttpAddress()}). Each server's RPC port is reached
 * through a proxy of the harness, which lets {@link #partition(ConsulClusterAgent)} cut a
 * client agent off from its servers.
 * <p>
 * Faults: {@link #stop(ConsulClusterAgent)} (SIGTERM; client agents leave gracefully,
 * servers do not leave), {@link #kill(ConsulClusterAgent)} (SIGKILL),
 * {@link #restart(ConsulClusterAgent)} (same ports and data, so registrations, ACL tokens
 * and Raft state survive), {@link #restartWithoutData(ConsulClusterAgent)} and
 * {@link #partition(ConsulClusterAgent)}. Most tests use the cluster through
 * {@link ConsulClusterExtension}, which also brings stopped agents back before each test:
 * <pre class="code">
 * &#64;RegisterExtension
 * static final ConsulClusterExtension consul = ConsulClusterExtension.of(ConsulCluster.create().withAcl());
 *
 * &#64;Test
 * void survivesLeaderLoss(ConsulCluster cluster) {
 *     ConsulClusterAgent client = cluster.getClients().get(0);
 *     String token = cluster.createServiceToken("orders");
 *     cluster.kill(cluster.leader());
 *     ... client.getHttpAddress(), cluster.leader() ...
 * }
 * </pre>
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConsulCluster implements AutoCloseable {

	/**
	 * Name of the primary datacenter.
	 */
	public static final String PRIMARY_DATACENTER = "dc1";

	/**
	 * Name of the datacenter that {@link #withSecondaryDatacenter()} adds.
	 */
	public static final String SECONDARY_DATACENTER = "dc2";

	private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

	private static final Duration AGENT_TIMEOUT = Duration.ofSeconds(60);

	private static final Duration POLL_TIMEOUT = Duration.ofSeconds(5);

	private static final int MAX_AGENTS = 100;

	private static final String PROBE_SERVICE = "connect-cluster-probe";

	private static final Pattern ACTIVE_ROOT = Pattern.compile("\"ActiveRootID\"\\s*:\\s*\"[^\"]+\"");

	private static final Pattern ACTIVE_TRUE = Pattern.compile("\"Active\"\\s*:\\s*true");

	private static final Pattern TRUST_DOMAIN = Pattern.compile("\"TrustDomain\"\\s*:\\s*\"([^\"]+)\"");

	private static final Pattern SERF_HEALTH_PASSING = Pattern
		.compile("\"CheckID\"\\s*:\\s*\"serfHealth\"[^}]*?\"Status\"\\s*:\\s*\"passing\"");

	private static final Pattern ID = Pattern.compile("\"ID\"\\s*:\\s*\"([^\"]+)\"");

	private static final Pattern SECRET_ID = Pattern.compile("\"SecretID\"\\s*:\\s*\"([^\"]+)\"");

	private static final Set<ConsulCluster> running = Collections.synchronizedSet(new LinkedHashSet<>());

	static {
		Runtime.getRuntime().addShutdownHook(new Thread(ConsulCluster::killAllRunning, "consul-cluster-shutdown"));
	}

	private final int servers;

	private final int clients;

	private final boolean acl;

	private final boolean secondaryDatacenter;

	private final List<String> hcl;

	private final List<String> serverHcl;

	private final List<String> clientHcl;

	private final Map<Integer, List<String>> clientHclByIndex;

	private final @Nullable String managementToken;

	private final HttpClient http = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(2))
		.build();

	private final List<ConsulClusterAgent> agents = new ArrayList<>();

	private final Set<ConsulClusterAgent> partitioned = new LinkedHashSet<>();

	private @Nullable Path directory;

	private boolean started;

	private Duration startupDuration = Duration.ZERO;

	private ConsulCluster(int servers, int clients, boolean acl, boolean secondaryDatacenter, List<String> hcl,
			List<String> serverHcl, List<String> clientHcl, Map<Integer, List<String>> clientHclByIndex,
			@Nullable String managementToken) {
		this.servers = servers;
		this.clients = clients;
		this.acl = acl;
		this.secondaryDatacenter = secondaryDatacenter;
		this.hcl = List.copyOf(hcl);
		this.serverHcl = List.copyOf(serverHcl);
		this.clientHcl = List.copyOf(clientHcl);
		this.clientHclByIndex = Collections.unmodifiableMap(new LinkedHashMap<>(clientHclByIndex));
		this.managementToken = managementToken;
	}

	/**
	 * Describe a cluster of three servers and two client agents in {@code dc1}, ACLs
	 * disabled.
	 * @return a new cluster, not yet started
	 */
	public static ConsulCluster create() {
		return create(3, 2);
	}

	/**
	 * Describe a cluster of the given size in {@code dc1}, ACLs disabled.
	 * @param servers the number of servers (1 or more; 3 or 5 tolerate failures)
	 * @param clients the number of client agents (0 or more)
	 * @return a new cluster, not yet started
	 */
	public static ConsulCluster create(int servers, int clients) {
		if (servers < 1 || clients < 0 || servers + clients + 2 > MAX_AGENTS) {
			throw new IllegalArgumentException("A cluster needs at least one server, no negative number of clients and "
					+ "at most " + (MAX_AGENTS - 2) + " agents (asked for " + servers + " servers and " + clients
					+ " clients)");
		}
		return new ConsulCluster(servers, clients, false, false, Collections.emptyList(), Collections.emptyList(),
				Collections.emptyList(), Collections.emptyMap(), null);
	}

	/**
	 * Return a copy of this cluster with ACLs enabled on every agent:
	 * {@code default_policy = "deny"}, a management token ({@link #getManagementToken()})
	 * and, on each agent, an agent token with the node identity of that agent (set
	 * through {@code PUT /v1/agent/token/agent} and persisted in its data directory).
	 * @return the new cluster
	 */
	public ConsulCluster withAcl() {
		return new ConsulCluster(this.servers, this.clients, true, this.secondaryDatacenter, this.hcl, this.serverHcl,
				this.clientHcl, this.clientHclByIndex, UUID.randomUUID().toString());
	}

	/**
	 * Return a copy of this cluster with a second datacenter, {@code dc2}: one server and
	 * one client agent, the server joined to dc1's servers over the WAN. With ACLs, dc2's
	 * server replicates tokens from dc1 (the management token serves as replication
	 * token).
	 * @return the new cluster
	 */
	public ConsulCluster withSecondaryDatacenter() {
		return new ConsulCluster(this.servers, this.clients, this.acl, true, this.hcl, this.serverHcl, this.clientHcl,
				this.clientHclByIndex, this.managementToken);
	}

	/**
	 * Return a copy of this cluster that passes the given HCL fragments to every agent.
	 * @param hcl the HCL fragments, each passed with {@code -hcl}
	 * @return the new cluster
	 */
	public ConsulCluster withHcl(String... hcl) {
		return new ConsulCluster(this.servers, this.clients, this.acl, this.secondaryDatacenter, concat(this.hcl, hcl),
				this.serverHcl, this.clientHcl, this.clientHclByIndex, this.managementToken);
	}

	/**
	 * Return a copy of this cluster that passes the given HCL fragments to every server.
	 * @param hcl the HCL fragments, each passed with {@code -hcl}
	 * @return the new cluster
	 */
	public ConsulCluster withServerHcl(String... hcl) {
		return new ConsulCluster(this.servers, this.clients, this.acl, this.secondaryDatacenter, this.hcl,
				concat(this.serverHcl, hcl), this.clientHcl, this.clientHclByIndex, this.managementToken);
	}

	/**
	 * Return a copy of this cluster that passes the given HCL fragments to every client
	 * agent.
	 * @param hcl the HCL fragments, each passed with {@code -hcl}
	 * @return the new cluster
	 */
	public ConsulCluster withClientHcl(String... hcl) {
		return new ConsulCluster(this.servers, this.clients, this.acl, this.secondaryDatacenter, this.hcl,
				this.serverHcl, concat(this.clientHcl, hcl), this.clientHclByIndex, this.managementToken);
	}

	/**
	 * Return a copy of this cluster that passes the given HCL fragments to one client
	 * agent of {@code dc1}, for example {@code limits { http_max_conns_per_client = 10
	 * }}.
	 * @param client the index of the client agent in {@link #getClients()}
	 * @param hcl the HCL fragments, each passed with {@code -hcl}
	 * @return the new cluster
	 */
	public ConsulCluster withClientHcl(int client, String... hcl) {
		if (client < 0 || client >= this.clients) {
			throw new IllegalArgumentException(
					"No client agent " + client + " in a cluster of " + this.clients + " client agents");
		}
		Map<Integer, List<String>> byIndex = new LinkedHashMap<>(this.clientHclByIndex);
		byIndex.put(client, concat(byIndex.getOrDefault(client, Collections.emptyList()), hcl));
		return new ConsulCluster(this.servers, this.clients, this.acl, this.secondaryDatacenter, this.hcl,
				this.serverHcl, this.clientHcl, byIndex, this.managementToken);
	}

	/**
	 * Start the cluster and wait until it is ready (see the class description). On a
	 * cluster that runs, bring back what tests took away instead: heal partitions,
	 * restart stopped and killed agents (with their data) and wait until the cluster is
	 * ready again.
	 * @return this cluster
	 * @throws IllegalStateException if the cluster is not ready in time; the message
	 * holds the log tail of every agent
	 */
	public synchronized ConsulCluster start() {
		if (this.started) {
			recover();
			return this;
		}
		long begin = System.nanoTime();
		running.add(this);
		try {
			createAgents();
			launchAll(datacenterServers(PRIMARY_DATACENTER));
			if (this.secondaryDatacenter) {
				launchAll(datacenterServers(SECONDARY_DATACENTER));
			}
			launchAll(this.agents.stream().filter((agent) -> !agent.isServer()).toList());
			awaitReady(START_TIMEOUT);
		}
		catch (RuntimeException ex) {
			String tails = logTails(40);
			shutdown();
			throw new IllegalStateException("Consul cluster did not start: " + ex.getMessage() + "\n" + tails, ex);
		}
		this.started = true;
		this.startupDuration = Duration.ofNanos(System.nanoTime() - begin);
		return this;
	}

	private void recover() {
		try {
			for (ConsulClusterAgent agent : List.copyOf(this.partitioned)) {
				heal(agent);
			}
			for (ConsulClusterAgent agent : this.agents) {
				if (!agent.isRunning()) {
					agent.terminate(true);
					relaunch(agent);
				}
			}
			awaitReady(AGENT_TIMEOUT);
		}
		catch (RuntimeException ex) {
			throw new IllegalStateException("Consul cluster did not recover: " + ex.getMessage() + "\n" + logTails(40),
					ex);
		}
	}

	/**
	 * Stop every agent, close the proxies and delete the data. The cluster can be started
	 * again afterwards, as a new cluster.
	 */
	public synchronized void stop() {
		shutdown();
	}

	@Override
	public void close() {
		stop();
	}

	/**
	 * Return whether the cluster has been started and not stopped.
	 * @return whether the cluster runs
	 */
	public synchronized boolean isStarted() {
		return this.started;
	}

	/**
	 * Return how long the last {@link #start()} of a stopped cluster took, from the first
	 * process to a ready cluster.
	 * @return the start-up duration, zero before the first start
	 */
	public synchronized Duration getStartupDuration() {
		return this.startupDuration;
	}

	/**
	 * Return the management token, or {@code null} when ACLs are disabled.
	 * @return the management token or {@code null}
	 */
	public @Nullable String getManagementToken() {
		return this.managementToken;
	}

	/**
	 * Return every agent: servers, then client agents, of {@code dc1} and then of
	 * {@code dc2}.
	 * @return the agents
	 */
	public synchronized List<ConsulClusterAgent> getAgents() {
		requireStarted();
		return List.copyOf(this.agents);
	}

	/**
	 * Return the servers of {@code dc1}.
	 * @return the servers
	 */
	public List<ConsulClusterAgent> getServers() {
		return getServers(PRIMARY_DATACENTER);
	}

	/**
	 * Return the servers of a datacenter.
	 * @param datacenter the datacenter, {@code dc1} or {@code dc2}
	 * @return the servers
	 */
	public List<ConsulClusterAgent> getServers(String datacenter) {
		return getAgents().stream()
			.filter((agent) -> agent.isServer() && agent.getDatacenter().equals(datacenter))
			.toList();
	}

	/**
	 * Return the client agents of {@code dc1}.
	 * @return the client agents
	 */
	public List<ConsulClusterAgent> getClients() {
		return getClients(PRIMARY_DATACENTER);
	}

	/**
	 * Return the client agents of a datacenter.
	 * @param datacenter the datacenter, {@code dc1} or {@code dc2}
	 * @return the client agents
	 */
	public List<ConsulClusterAgent> getClients(String datacenter) {
		return getAgents().stream()
			.filter((agent) -> !agent.isServer() && agent.getDatacenter().equals(datacenter))
			.toList();
	}

	/**
	 * Wait until the running servers of {@code dc1} agree on a leader that runs and
	 * return it.
	 * @return the leader
	 * @throws IllegalStateException if there is no such leader within 60 seconds
	 */
	public ConsulClusterAgent leader() {
		return leader(PRIMARY_DATACENTER);
	}

	/**
	 * Wait until the running servers of a datacenter agree on a leader that runs and
	 * return it.
	 * @param datacenter the datacenter, {@code dc1} or {@code dc2}
	 * @return the leader
	 * @throws IllegalStateException if there is no such leader within 60 seconds
	 */
	public synchronized ConsulClusterAgent leader(String datacenter) {
		requireStarted();
		return awaitLeader(datacenter, AGENT_TIMEOUT);
	}

	/**
	 * Stop an agent gracefully (SIGTERM, then SIGKILL after 15 seconds). Client agents
	 * leave the cluster (Consul's {@code leave_on_terminate} default); servers do not.
	 * @param agent the agent
	 */
	public synchronized void stop(ConsulClusterAgent agent) {
		requireMember(agent).terminate(false);
	}

	/**
	 * Kill an agent's process (SIGKILL): no leave, no final writes.
	 * @param agent the agent
	 */
	public synchronized void kill(ConsulClusterAgent agent) {
		requireMember(agent).terminate(true);
	}

	/**
	 * Restart an agent on the same ports with the same data directory, stopping it first
	 * if it runs, and wait until it has rejoined: it knows the leader and the servers
	 * report it alive.
	 * @param agent the agent
	 * @return the agent
	 * @throws IllegalStateException if the agent is not back in time
	 */
	public synchronized ConsulClusterAgent restart(ConsulClusterAgent agent) {
		requireMember(agent).terminate(false);
		return relaunchAndAwait(agent);
	}

	/**
	 * Restart a client agent on the same ports with an empty data directory, so that it
	 * forgets its services, checks, tokens and cached state, and wait until it has
	 * rejoined. With ACLs it gets its agent token again.
	 * @param client the client agent
	 * @return the client agent
	 * @throws IllegalArgumentException if the agent is a server
	 * @throws IllegalStateException if the agent is not back in time
	 */
	public synchronized ConsulClusterAgent restartWithoutData(ConsulClusterAgent client) {
		requireClient(client).terminate(false);
		deleteRecursively(client.getDataDirectory());
		return relaunchAndAwait(client);
	}

	/**
	 * Cut a client agent off from the servers of its datacenter: from now on no byte
	 * travels between the agent and the servers' RPC ports, on open connections and new
	 * ones, as if the network dropped the packets (connections are not refused). The
	 * agent keeps serving what it holds (agent-local endpoints, cached roots, leaves and
	 * intentions); calls that need the servers hang until Consul's RPC timeouts. Gossip
	 * (Serf) is not cut, so the servers still consider the agent alive.
	 * @param client the client agent
	 * @throws IllegalArgumentException if the agent is a server
	 */
	public synchronized void partition(ConsulClusterAgent client) {
		requireClient(client);
		for (ConsulClusterAgent server : datacenterServers(client.getDatacenter())) {
			RpcProxy proxy = server.getProxy();
			if (proxy != null) {
				proxy.block(client.getBindAddress());
			}
		}
		this.partitioned.add(client);
	}

	/**
	 * End a {@link #partition(ConsulClusterAgent) partition}: the connections the agent
	 * held to the servers are closed, as a timeout would, and new ones are forwarded.
	 * @param client the client agent
	 */
	public synchronized void heal(ConsulClusterAgent client) {
		requireMember(client);
		for (ConsulClusterAgent server : datacenterServers(client.getDatacenter())) {
			RpcProxy proxy = server.getProxy();
			if (proxy != null) {
				proxy.unblock(client.getBindAddress());
			}
		}
		this.partitioned.remove(client);
	}

	/**
	 * Create an ACL token with the least privilege that docs/troubleshooting.md ( "HTTP
	 * 403 from the agent") documents for an application: {@code service "<service>" {
	 * policy = "write" intentions = "read" }}, {@code service_prefix "" { policy = "read"
	 * }} and {@code node_prefix "" { policy = "read" }}.
	 * @param service the service name
	 * @return the token's secret
	 * @throws IllegalStateException if ACLs are disabled or the token cannot be created
	 */
	public synchronized String createServiceToken(String service) {
		requireStarted();
		if (this.managementToken == null) {
			throw new IllegalStateException("ACLs are disabled; create the cluster withAcl()");
		}
		String rules = "service \"" + service + "\" { policy = \"write\" intentions = \"read\" }\n"
				+ "service_prefix \"\" { policy = \"read\" }\n" + "node_prefix \"\" { policy = \"read\" }\n";
		String name = "service-" + service.replaceAll("[^A-Za-z0-9_-]", "-");
		name = name.substring(0, Math.min(name.length(), 100)) + "-" + UUID.randomUUID().toString().substring(0, 8);
		ConsulClusterAgent server = runningAgent(PRIMARY_DATACENTER, true);
		String policy = server.request("PUT", "/v1/acl/policy", "{\"Name\":" + json(name)
				+ ",\"Description\":\"Least privilege of a Connect application\",\"Rules\":" + json(rules) + "}");
		String token = server.request("PUT", "/v1/acl/token", "{\"Description\":" + json("Token of " + service)
				+ ",\"Policies\":[{\"ID\":" + json(group(ID, policy, "policy ID")) + "}]}");
		return group(SECRET_ID, token, "token SecretID");
	}

	/**
	 * Return the Connect trust domain, for example
	 * {@code 11111111-2222-3333-4444-555555555555.consul}.
	 * @return the trust domain
	 */
	public synchronized String getTrustDomain() {
		String roots = runningAgent(PRIMARY_DATACENTER, false).request("GET", "/v1/connect/ca/roots", null);
		return group(TRUST_DOMAIN, roots, "TrustDomain");
	}

	/**
	 * Return the last lines of every agent's log, for diagnostics.
	 * @param lines the number of lines per agent
	 * @return the log tails, each under a header naming the agent
	 */
	public synchronized String logTails(int lines) {
		StringBuilder tails = new StringBuilder();
		for (ConsulClusterAgent agent : this.agents) {
			tails.append("--- ")
				.append(agent)
				.append(agent.isRunning() ? "" : ", not running")
				.append(", last ")
				.append(lines)
				.append(" log lines ---\n")
				.append(agent.logTail(lines))
				.append('\n');
		}
		return tails.toString();
	}

	private void createAgents() {
		try {
			Path base = Files.createTempDirectory("consul-cluster-");
			this.directory = base;
			ThreadLocalRandom random = ThreadLocalRandom.current();
			byte[] block = { 127, (byte) random.nextInt(1, 255), (byte) random.nextInt(0, 256) };
			String prefix = "cc" + UUID.randomUUID().toString().substring(0, 6);
			checkLoopback(address(block, 10));
			int ordinal = 0;
			for (String datacenter : datacenters()) {
				boolean primary = PRIMARY_DATACENTER.equals(datacenter);
				int serverCount = primary ? this.servers : 1;
				int clientCount = primary ? this.clients : 1;
				for (int i = 0; i < serverCount; i++) {
					String name = prefix + "-" + datacenter + "-server-" + (i + 1);
					ConsulClusterAgent server = new ConsulClusterAgent(name, datacenter, true,
							address(block, 10 + ordinal), address(block, 130 + ordinal), base.resolve(name),
							serverHcl(datacenter), this.managementToken, this.http, allocatePorts(true));
					openProxy(server);
					this.agents.add(server);
					ordinal++;
				}
				for (int i = 0; i < clientCount; i++) {
					String name = prefix + "-" + datacenter + "-client-" + (i + 1);
					InetAddress address = address(block, 10 + ordinal);
					this.agents
						.add(new ConsulClusterAgent(name, datacenter, false, address, address, base.resolve(name),
								clientHcl(primary ? i : -1), this.managementToken, this.http, allocatePorts(false)));
					ordinal++;
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not prepare the Consul cluster: " + ex.getMessage(), ex);
		}
	}

	private List<String> datacenters() {
		return this.secondaryDatacenter ? List.of(PRIMARY_DATACENTER, SECONDARY_DATACENTER)
				: List.of(PRIMARY_DATACENTER);
	}

	private List<String> serverHcl(String datacenter) {
		List<String> fragments = new ArrayList<>();
		fragments.add("connect { enabled = true }");
		fragments.add("disable_update_check = true");
		fragments.add("primary_datacenter = \"" + PRIMARY_DATACENTER + "\"");
		fragments.add("performance { raft_multiplier = 1 }");
		fragments.add("autopilot { cleanup_dead_servers = false }");
		if (this.managementToken != null) {
			String tokens = PRIMARY_DATACENTER.equals(datacenter)
					? "tokens { initial_management = \"" + this.managementToken + "\" }"
					: "enable_token_replication = true tokens { replication = \"" + this.managementToken + "\" }";
			fragments
				.add("acl { enabled = true default_policy = \"deny\" enable_token_persistence = true " + tokens + " }");
		}
		fragments.addAll(this.hcl);
		fragments.addAll(this.serverHcl);
		return fragments;
	}

	private List<String> clientHcl(int primaryIndex) {
		List<String> fragments = new ArrayList<>();
		fragments.add("connect { enabled = true }");
		fragments.add("disable_update_check = true");
		fragments.add("primary_datacenter = \"" + PRIMARY_DATACENTER + "\"");
		if (this.managementToken != null) {
			fragments.add("acl { enabled = true default_policy = \"deny\" enable_token_persistence = true }");
		}
		fragments.addAll(this.hcl);
		fragments.addAll(this.clientHcl);
		fragments.addAll(this.clientHclByIndex.getOrDefault(primaryIndex, Collections.emptyList()));
		return fragments;
	}

	private List<String> command(ConsulClusterAgent agent) {
		Ports ports = agent.getPorts();
		List<String> command = new ArrayList<>();
		command.add(ConsulBinary.locate().toString());
		command.add("agent");
		command.add("-node=" + agent.getNodeName());
		command.add("-datacenter=" + agent.getDatacenter());
		command.add("-data-dir=" + agent.getDataDirectory());
		command.add("-bind=" + agent.getBindAddress().getHostAddress());
		command.add("-client=127.0.0.1");
		command.add("-retry-interval=1s");
		command.add("-hcl=" + ports.hcl());
		List<ConsulClusterAgent> servers = datacenterServers(agent.getDatacenter());
		if (agent.isServer()) {
			command.add("-server");
			command.add("-bootstrap-expect=" + servers.size());
			command.add("-advertise=" + agent.getAdvertiseAddress().getHostAddress());
			command.add("-serf-lan-bind=" + agent.getAdvertiseAddress().getHostAddress());
			command.add("-advertise-wan=" + agent.getBindAddress().getHostAddress());
			command.add("-retry-interval-wan=1s");
			for (ConsulClusterAgent other : this.agents) {
				if (other.isServer() && !other.getDatacenter().equals(agent.getDatacenter())) {
					command.add("-retry-join-wan=" + other.getSerfWanAddress());
				}
			}
		}
		for (ConsulClusterAgent server : servers) {
			if (server != agent) {
				command.add("-retry-join=" + server.getSerfLanAddress());
			}
		}
		for (String fragment : agent.getHcl()) {
			command.add("-hcl=" + fragment);
		}
		return command;
	}

	private void launchAll(List<ConsulClusterAgent> group) {
		Map<ConsulClusterAgent, Integer> attempts = new LinkedHashMap<>();
		for (ConsulClusterAgent agent : group) {
			launch(agent);
			attempts.put(agent, 1);
		}
		await("every agent of " + group + " answers HTTP", START_TIMEOUT, false, () -> {
			for (ConsulClusterAgent agent : group) {
				Process process = agent.getProcess();
				if (process != null && !process.isAlive()) {
					int attempt = attempts.getOrDefault(agent, 1);
					if (attempt >= 3 || !portTaken(agent)) {
						throw new AgentExitedException(agent + " exited with code " + process.exitValue());
					}
					agent.terminate(true);
					agent.setPorts(allocatePorts(agent.isServer()));
					if (agent.isServer()) {
						openProxy(agent);
					}
					launch(agent);
					attempts.put(agent, attempt + 1);
					return agent + " restarted on new ports";
				}
				if (!answersHttp(agent)) {
					return agent + " does not answer HTTP yet";
				}
			}
			return null;
		});
	}

	private ConsulClusterAgent relaunchAndAwait(ConsulClusterAgent agent) {
		try {
			relaunch(agent);
			awaitAgentReady(agent);
			return agent;
		}
		catch (RuntimeException ex) {
			throw new IllegalStateException("Could not restart " + agent + ": " + ex.getMessage() + "\n--- last 40 log "
					+ "lines of " + agent.getNodeName() + " ---\n" + agent.logTail(40), ex);
		}
	}

	private void relaunch(ConsulClusterAgent agent) {
		launch(agent);
		await(agent + " answers HTTP", AGENT_TIMEOUT, () -> answersHttp(agent) ? null : "no answer yet");
	}

	private void launch(ConsulClusterAgent agent) {
		try {
			agent.launch(command(agent));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(
					"Could not start " + agent + " with '" + ConsulBinary.locate() + "': " + ex.getMessage(), ex);
		}
	}

	private boolean portTaken(ConsulClusterAgent agent) {
		String log = agent.logTail(20).toLowerCase(Locale.ROOT);
		return log.contains("address already in use");
	}

	private boolean answersHttp(ConsulClusterAgent agent) {
		try {
			agent.send("GET", "/v1/status/leader", null, null, POLL_TIMEOUT);
			return true;
		}
		catch (UncheckedIOException ex) {
			return false;
		}
	}

	private void awaitReady(Duration timeout) {
		for (String datacenter : datacenters()) {
			awaitLeader(datacenter, timeout);
		}
		for (ConsulClusterAgent agent : this.agents) {
			awaitAgentReady(agent, timeout);
		}
		if (this.secondaryDatacenter) {
			ConsulClusterAgent server = runningAgent(PRIMARY_DATACENTER, true);
			await("dc1 knows dc2 over the WAN", timeout, () -> {
				String datacenters = server.request("GET", "/v1/catalog/datacenters", null);
				return datacenters.contains("\"" + SECONDARY_DATACENTER + "\"") ? null : datacenters;
			});
		}
		for (String datacenter : datacenters()) {
			awaitCertificateAuthority(datacenter, timeout);
		}
	}

	private void awaitAgentReady(ConsulClusterAgent agent) {
		if (agent.isServer()) {
			awaitLeader(agent.getDatacenter(), AGENT_TIMEOUT);
		}
		awaitAgentReady(agent, AGENT_TIMEOUT);
	}

	private void awaitAgentReady(ConsulClusterAgent agent, Duration timeout) {
		await(agent + " knows the leader", timeout, () -> {
			HttpResponse<String> leader = agent.send("GET", "/v1/status/leader", null, null, POLL_TIMEOUT);
			return (leader.statusCode() == 200 && !unquote(leader.body()).isEmpty()) ? null
					: "HTTP " + leader.statusCode() + ": " + leader.body().trim();
		});
		if (this.managementToken != null) {
			setAgentToken(agent, timeout);
		}
		await("the servers report " + agent + " alive", timeout, () -> {
			ConsulClusterAgent server = runningAgent(agent.getDatacenter(), true);
			String checks = server.request("GET", "/v1/health/node/" + agent.getNodeName(), null);
			return SERF_HEALTH_PASSING.matcher(checks).find() ? null : checks;
		});
	}

	private void setAgentToken(ConsulClusterAgent agent, Duration timeout) {
		if (agent.getAgentToken() == null) {
			await("an agent token for " + agent, timeout, () -> {
				HttpResponse<String> created = runningAgent(PRIMARY_DATACENTER, true).send("PUT", "/v1/acl/token",
						"{\"Description\":" + json("Agent token of " + agent.getNodeName())
								+ ",\"NodeIdentities\":[{\"NodeName\":" + json(agent.getNodeName()) + ",\"Datacenter\":"
								+ json(agent.getDatacenter()) + "}]}",
						this.managementToken, POLL_TIMEOUT);
				if (created.statusCode() != 200) {
					return "HTTP " + created.statusCode() + ": " + created.body().trim();
				}
				agent.setAgentToken(group(SECRET_ID, created.body(), "token SecretID"));
				return null;
			});
		}
		String token = agent.getAgentToken();
		if (token == null) {
			throw new IllegalStateException("No agent token for " + agent);
		}
		await("the agent token set on " + agent, timeout, () -> {
			HttpResponse<String> set = agent.send("PUT", "/v1/agent/token/agent", "{\"Token\":" + json(token) + "}",
					this.managementToken, POLL_TIMEOUT);
			return (set.statusCode() == 200) ? null : "HTTP " + set.statusCode() + ": " + set.body().trim();
		});
	}

	private ConsulClusterAgent awaitLeader(String datacenter, Duration timeout) {
		AtomicReference<@Nullable ConsulClusterAgent> leader = new AtomicReference<>();
		await("the servers of " + datacenter + " agree on a leader", timeout, () -> {
			List<ConsulClusterAgent> servers = datacenterServers(datacenter).stream()
				.filter(ConsulClusterAgent::isRunning)
				.toList();
			Set<String> answers = new LinkedHashSet<>();
			for (ConsulClusterAgent server : servers) {
				HttpResponse<String> response = server.send("GET", "/v1/status/leader", null, null, POLL_TIMEOUT);
				answers.add(server.getNodeName() + "=" + response.statusCode() + ":" + unquote(response.body()));
			}
			String first = servers.isEmpty() ? ""
					: unquote(servers.get(0).send("GET", "/v1/status/leader", null, null, POLL_TIMEOUT).body());
			boolean agreed = answers.stream().allMatch((answer) -> answer.endsWith("=200:" + first));
			ConsulClusterAgent match = servers.stream()
				.filter((server) -> server.getRpcAdvertiseAddress().equals(first))
				.findFirst()
				.orElse(null);
			if (agreed && match != null) {
				leader.set(match);
				return null;
			}
			return "leaders reported: " + answers;
		});
		ConsulClusterAgent elected = leader.get();
		if (elected == null) {
			throw new IllegalStateException("No leader in " + datacenter);
		}
		return elected;
	}

	private void awaitCertificateAuthority(String datacenter, Duration timeout) {
		ConsulClusterAgent agent = runningAgent(datacenter, false);
		await("the Connect CA of " + datacenter + " has an active root", timeout, () -> {
			HttpResponse<String> roots = agent.send("GET", "/v1/connect/ca/roots", null, this.managementToken,
					POLL_TIMEOUT);
			boolean active = roots.statusCode() == 200 && ACTIVE_ROOT.matcher(roots.body()).find()
					&& ACTIVE_TRUE.matcher(roots.body()).find();
			return active ? null : "HTTP " + roots.statusCode() + ": " + roots.body().trim();
		});
		await("the Connect CA of " + datacenter + " signs a leaf on " + agent, timeout, () -> {
			HttpResponse<String> leaf = agent.send("GET", "/v1/agent/connect/ca/leaf/" + PROBE_SERVICE, null,
					this.managementToken, POLL_TIMEOUT);
			return (leaf.statusCode() == 200) ? null : "HTTP " + leaf.statusCode() + ": " + leaf.body().trim();
		});
	}

	/**
	 * Poll until a check passes, failing early when an agent that should run has exited.
	 * @param description what is awaited, for the failure message
	 * @param timeout how long to wait
	 * @param check returns {@code null} once satisfied, otherwise the current state
	 */
	private void await(String description, Duration timeout, Check check) {
		await(description, timeout, true, check);
	}

	/**
	 * Poll until a check passes.
	 * @param description what is awaited, for the failure message
	 * @param timeout how long to wait
	 * @param failOnExit whether to fail when an agent that should run has exited
	 * @param check returns {@code null} once satisfied, otherwise the current state
	 */
	private void await(String description, Duration timeout, boolean failOnExit, Check check) {
		long deadline = System.nanoTime() + timeout.toNanos();
		String last = "not checked yet";
		while (true) {
			for (ConsulClusterAgent agent : failOnExit ? this.agents : Collections.<ConsulClusterAgent>emptyList()) {
				Process process = agent.getProcess();
				if (process != null && !process.isAlive()) {
					throw new IllegalStateException(
							"Waiting until " + description + ": " + agent + " exited with code " + process.exitValue());
				}
			}
			try {
				String state = check.state();
				if (state == null) {
					return;
				}
				last = state;
			}
			catch (AgentExitedException ex) {
				throw ex;
			}
			catch (UncheckedIOException | IllegalStateException ex) {
				last = String.valueOf(ex.getMessage());
			}
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("Timed out after " + timeout.toSeconds() + "s waiting until "
						+ description + " (last state: " + last + ")");
			}
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
			if (Thread.currentThread().isInterrupted()) {
				throw new IllegalStateException("Interrupted while waiting until " + description);
			}
		}
	}

	private List<ConsulClusterAgent> datacenterServers(String datacenter) {
		return this.agents.stream()
			.filter((agent) -> agent.isServer() && agent.getDatacenter().equals(datacenter))
			.toList();
	}

	private ConsulClusterAgent runningAgent(String datacenter, boolean server) {
		Comparator<ConsulClusterAgent> preferred = Comparator.comparing((agent) -> agent.isServer() != server);
		return this.agents.stream()
			.filter((agent) -> agent.getDatacenter().equals(datacenter) && agent.isRunning())
			.sorted(preferred)
			.findFirst()
			.orElseThrow(() -> new IllegalStateException("No agent of " + datacenter + " runs"));
	}

	private ConsulClusterAgent requireMember(ConsulClusterAgent agent) {
		requireStarted();
		if (!this.agents.contains(agent)) {
			throw new IllegalArgumentException(agent + " is not an agent of this cluster");
		}
		return agent;
	}

	private ConsulClusterAgent requireClient(ConsulClusterAgent agent) {
		if (requireMember(agent).isServer()) {
			throw new IllegalArgumentException(agent + " is a server; only client agents are supported here");
		}
		return agent;
	}

	private synchronized void requireStarted() {
		if (this.agents.isEmpty()) {
			throw new IllegalStateException("Consul cluster is not started");
		}
	}

	private void shutdown() {
		List<Thread> stopping = new ArrayList<>();
		for (ConsulClusterAgent agent : this.agents) {
			Thread thread = new Thread(() -> agent.terminate(false), "consul-cluster-stop-" + agent.getNodeName());
			thread.start();
			stopping.add(thread);
		}
		for (Thread thread : stopping) {
			try {
				thread.join();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		this.agents.forEach(ConsulClusterAgent::closeProxy);
		this.agents.clear();
		this.partitioned.clear();
		Path base = this.directory;
		this.directory = null;
		if (base != null) {
			deleteRecursively(base);
		}
		this.started = false;
		running.remove(this);
	}

	private static void killAllRunning() {
		List<ConsulCluster> clusters;
		synchronized (running) {
			clusters = List.copyOf(running);
		}
		for (ConsulCluster cluster : clusters) {
			try {
				for (ConsulClusterAgent agent : List.copyOf(cluster.agents)) {
					Process process = agent.getProcess();
					if (process != null) {
						process.destroyForcibly();
					}
				}
			}
			catch (RuntimeException ex) {
				// The JVM exits: kill what can be reached, ignore the rest.
			}
		}
	}

	private static void openProxy(ConsulClusterAgent server) {
		for (int attempt = 1;; attempt++) {
			try {
				server.openProxy();
				return;
			}
			catch (IOException ex) {
				if (attempt == 3) {
					throw new UncheckedIOException("Could not bind the RPC proxy of " + server + ": " + ex, ex);
				}
				server.setPorts(allocatePorts(true));
			}
		}
	}

	/**
	 * Find ports free on every address, for TCP and (Serf listens on both) UDP.
	 * @param server whether the agent is a server (which needs a Serf WAN port)
	 * @return the ports
	 */
	private static Ports allocatePorts(boolean server) {
		int[] ports = TestPorts.next(5);
		return new Ports(ports[0], ports[1], ports[2], server ? ports[3] : -1, ports[4]);
	}

	private static void checkLoopback(InetAddress address) {
		try (ServerSocket socket = new ServerSocket(0, 1, address)) {
			socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException("ConsulCluster gives every agent an address of its own in 127.0.0.0/8, "
					+ "but " + address.getHostAddress() + " cannot be bound (" + ex.getMessage() + "). Linux routes "
					+ "the whole range to the loopback interface; on other systems add aliases to it.", ex);
		}
	}

	private static InetAddress address(byte[] block, int host) {
		try {
			return InetAddress.getByAddress(new byte[] { block[0], block[1], block[2], (byte) host });
		}
		catch (UnknownHostException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static List<String> concat(List<String> first, String... second) {
		List<String> all = new ArrayList<>(first);
		all.addAll(List.of(second));
		return all;
	}

	private static String unquote(String body) {
		String trimmed = body.trim();
		return (trimmed.length() >= 2 && trimmed.startsWith("\"") && trimmed.endsWith("\""))
				? trimmed.substring(1, trimmed.length() - 1) : trimmed;
	}

	private static String group(Pattern pattern, String body, String what) {
		Matcher matcher = pattern.matcher(body);
		if (!matcher.find()) {
			throw new IllegalStateException("No " + what + " in Consul's answer: " + body);
		}
		return matcher.group(1);
	}

	static String json(String value) {
		StringBuilder json = new StringBuilder("\"");
		for (char c : value.toCharArray()) {
			if (c == '"' || c == '\\') {
				json.append('\\').append(c);
			}
			else if (c < 0x20) {
				json.append(String.format("\\u%04x", (int) c));
			}
			else {
				json.append(c);
			}
		}
		return json.append('"').toString();
	}

	private static void deleteRecursively(Path directory) {
		if (!Files.exists(directory)) {
			return;
		}
		try (Stream<Path> paths = Files.walk(directory)) {
			paths.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
		}
		catch (IOException ex) {
			// Best effort: a left-over temporary directory must not fail a test.
		}
	}

	/**
	 * A readiness check.
	 */
	@FunctionalInterface
	private interface Check {

		@Nullable String state();

	}

	/**
	 * An agent process that should run has exited: waiting longer cannot help.
	 */
	private static final class AgentExitedException extends IllegalStateException {

		AgentExitedException(String message) {
			super(message);
		}

	}

}
