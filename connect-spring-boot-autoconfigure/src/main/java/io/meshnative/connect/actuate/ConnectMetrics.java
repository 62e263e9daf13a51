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

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.meshnative.connect.agent.internal.AgentQuery;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ConsulAgentException;
import io.meshnative.connect.agent.internal.Watch;
import io.meshnative.connect.authz.AuthorizationDecision;
import io.meshnative.connect.authz.ConnectAuthorizationListener;
import io.meshnative.connect.authz.ConnectAuthorizer;
import io.meshnative.connect.client.ConnectClientListener;
import io.meshnative.connect.client.ConnectUpstreams;
import io.meshnative.connect.identity.ConnectIdentity;
import io.meshnative.connect.identity.ConnectIdentityListener;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

/**
 * Binds the Consul Connect meters to a {@link MeterRegistry}: inbound decisions, identity
 * rotations and rejected updates, leaf expiry, roots, agent watch errors and staleness,
 * how long configuration changes take to apply, and the mesh clients' retries, failovers,
 * calls without a healthy endpoint and open connections. Mesh request timers come from
 * the {@code connect.client.requests} observation; TLS handshake failures from
 * {@link ConnectTlsHandshakeMetrics}.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConnectMetrics implements MeterBinder {

	/**
	 * The apply latency that configuration changes are expected to meet (issue 15: a
	 * change applies within 2 s of its write), published as a histogram bucket.
	 */
	private static final Duration CONFIG_APPLY_OBJECTIVE = Duration.ofSeconds(2);

	private final ConnectIdentityManager identityManager;

	private final ConsulAgentClient agentClient;

	private final @Nullable ConnectAuthorizer authorizer;

	private final @Nullable ConnectUpstreams upstreams;

	private final Clock clock;

	/**
	 * Create a new instance.
	 * @param identityManager the service's identity
	 * @param agentClient the agent client whose watches are measured
	 * @param authorizer the inbound authorizer, or {@code null} when inbound is off
	 * @param upstreams the mesh clients' upstreams, or {@code null} when there are none
	 * @param clock the clock that the leaf expiry is measured against
	 */
	public ConnectMetrics(ConnectIdentityManager identityManager, ConsulAgentClient agentClient,
			@Nullable ConnectAuthorizer authorizer, @Nullable ConnectUpstreams upstreams, Clock clock) {
		this.identityManager = identityManager;
		this.agentClient = agentClient;
		this.authorizer = authorizer;
		this.upstreams = upstreams;
		this.clock = clock;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		bindIdentity(registry);
		bindWatches(registry);
		if (this.authorizer != null) {
			this.authorizer.addListener(new ConnectAuthorizationListener() {

				/**
				 * The decision counters by result and source, registered on first use and
				 * then reused: the listener runs for every inbound request, so it must
				 * not build a meter ID and look it up each time. A race registers the
				 * same counter twice, which the registry answers with one meter.
				 */
				private final Counter[] decisions = new Counter[2 * AuthorizationDecision.Source.values().length];

				@Override
				public void decided(AuthorizationDecision decision) {
					int index = 2 * decision.source().ordinal() + (decision.allowed() ? 1 : 0);
					Counter counter = this.decisions[index];
					if (counter == null) {
						counter = decisionCounter(registry, decision);
						this.decisions[index] = counter;
					}
					counter.increment();
				}

				@Override
				public void refused(String reason) {
					Counter.builder("connect.authz.refused")
						.description("Inbound requests refused (400) before any decision because their request target "
								+ "is not canonical")
						.tag("reason", reason)
						.register(registry)
						.increment();
				}

			});
		}
		if (this.upstreams != null) {
			this.upstreams.addListener(new ClientMeters(registry, this.upstreams));
		}
	}

	private static Counter decisionCounter(MeterRegistry registry, AuthorizationDecision decision) {
		return Counter.builder("connect.authz.decisions")
			.description("Inbound authorization decisions")
			.tag("result", decision.allowed() ? "allow" : "deny")
			.tag("source", tagValue(decision.source()))
			.register(registry);
	}

	private void bindIdentity(MeterRegistry registry) {
		TimeGauge.builder("connect.identity.leaf.expiry", this, TimeUnit.SECONDS, ConnectMetrics::secondsToExpiry)
			.description("Time until the service's leaf certificate expires (negative once expired)")
			.register(registry);
		Gauge.builder("connect.identity.roots", this, ConnectMetrics::rootCount)
			.description("Number of CA roots trusted")
			.register(registry);
		Counter leafRotations = rotations(registry, "leaf");
		Counter rootRotations = rotations(registry, "roots");
		Counter updateFailures = Counter.builder("connect.identity.update.failures")
			.description("Identity updates from the agent that were rejected (the last good identity kept serving)")
			.register(registry);
		this.identityManager.addListener(new ConnectIdentityListener() {

			@Override
			public void identityChanged(ConnectIdentity previous, ConnectIdentity current) {
				if (!previous.getSerialNumber().equals(current.getSerialNumber())) {
					leafRotations.increment();
				}
				if (!previous.getRoots().equals(current.getRoots())
						|| !previous.getActiveRootId().equals(current.getActiveRootId())) {
					rootRotations.increment();
				}
			}

			@Override
			public void updateRejected(String reason) {
				updateFailures.increment();
			}

		});
	}

	private static Counter rotations(MeterRegistry registry, String kind) {
		return Counter.builder("connect.identity.rotations")
			.description("Changes of the service's identity applied without a restart")
			.tag("kind", kind)
			.register(registry);
	}

	private void bindWatches(MeterRegistry registry) {
		for (String kind : WatchKinds.ALL) {
			TimeGauge
				.builder("connect.agent.watch.staleness", this, TimeUnit.SECONDS, (metrics) -> metrics.staleness(kind))
				.description("Time since the last successful answer of the stalest failing watch of this kind "
						+ "(0 while every watch gets answers)")
				.tag("kind", kind)
				.register(registry);
		}
		this.agentClient.addWatchListener(new Watch.Listener() {

			@Override
			public void onError(AgentQuery<?> query, ConsulAgentException exception, int consecutiveFailures,
					Duration retryIn) {
				watchErrors(registry, query, "error").increment();
			}

			@Override
			public void onRejected(AgentQuery<?> query, RuntimeException exception) {
				watchErrors(registry, query, "rejected").increment();
			}

			@Override
			public void onApplied(AgentQuery<?> query, Duration latency) {
				configApply(registry, query).record(latency);
			}

		});
	}

	private static Timer configApply(MeterRegistry registry, AgentQuery<?> query) {
		return Timer.builder("connect.config.apply")
			.description("Time from when a change of a watched value (discovery chain, endpoints, intentions, roots, "
					+ "leaf) could first be seen to its being in use: the answer that carried it arrived, plus any "
					+ "time the call that fetched it was held back by the rate limit or a backoff")
			.tag("kind", WatchKinds.of(query))
			.serviceLevelObjectives(CONFIG_APPLY_OBJECTIVE)
			.register(registry);
	}

	private static Counter watchErrors(MeterRegistry registry, AgentQuery<?> query, String type) {
		return Counter.builder("connect.agent.watch.errors")
			.description("Failed blocking-query calls to the agent, and answers the watch's handler rejected")
			.tag("kind", WatchKinds.of(query))
			.tag("type", type)
			.register(registry);
	}

	private double secondsToExpiry() {
		try {
			Instant expiry = this.identityManager.getIdentity().getExpiry();
			return Duration.between(this.clock.instant(), expiry).toMillis() / 1000.0;
		}
		catch (IllegalStateException ex) {
			return Double.NaN;
		}
	}

	private double rootCount() {
		try {
			return this.identityManager.getIdentity().getRoots().size();
		}
		catch (IllegalStateException ex) {
			return Double.NaN;
		}
	}

	private double staleness(String kind) {
		Instant now = this.clock.instant();
		double stalest = 0;
		for (Watch<?> watch : this.agentClient.getWatches()) {
			Instant lastSuccess = watch.getLastSuccess();
			if (watch.getConsecutiveFailures() > 0 && lastSuccess != null
					&& WatchKinds.of(watch.getQuery()).equals(kind)) {
				stalest = Math.max(stalest, Duration.between(lastSuccess, now).toMillis() / 1000.0);
			}
		}
		return stalest;
	}

	static String tagValue(Enum<?> value) {
		return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
	}

	private static final class ClientMeters implements ConnectClientListener {

		private final MeterRegistry registry;

		private final ConnectUpstreams upstreams;

		private final Map<String, AtomicInteger> connections = new ConcurrentHashMap<>();

		ClientMeters(MeterRegistry registry, ConnectUpstreams upstreams) {
			this.registry = registry;
			this.upstreams = upstreams;
		}

		@Override
		public void retried(String upstream, String target, String reason) {
			Counter.builder("connect.client.retries")
				.description("Mesh requests sent again: by the route's retry policy (reason=route), because "
						+ "the attempt could not be sent (transparent) or because an idempotent request's "
						+ "connection was reset before any response (reset)")
				.tag("upstream", upstream)
				.tag("target", target)
				.tag("reason", reason)
				.register(this.registry)
				.increment();
		}

		@Override
		public void ejected(String upstream, String target, String endpoint) {
			Counter.builder("connect.client.ejections")
				.description("Endpoints ejected by the passive health check (PassiveHealthCheck)")
				.tag("upstream", upstream)
				.tag("target", target)
				.register(this.registry)
				.increment();
			String key = upstream + "/" + target;
			Gauge
				.builder("connect.client.ejected", this.upstreams,
						(upstreams) -> upstreams.getEjected().getOrDefault(key, 0))
				.description("Endpoints currently ejected by the passive health check")
				.tag("upstream", upstream)
				.tag("target", target)
				.register(this.registry);
		}

		@Override
		public void limitExceeded(String upstream, String target, String limit) {
			Counter.builder("connect.client.overflows")
				.description("Mesh requests refused at once because a limit of their target was reached")
				.tag("upstream", upstream)
				.tag("target", target)
				.tag("limit", limit)
				.register(this.registry)
				.increment();
		}

		@Override
		public void failedOver(String upstream, String target) {
			Counter.builder("connect.client.failovers")
				.description("Mesh request attempts sent to a failover target")
				.tag("upstream", upstream)
				.tag("target", target)
				.register(this.registry)
				.increment();
		}

		@Override
		public void noHealthyEndpoint(String upstream) {
			Counter.builder("connect.client.no.healthy.endpoint")
				.description("Mesh requests that failed because no target had a healthy endpoint left")
				.tag("upstream", upstream)
				.register(this.registry)
				.increment();
		}

		@Override
		public void connectionOpened(String service) {
			connections(service).incrementAndGet();
		}

		@Override
		public void connectionClosed(String service) {
			connections(service).decrementAndGet();
		}

		private AtomicInteger connections(String service) {
			return this.connections.computeIfAbsent(service, (name) -> {
				AtomicInteger open = new AtomicInteger();
				Gauge.builder("connect.client.connections", open, AtomicInteger::get)
					.description("Open mTLS connections to the servers of a service")
					.tag("service", name)
					.strongReference(true)
					.register(this.registry);
				return open;
			});
		}

	}

}
