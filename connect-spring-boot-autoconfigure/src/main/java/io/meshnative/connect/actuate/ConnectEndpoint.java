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

package io.meshnative.connect.actuate;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.CaRoots;
import io.meshnative.connect.agent.internal.DiscoveryChain;
import io.meshnative.connect.agent.internal.Intention;
import io.meshnative.connect.agent.internal.ServiceHealth;
import io.meshnative.connect.authz.ConnectAuthorizer;
import io.meshnative.connect.client.ConnectUpstreams;
import io.meshnative.connect.client.internal.UpstreamEndpoints;
import io.meshnative.connect.identity.ConnectIdentity;
import io.meshnative.connect.identity.ConnectIdentityManager;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * {@link Endpoint @Endpoint} that shows the service's place in the mesh, read-only: its
 * identity (never the private key), the trusted roots, the inbound decision cache and the
 * intentions seen, and for every upstream called so far its discovery chain, targets,
 * healthy endpoints and load-balancing policy.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@Endpoint(id = "connect")
public final class ConnectEndpoint {

	private final ConnectIdentityManager identityManager;

	private final @Nullable ConnectAuthorizer authorizer;

	private final @Nullable ConnectUpstreams upstreams;

	private final Map<String, Map<String, LongAdder>> decisions = new ConcurrentHashMap<>();

	/**
	 * Create a new instance.
	 * @param identityManager the service's identity
	 * @param authorizer the inbound authorizer, or {@code null} when inbound is off
	 * @param upstreams the mesh clients' upstreams, or {@code null} when there are none
	 */
	public ConnectEndpoint(ConnectIdentityManager identityManager, @Nullable ConnectAuthorizer authorizer,
			@Nullable ConnectUpstreams upstreams) {
		this.identityManager = identityManager;
		this.authorizer = authorizer;
		this.upstreams = upstreams;
		if (authorizer != null) {
			authorizer.addListener((decision) -> this.decisions
				.computeIfAbsent(decision.allowed() ? "allow" : "deny", (key) -> new ConcurrentHashMap<>())
				.computeIfAbsent(ConnectMetrics.tagValue(decision.source()), (key) -> new LongAdder())
				.increment());
		}
	}

	/**
	 * Describe the service's identity, roots, authorization and upstreams.
	 * @return the description
	 */
	@ReadOperation
	public ConnectDescriptor connect() {
		ConnectIdentity identity = this.identityManager.getIdentity();
		return new ConnectDescriptor(identity.getService(), identity(identity), roots(identity), authorization(),
				upstreams());
	}

	private static IdentityDescriptor identity(ConnectIdentity identity) {
		List<String> subjects = new ArrayList<>();
		for (X509Certificate certificate : identity.getChain()) {
			subjects.add(certificate.getSubjectX500Principal().getName());
		}
		return new IdentityDescriptor(identity.getSpiffeId(), identity.getTrustDomain(), identity.getSerialNumber(),
				identity.getValidFrom(), identity.getExpiry(), subjects);
	}

	private List<RootDescriptor> roots(ConnectIdentity identity) {
		CaRoots caRoots = this.identityManager.getCaRoots();
		if (caRoots == null) {
			return Collections.emptyList();
		}
		List<RootDescriptor> roots = new ArrayList<>();
		for (CaRoots.Root root : caRoots.roots()) {
			roots.add(new RootDescriptor(root.id(), root.name(), root.id().equals(identity.getActiveRootId()),
					root.notBefore(), root.notAfter()));
		}
		return roots;
	}

	private @Nullable AuthorizationDescriptor authorization() {
		ConnectAuthorizer authorizer = this.authorizer;
		if (authorizer == null) {
			return null;
		}
		Map<String, Map<String, Long>> counts = new TreeMap<>();
		this.decisions.forEach((result, sources) -> {
			Map<String, Long> bySource = new TreeMap<>();
			sources.forEach((source, count) -> bySource.put(source, count.sum()));
			counts.put(result, bySource);
		});
		List<IntentionDescriptor> intentions = new ArrayList<>();
		for (Intention intention : authorizer.getIntentions()) {
			intentions.add(new IntentionDescriptor(intention.id(), source(intention), intention.action(),
					intention.permissions().size(), intention.precedence()));
		}
		Boolean defaultAllow = authorizer.getDefaultAllow();
		return new AuthorizationDescriptor(authorizer.isWatchingIntentions(),
				(defaultAllow != null) ? (defaultAllow ? "allow" : "deny") : null, counts, intentions);
	}

	private static String source(Intention intention) {
		String namespace = intention.sourceNs().isEmpty() ? "default" : intention.sourceNs();
		String source = namespace + "/" + intention.sourceName();
		return intention.sourcePeer().isEmpty() ? source : "peer:" + intention.sourcePeer() + "/" + source;
	}

	private Map<String, UpstreamDescriptor> upstreams() {
		ConnectUpstreams upstreams = this.upstreams;
		if (upstreams == null) {
			return Collections.emptyMap();
		}
		Map<String, UpstreamDescriptor> described = new LinkedHashMap<>();
		upstreams.getUpstreams().forEach((name, endpoints) -> described.put(name, upstream(upstreams, endpoints)));
		return described;
	}

