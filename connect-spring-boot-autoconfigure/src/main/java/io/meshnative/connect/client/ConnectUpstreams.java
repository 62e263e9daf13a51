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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.LongSupplier;

import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.DiscoveryChain;
import io.meshnative.connect.agent.internal.ServiceHealth;
import io.meshnative.connect.client.internal.ActiveRequests;
import io.meshnative.connect.client.internal.UpstreamEndpoints;
import io.meshnative.connect.client.internal.UpstreamPolicies;
import io.meshnative.connect.client.internal.UpstreamPolicy;
import io.meshnative.connect.client.internal.UpstreamSettings;
import io.meshnative.connect.client.internal.UpstreamWatches;
import io.meshnative.connect.discovery.internal.DiscoveryChainEvaluator;
import io.meshnative.connect.discovery.internal.Endpoint;
import io.meshnative.connect.discovery.internal.LoadBalancingPolicies;
import io.meshnative.connect.discovery.internal.LoadBalancingPolicy;
import io.meshnative.connect.discovery.internal.RouteRequest;
import io.meshnative.connect.discovery.internal.RoutingDecision;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.identity.SpiffeId;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;
import reactor.netty.http.client.HttpClient;

/**
 * The upstreams this application calls, and the routing of each request: discovery-chain
 * evaluation with the upstream's settings, then the choice of an endpoint (target
 * failover, load balancing). The endpoint watches ({@link UpstreamWatches}), the HTTP
 * clients ({@link MeshHttpClients}) and the active-request counters
 * ({@link ActiveRequests}) are each kept by their own class.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConnectUpstreams implements AutoCloseable {

	/**
	 * Response timeout when neither the route nor the resolver sets one: Envoy's default
	 * route timeout, so that no mesh call can hang forever.
	 */
	static final Duration DEFAULT_RESPONSE_TIMEOUT = MeshHttpClients.DEFAULT_RESPONSE_TIMEOUT;

	/**
	 * {@code WebClient} request attribute that, set to {@code false}, says the request's
	 * body cannot be sent twice (a body streamed from elsewhere, as connect-proxy relays
	 * it), so a reset before the response is not retried.
	 */
	public static final String REPLAYABLE_ATTRIBUTE = ConnectUpstreams.class.getName() + ".replayable";

	private final ConsulAgentClient client;

	private final ConnectIdentityManager identityManager;

	private final Function<String, @Nullable UpstreamSettings> settings;

	private final DiscoveryChainEvaluator evaluator = new DiscoveryChainEvaluator();

	private final ActiveRequests activeRequests = new ActiveRequests();

	private final UpstreamWatches watches;

	private final Map<String, LoadBalancingPolicy> policies = new ConcurrentHashMap<>();

	private final List<ConnectClientListener> listeners = new CopyOnWriteArrayList<>();

	private final ConnectClientListener listener = new CompositeListener(this.listeners);

	private final MeshHttpClients httpClients;

	private volatile ObservationRegistry observationRegistry = ObservationRegistry.NOOP;

	private final Map<String, TargetState> targetStates = new ConcurrentHashMap<>();

	private volatile Function<SpiffeId, UpstreamPolicy> upstreamPolicies;

	private final UpstreamPolicies serviceDefaults;

	private final Duration loadTimeout;

	private final java.util.concurrent.atomic.AtomicBoolean serviceDefaultsStarted = new java.util.concurrent.atomic.AtomicBoolean();

	private final LongSupplier nanoClock = System::nanoTime;

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
		this.watches = new UpstreamWatches(client, watchWait, loadTimeout, this::settings, this.activeRequests);
		this.httpClients = new MeshHttpClients(identityManager, this.listener);
		SpiffeId self = SpiffeId.parse(identityManager.getIdentity().getSpiffeId());
		this.serviceDefaults = new UpstreamPolicies(client, self.service(), self.namespace(), self.partition(),
				watchWait);
		this.loadTimeout = loadTimeout;
		this.upstreamPolicies = (expected) -> this.serviceDefaults.policy(expected.service(), expected.namespace(),
				expected.partition());
	}

	/**
	 * Return the Reactor Netty client for calls to servers that must present an identity:
	 * mTLS with the service's current leaf, the server's SPIFFE ID checked in every
	 * handshake, connections pooled per identity.
	 * @param expected the identity the servers must present
	 * @return the HTTP client
	 */
	public HttpClient httpClient(SpiffeId expected) {
		return this.httpClients.httpClient(expected, this.upstreamPolicies.apply(expected));
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
	 * Return the address and port a mesh call dials for an endpoint: its LAN address in
	 * this datacenter, its WAN address in another, as Consul's Envoy configuration picks
	 * them.
	 * @param entry the endpoint's health entry
	 * @return the address and port
	 */
	public AgentService.TaggedAddress dialAddress(ServiceHealth entry) {
		return entry.bestAddress(localDatacenter());
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
		if (this.serviceDefaultsStarted.compareAndSet(false, true)) {
			this.serviceDefaults.start();
			try {
				this.serviceDefaults.awaitLoaded(this.loadTimeout);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		return this.watches.endpoints(upstream);
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
			throw new NoHealthyUpstreamException(upstream, Collections.emptyList(),
					"its discovery chain could not be loaded from the " + this.client.describeConsul()
							+ ((error != null) ? ": " + error : " in time"));
		}
		RoutingDecision decision = this.evaluator.evaluate(chain, request, ThreadLocalRandom.current().nextDouble(100));
		if (!decision.targets().isEmpty()) {
			// service-defaults UpstreamConfig.ConnectTimeoutMs, else the resolver's, else
			// 5 s
			Duration connectTimeout = policy(decision.targets().get(0)).connectTimeout(decision.connectTimeout());
			decision = new RoutingDecision(decision.targets(), decision.rewrittenPath(), decision.requestTimeout(),
					connectTimeout, decision.retryPolicy(), decision.requestHeaderModifiers(),
					decision.responseHeaderModifiers(), decision.loadBalancer());
		}
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
					: new DiscoveryChain.LoadBalancer(policy, null, null, Collections.emptyList());
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
			List<ServiceHealth> entries = endpoints.getEndpoints(target.id());
			List<Endpoint> candidates = new ArrayList<>();
			List<Endpoint> ejected = new ArrayList<>();
			TargetState state = targetState(upstream, target);
			UpstreamPolicy.PassiveHealth passiveHealth = policy(target).passiveHealth();
			for (ServiceHealth entry : entries) {
				AgentService.TaggedAddress address = entry.bestAddress(localDatacenter);
				Endpoint endpoint = new Endpoint(address.address(), address.port(), entry.service().id(),
						entry.service().meta());
				String key = key(endpoint);
				if (!excluded.contains(key)) {
					(state.detector.isEjected(key, passiveHealth) ? ejected : candidates).add(endpoint);
				}
			}
			if (!ejected.isEmpty()
					&& 2 * (entries.size() - state.detector.ejectedCount(passiveHealth)) < entries.size()) {
				// Envoy's panic threshold (50 %): too few endpoints left, use them all
				candidates.addAll(ejected);
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
	 * Start an attempt to an endpoint: checks the target's {@code MaxConcurrentRequests},
	 * counts the request as active, and feeds its outcome to the target's passive health
	 * check. The returned attempt must be ended exactly once.
	 * @param upstream the upstream name
	 * @param selection the chosen endpoint
	 * @return the attempt
	 * @throws UpstreamLimitExceededException if the target has
	 * {@code MaxConcurrentRequests} requests in flight already
	 */
	public Attempt begin(String upstream, Selection selection) throws UpstreamLimitExceededException {
		TargetState state = targetState(upstream, selection.target());
		UpstreamPolicy policy = policy(selection.target());
		if (state.inFlight.incrementAndGet() > policy.maxConcurrentRequests()) {
			state.inFlight.decrementAndGet();
			this.listener.limitExceeded(upstream, selection.target().id(), "MaxConcurrentRequests");
			throw new UpstreamLimitExceededException(upstream, selection.target().id(), "MaxConcurrentRequests",
					policy.maxConcurrentRequests());
		}
		AtomicInteger active = active(selection.endpoint());
		active.incrementAndGet();
		return new Attempt(upstream, selection, state, policy, active);
	}

	/**
	 * Return the resilience settings of calls to a target.
	 * @param target the target
	 * @return the settings
	 */
	UpstreamPolicy policy(DiscoveryChain.Target target) {
		return this.upstreamPolicies.apply(expectedIdentity(target));
	}

	/**
	 * Set where the resilience settings of calls to each destination come from (Consul's
	 * {@code service-defaults} {@code UpstreamConfig} of this service).
	 * @param policies the settings by the identity of the destination
	 */
	public void setPolicies(Function<SpiffeId, UpstreamPolicy> policies) {
		this.upstreamPolicies = policies;
	}

	/**
	 * Return the number of endpoints of each target that the passive health check has
	 * ejected now, by {@code upstream/target}.
	 * @return the ejected endpoints per target
	 */
	public Map<String, Integer> getEjected() {
		Map<String, Integer> ejected = new java.util.TreeMap<>();
		this.targetStates.forEach(
				(key, state) -> ejected.put(key, state.detector.ejectedCount(policy(state.target).passiveHealth())));
		return ejected;
	}

	private TargetState targetState(String upstream, DiscoveryChain.Target target) {
		return this.targetStates.computeIfAbsent(upstream + "/" + target.id(),
				(key) -> new TargetState(target, new OutlierDetector(this.nanoClock)));
	}

	/**
	 * Count a request to an endpoint as started; the returned counter must be decremented
	 * when it ends.
	 * @param endpoint the endpoint
	 * @return the counter of active requests
	 */
	public AtomicInteger active(Endpoint endpoint) {
		return this.activeRequests.counter(endpoint);
	}

	ActiveRequests activeRequests() {
		return this.activeRequests;
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
		return this.watches.snapshot();
	}

	static String key(Endpoint endpoint) {
		return ActiveRequests.key(endpoint);
	}

	@Override
	public void close() {
		this.serviceDefaults.close();
		this.watches.close();
		this.httpClients.close();
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

	/**
	 * One attempt of a call to an endpoint, started with {@link #begin}.
	 */
	public final class Attempt {

		private final String upstream;

		private final Selection selection;

		private final TargetState state;

		private final UpstreamPolicy policy;

		private final AtomicInteger active;

		private final java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();

		private Attempt(String upstream, Selection selection, TargetState state, UpstreamPolicy policy,
				AtomicInteger active) {
			this.upstream = upstream;
			this.selection = selection;
			this.state = state;
			this.policy = policy;
			this.active = active;
		}

		/**
		 * End the attempt: an answer with this status arrived.
		 * @param status the response status
		 */
		public void answered(int status) {
			end(status >= 500);
		}

		/**
		 * End the attempt: it failed without an answer (a local failure for the passive
		 * health check).
		 */
		public void failed() {
			end(true);
		}

		/**
		 * End the attempt without judging the endpoint (the caller cancelled it).
		 */
		public void abandoned() {
			if (this.ended.compareAndSet(false, true)) {
				this.active.decrementAndGet();
				this.state.inFlight.decrementAndGet();
			}
		}

		private void end(boolean failure) {
			if (!this.ended.compareAndSet(false, true)) {
				return;
			}
			this.active.decrementAndGet();
			this.state.inFlight.decrementAndGet();
			String key = key(this.selection.endpoint());
			// the number of endpoints matters only to eject, so a success does not look
			// it up
			int count = failure ? endpointCount() : 1;
			if (this.state.detector.record(key, failure, this.policy.passiveHealth(), count)) {
				ConnectUpstreams.this.listener.ejected(this.upstream, this.selection.target().id(), key);
			}
		}

		private int endpointCount() {
			UpstreamEndpoints endpoints = ConnectUpstreams.this.watches.snapshot().get(this.upstream);
			return (endpoints != null) ? endpoints.getEndpoints(this.selection.target().id()).size() : 1;
		}

	}

	private static final class TargetState {

		private final DiscoveryChain.Target target;

		private final OutlierDetector detector;

		private final AtomicInteger inFlight = new AtomicInteger();

		TargetState(DiscoveryChain.Target target, OutlierDetector detector) {
			this.target = target;
			this.detector = detector;
		}

	}

	private record CompositeListener(List<ConnectClientListener> listeners) implements ConnectClientListener {

		@Override
		public void retried(String upstream, String target, String reason) {
			this.listeners.forEach((listener) -> listener.retried(upstream, target, reason));
		}

		@Override
		public void ejected(String upstream, String target, String endpoint) {
			this.listeners.forEach((listener) -> listener.ejected(upstream, target, endpoint));
		}

		@Override
		public void limitExceeded(String upstream, String target, String limit) {
			this.listeners.forEach((listener) -> listener.limitExceeded(upstream, target, limit));
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
