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

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.meshnative.connect.agent.AgentService;
import io.meshnative.connect.agent.ConsulAgentClient;
import io.meshnative.connect.agent.DiscoveryChain;
import io.meshnative.connect.agent.ServiceHealth;
import io.meshnative.connect.discovery.DiscoveryChainEvaluator;
import io.meshnative.connect.discovery.Endpoint;
import io.meshnative.connect.discovery.LoadBalancingPolicies;
import io.meshnative.connect.discovery.LoadBalancingPolicy;
import io.meshnative.connect.discovery.RouteRequest;
import io.meshnative.connect.discovery.RoutingDecision;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.identity.SpiffeId;
import io.micrometer.observation.ObservationRegistry;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import org.jspecify.annotations.Nullable;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * The upstreams this application calls: one {@link UpstreamEndpoints} per upstream name,
 * started on first use; the shared Reactor Netty client whose TLS presents the service's
 * leaf and checks each server's identity; and the per-request routing (discovery-chain
 * evaluation, target failover, load balancing).
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConnectUpstreams implements AutoCloseable {

	/**
	 * Response timeout when neither the route nor the resolver sets one: Envoy's default
	 * route timeout, so that no mesh call can hang forever.
	 */
	static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(15);

	/**
	 * How long a pooled connection may stay idle before it is closed.
	 */
	static final Duration MAX_IDLE_TIME = Duration.ofSeconds(30);

	private final ConsulAgentClient client;

	private final ConnectIdentityManager identityManager;

	private final Duration watchWait;

	private final Duration loadTimeout;

	private final Function<String, @Nullable UpstreamSettings> settings;

	private final DiscoveryChainEvaluator evaluator = new DiscoveryChainEvaluator();

	private final Map<String, UpstreamEndpoints> upstreams = new ConcurrentHashMap<>();

	private final Map<String, AtomicInteger> activeRequests = new ConcurrentHashMap<>();

	private final Map<String, LoadBalancingPolicy> policies = new ConcurrentHashMap<>();

	private final Map<SpiffeId, Client> clients = new ConcurrentHashMap<>();

	private final List<ConnectClientListener> listeners = new CopyOnWriteArrayList<>();

	private final ConnectClientListener listener = new CompositeListener(this.listeners);

	private volatile ObservationRegistry observationRegistry = ObservationRegistry.NOOP;

	/**
	 * Event loops of our own: an application's Reactor Netty global resources are
	 * disposed when any of its contexts closes, which would strand connections of clients
	 * still in use.
	 */
	private final LoopResources loops = LoopResources.create("connect-mesh", LoopResources.DEFAULT_IO_WORKER_COUNT,
			true);

	/**
	 * Create a new instance.
	 * @param client the agent client
	 * @param identityManager the service's identity
	 * @param watchWait the {@code wait} of blocking queries
	 * @param loadTimeout how long the first call to an upstream may wait for its chain
	 * and endpoints
	 */
	public ConnectUpstreams(ConsulAgentClient client, ConnectIdentityManager identityManager, Duration watchWait,
			Duration loadTimeout) {
		this(client, identityManager, watchWait, loadTimeout, (upstream) -> UpstreamSettings.NONE);
	}

	/**
	 * Create a new instance.
	 * @param client the agent client
	 * @param identityManager the service's identity
	 * @param watchWait the {@code wait} of blocking queries
	 * @param loadTimeout how long the first call to an upstream may wait for its chain
	 * and endpoints
	 * @param settings the settings of each upstream, by upstream name
	 */
	public ConnectUpstreams(ConsulAgentClient client, ConnectIdentityManager identityManager, Duration watchWait,
			Duration loadTimeout, Function<String, @Nullable UpstreamSettings> settings) {
		this.settings = settings;
		this.client = client;
		this.identityManager = identityManager;
		this.watchWait = watchWait;
		this.loadTimeout = loadTimeout;
	}

	/**
	 * Return the Reactor Netty client for calls to servers that must present an identity:
	 * mTLS with the service's current leaf, the server's SPIFFE ID checked in every
	 * handshake, connections pooled per identity.
	 * @param expected the identity the servers must present
	 * @return the HTTP client
	 */
	public HttpClient httpClient(SpiffeId expected) {
		return this.clients.computeIfAbsent(expected, this::createClient).http();
	}

	private Client createClient(SpiffeId expected) {
		SslContext sslContext = ConnectClientTls.nettyClientContext(this.identityManager, expected);
		ConnectionProvider provider = ConnectionProvider.builder("connect-" + expected.service())
			.evictionPredicate((connection, metadata) -> metadata.idleTime() > MAX_IDLE_TIME.toMillis()
					|| presentsAnotherLeaf(connection, this.identityManager.getIdentity().getLeaf()))
			.build();
		return new Client(provider,
				HttpClient.create(provider)
					.runOn(this.loops)
					.responseTimeout(DEFAULT_RESPONSE_TIMEOUT)
					.secure((spec) -> spec.sslContext(sslContext))
					.doOnChannelInit((observer, channel, remoteAddress) -> {
						this.listener.connectionOpened(expected.service());
						channel.closeFuture()
							.addListener((future) -> this.listener.connectionClosed(expected.service()));
					}));
	}

	/**
	 * Whether a pooled connection was opened with a leaf other than the current one: such
	 * a connection is closed instead of being reused (and once its request completes), so
	 * that after a rotation every new request leaves with the current leaf.
	 * @param connection the pooled connection
	 * @param current the current leaf
	 * @return whether the connection presents another leaf
	 */
	static boolean presentsAnotherLeaf(Connection connection, X509Certificate current) {
		SslHandler ssl = connection.channel().pipeline().get(SslHandler.class);
		if (ssl == null) {
			return false;
		}
		Certificate[] presented = ssl.engine().getSession().getLocalCertificates();
		return presented != null && presented.length > 0 && !current.equals(presented[0]);
	}

	/**
	 * Return the identity the servers of a target must present.
	 * @param target the target
	 * @return the expected identity
	 */
	public SpiffeId expectedIdentity(DiscoveryChain.Target target) {
		String namespace = target.namespace().isEmpty() ? "default" : target.namespace();
		return SpiffeId.forService(this.identityManager.getIdentity().getTrustDomain(), target.partition(), namespace,
				target.datacenter(), target.service());
	}

	/**
	 * Return the datacenter of this service, from its SPIFFE ID: endpoints in other
	 * datacenters are dialled at their WAN addresses.
	 * @return the local datacenter
	 */
	private String localDatacenter() {
		return SpiffeId.parse(this.identityManager.getIdentity().getSpiffeId()).datacenter();
	}

	/**
	 * Return the endpoints of an upstream, starting to watch it on first use and waiting
	 * (bounded) until its chain and endpoints are loaded.
	 * @param upstream the upstream name
	 * @return the endpoints
	 */
	public UpstreamEndpoints endpoints(String upstream) {
		UpstreamEndpoints endpoints = this.upstreams.computeIfAbsent(upstream,
				(name) -> new UpstreamEndpoints(name, settings(name), this.client, this.watchWait).start());
		endpoints.awaitLoaded(this.loadTimeout);
		return endpoints;
	}

	/**
	 * Evaluate the discovery chain of an upstream for a request.
	 * @param upstream the upstream name
	 * @param request the request
	 * @return the routing decision
	 * @throws NoHealthyUpstreamException if the chain of the upstream could not be loaded
	 */
	public RoutingDecision decide(String upstream, RouteRequest request) throws NoHealthyUpstreamException {
		UpstreamEndpoints endpoints = endpoints(upstream);
		DiscoveryChain chain = endpoints.getChain();
		if (chain == null) {
			String error = endpoints.getChainError();
			this.listener.noHealthyEndpoint(upstream);
			throw new NoHealthyUpstreamException(upstream, java.util.Collections.emptyList(),
					"its discovery chain could not be loaded from the Consul agent at " + this.client.getAddress()
							+ ((error != null) ? ": " + error : " in time"));
		}
		RoutingDecision decision = this.evaluator.evaluate(chain, request,
				java.util.concurrent.ThreadLocalRandom.current().nextDouble(100));
		return withSettings(decision, settings(upstream));
	}

	/**
	 * Return the settings of an upstream.
	 * @param upstream the upstream name
	 * @return the settings, {@link UpstreamSettings#NONE} when it has none
	 */
	public UpstreamSettings settings(String upstream) {
		UpstreamSettings upstreamSettings = this.settings.apply(upstream);
		return (upstreamSettings != null) ? upstreamSettings : UpstreamSettings.NONE;
	}

	static RoutingDecision withSettings(RoutingDecision decision, UpstreamSettings settings) {
		if (settings.equals(UpstreamSettings.NONE)) {
			return decision;
		}
		Duration connectTimeout = (settings.connectTimeout() != null) ? settings.connectTimeout()
				: decision.connectTimeout();
		Duration requestTimeout = (decision.requestTimeout() != null) ? decision.requestTimeout()
				: settings.requestTimeout();
		DiscoveryChain.LoadBalancer loadBalancer = decision.loadBalancer();
		String policy = settings.loadBalancerPolicy();
		if (policy != null) {
			loadBalancer = (loadBalancer != null)
					? new DiscoveryChain.LoadBalancer(policy, loadBalancer.ringHashConfig(),
							loadBalancer.leastRequestConfig(), loadBalancer.hashPolicies())
					: new DiscoveryChain.LoadBalancer(policy, null, null, java.util.Collections.emptyList());
		}
		return new RoutingDecision(decision.targets(), decision.rewrittenPath(), requestTimeout, connectTimeout,
				decision.retryPolicy(), decision.requestHeaderModifiers(), decision.responseHeaderModifiers(),
				loadBalancer);
	}

	/**
	 * Pick the endpoint to call: the first target (primary, then failover targets in
	 * order) with a healthy endpoint not yet tried, chosen by the load-balancing policy
	 * of the decision.
	 * @param upstream the upstream name
	 * @param decision the routing decision
	 * @param request the request
	 * @param excluded endpoints already tried ({@code address:port})
	 * @return the endpoint with its target, or {@code null} if none is left
	 */
	public @Nullable Selection pick(String upstream, RoutingDecision decision, RouteRequest request,
			Set<String> excluded) {
		UpstreamEndpoints endpoints = endpoints(upstream);
		LoadBalancingPolicy policy = this.policies.computeIfAbsent(upstream + "|" + decision.loadBalancer(),
				(key) -> LoadBalancingPolicies.forSettings(decision.loadBalancer()));
		String localDatacenter = localDatacenter();
		for (DiscoveryChain.Target target : decision.targets()) {
			List<Endpoint> candidates = new ArrayList<>();
			for (ServiceHealth entry : endpoints.getEndpoints(target.id())) {
				AgentService.TaggedAddress address = entry.bestAddress(localDatacenter);
				Endpoint endpoint = new Endpoint(address.address(), address.port(), entry.service().id(),
						entry.service().meta());
				if (!excluded.contains(key(endpoint))) {
					candidates.add(endpoint);
				}
			}
			if (!candidates.isEmpty()) {
				Endpoint chosen = policy.choose(candidates, request, (endpoint) -> active(endpoint).get());
				if (chosen != null) {
					if (target != decision.targets().get(0)) {
						this.listener.failedOver(upstream, target.id());
					}
					return new Selection(chosen, target, expectedIdentity(target));
				}
			}
		}
		this.listener.noHealthyEndpoint(upstream);
		return null;
	}

	/**
	 * Count a request to an endpoint as started; the returned counter must be decremented
	 * when it ends.
	 * @param endpoint the endpoint
	 * @return the counter of active requests
	 */
	public AtomicInteger active(Endpoint endpoint) {
		return this.activeRequests.computeIfAbsent(key(endpoint), (key) -> new AtomicInteger());
	}

	/**
	 * Add a listener told about retries, failovers, calls without a healthy endpoint and
	 * connections.
	 * @param listener the listener
	 */
	public void addListener(ConnectClientListener listener) {
		this.listeners.add(listener);
	}

	ConnectClientListener listener() {
		return this.listener;
	}

	/**
	 * Set the registry that observes every mesh request
	 * ({@code connect.client.requests}).
	 * @param observationRegistry the registry
	 */
	public void setObservationRegistry(ObservationRegistry observationRegistry) {
		this.observationRegistry = observationRegistry;
	}

	ObservationRegistry getObservationRegistry() {
		return this.observationRegistry;
	}

	/**
	 * Return the upstreams called so far, by name.
	 * @return the upstreams, a snapshot
	 */
	public Map<String, UpstreamEndpoints> getUpstreams() {
		return new java.util.TreeMap<>(this.upstreams);
	}

	static String key(Endpoint endpoint) {
		return endpoint.address() + ":" + endpoint.port();
	}

	@Override
	public void close() {
		this.upstreams.values().forEach(UpstreamEndpoints::close);
		this.upstreams.clear();
		this.clients.values().forEach((client) -> client.provider().dispose());
		this.clients.clear();
		this.loops.dispose();
	}

	/**
	 * The endpoint chosen for a call, with its target and the identity it must present.
	 *
	 * @param endpoint the endpoint
	 * @param target the target it belongs to
	 * @param expected the identity it must present
	 */
	public record Selection(Endpoint endpoint, DiscoveryChain.Target target, SpiffeId expected) {

	}

	private record Client(ConnectionProvider provider, HttpClient http) {

	}

	private record CompositeListener(List<ConnectClientListener> listeners) implements ConnectClientListener {

		@Override
		public void retried(String upstream, String target) {
			this.listeners.forEach((listener) -> listener.retried(upstream, target));
		}

		@Override
		public void failedOver(String upstream, String target) {
			this.listeners.forEach((listener) -> listener.failedOver(upstream, target));
		}

		@Override
		public void noHealthyEndpoint(String upstream) {
			this.listeners.forEach((listener) -> listener.noHealthyEndpoint(upstream));
		}

		@Override
		public void connectionOpened(String service) {
			this.listeners.forEach((listener) -> listener.connectionOpened(service));
		}

		@Override
		public void connectionClosed(String service) {
			this.listeners.forEach((listener) -> listener.connectionClosed(service));
		}

	}

}