	private static UpstreamDescriptor upstream(ConnectUpstreams upstreams, UpstreamEndpoints endpoints) {
		DiscoveryChain chain = endpoints.getChain();
		if (chain == null) {
			return new UpstreamDescriptor(null, Collections.emptyList());
		}
		List<String> nodes = new ArrayList<>();
		chain.nodes().forEach((key, node) -> nodes.add(node.type() + ":" + node.name()));
		ChainDescriptor summary = new ChainDescriptor(chain.serviceName(), chain.datacenter(), chain.protocol(),
				chain.isDefault(), chain.startNode(), nodes);
		List<TargetDescriptor> targets = new ArrayList<>();
		for (DiscoveryChain.Target target : chain.targets().values()) {
			List<EndpointDescriptor> healthy = new ArrayList<>();
			for (ServiceHealth entry : endpoints.getEndpoints(target.id())) {
				AgentService.TaggedAddress dialled = upstreams.dialAddress(entry);
				healthy.add(new EndpointDescriptor(dialled.address(), dialled.port(), entry.service().id()));
			}
			targets.add(new TargetDescriptor(target.id(), target.service(), target.serviceSubset(), target.namespace(),
					target.partition(), target.datacenter(), loadBalancer(chain, target), healthy));
		}
		return new UpstreamDescriptor(summary, targets);
	}

	private static String loadBalancer(DiscoveryChain chain, DiscoveryChain.Target target) {
		for (DiscoveryChain.Node node : chain.nodes().values()) {
			DiscoveryChain.Resolver resolver = node.resolver();
			DiscoveryChain.LoadBalancer loadBalancer = node.loadBalancer();
			if (resolver != null && resolver.target().equals(target.id()) && loadBalancer != null
					&& !loadBalancer.policy().isEmpty()) {
				return loadBalancer.policy();
			}
		}
		return "round_robin";
	}

	/**
	 * What the {@code connect} endpoint returns.
	 *
	 * @param service the service name
	 * @param identity the service's identity
	 * @param roots the trusted CA roots
	 * @param authorization inbound authorization, {@code null} when inbound is off
	 * @param upstreams the upstreams called so far, by name
	 */
	public record ConnectDescriptor(String service, IdentityDescriptor identity, List<RootDescriptor> roots,
			@Nullable AuthorizationDescriptor authorization,
			Map<String, UpstreamDescriptor> upstreams) implements OperationResponseBody {

	}

	/**
	 * The service's identity.
	 *
	 * @param spiffeId the SPIFFE ID
	 * @param trustDomain the trust domain
	 * @param serialNumber the leaf's serial number, colon-hex
	 * @param validFrom start of the leaf's validity
	 * @param validUntil end of the leaf's validity
	 * @param chain the subjects of the presented chain, leaf first
	 */
	public record IdentityDescriptor(String spiffeId, String trustDomain, String serialNumber, Instant validFrom,
			Instant validUntil, List<String> chain) {

	}

	/**
	 * A CA root as the agent lists it.
	 *
	 * @param id the root's ID (colon-hex fingerprint)
	 * @param name the root's name
	 * @param active whether it is the active root
	 * @param notBefore start of validity
	 * @param notAfter end of validity
	 */
	public record RootDescriptor(String id, String name, boolean active, @Nullable Instant notBefore,
			@Nullable Instant notAfter) {

	}

	/**
	 * Inbound authorization state.
	 *
	 * @param watchingIntentions whether decisions are made from intentions that were read
	 * (rather than by {@code connect.authz.failure-mode})
	 * @param defaultDecision what applies when no intention matches, {@code allow} or
	 * {@code deny}; {@code null} while it is not known
	 * @param decisions decisions since start, by result and source
	 * @param intentions the intentions for this service as last seen, most precise first
	 */
	public record AuthorizationDescriptor(boolean watchingIntentions, @Nullable String defaultDecision,
			Map<String, Map<String, Long>> decisions, List<IntentionDescriptor> intentions) {

	}

	/**
	 * An intention.
	 *
	 * @param id the intention ID (empty for config-entry intentions)
	 * @param source the source, {@code namespace/name}
	 * @param action {@code allow} or {@code deny}; empty for L7 intentions
	 * @param permissions the number of L7 permissions
	 * @param precedence the precedence
	 */
	public record IntentionDescriptor(String id, String source, String action, int permissions, int precedence) {

	}

	/**
	 * An upstream.
	 *
	 * @param chain the compiled discovery chain, {@code null} until loaded
	 * @param targets the chain's targets
	 */
	public record UpstreamDescriptor(@Nullable ChainDescriptor chain, List<TargetDescriptor> targets) {

	}

	/**
	 * Summary of a compiled discovery chain.
	 *
	 * @param serviceName the service the chain is for
	 * @param datacenter the datacenter it was compiled for
	 * @param protocol the protocol
	 * @param isDefault whether no config entry shapes it
	 * @param startNode the key of the first node
	 * @param nodes the nodes, {@code type:name}
	 */
	public record ChainDescriptor(String serviceName, String datacenter, String protocol, boolean isDefault,
			String startNode, List<String> nodes) {

	}

	/**
	 * A target of a discovery chain.
	 *
	 * @param id the target ID
	 * @param service the service
	 * @param subset the service subset, empty for none
	 * @param namespace the namespace
	 * @param partition the partition
	 * @param datacenter the datacenter
	 * @param loadBalancer the load-balancing policy
	 * @param healthyEndpoints the healthy endpoints
	 */
	public record TargetDescriptor(String id, String service, String subset, String namespace, String partition,
			String datacenter, String loadBalancer, List<EndpointDescriptor> healthyEndpoints) {

	}

	/**
	 * A healthy endpoint.
	 *
	 * @param address the address dialled
	 * @param port the port
	 * @param serviceId the service instance ID
	 */
	public record EndpointDescriptor(String address, int port, String serviceId) {

	}

}
