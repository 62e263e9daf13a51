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

package io.meshnative.connect.client.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.meshnative.connect.agent.internal.AgentQuery;
import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ConsulAgentException;
import io.meshnative.connect.agent.internal.DiscoveryChain;
import io.meshnative.connect.agent.internal.ServiceHealth;
import io.meshnative.connect.agent.internal.Watch;
import io.meshnative.connect.agent.internal.WatchRate;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Keeps the discovery chain of one upstream and the healthy endpoints of each of its
 * targets current with blocking queries: {@code /v1/discovery-chain/<upstream>} and, per
 * target, {@code /v1/health/connect/<service>?passing} with the target's subset filter.
 * An endpoint is offered only if the identity it serves (the destination service of a
 * sidecar, the service of a native instance) is the target's service.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class UpstreamEndpoints implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(UpstreamEndpoints.class);

	private final String upstream;

	private final ConsulAgentClient client;

	private final Duration watchWait;

	private final @Nullable String datacenter;

	private final @Nullable String namespace;

	private final @Nullable String partition;

	private final Object monitor = new Object();

	private final CountDownLatch chainLoaded = new CountDownLatch(1);

	private final Map<String, TargetWatch> targets = new LinkedHashMap<>();

	private volatile @Nullable DiscoveryChain chain;

	private volatile @Nullable String chainError;

	private @Nullable Watch<DiscoveryChain> chainWatch;

	private boolean closed;

	private Runnable endpointsChanged = () -> {
	};

	/**
	 * Create a new instance.
	 * @param upstream the upstream service name
	 * @param settings the upstream's settings (datacenter, namespace and partition are
	 * used here)
	 * @param client the agent client
	 * @param watchWait the {@code wait} of the blocking queries
	 */
	public UpstreamEndpoints(String upstream, UpstreamSettings settings, ConsulAgentClient client, Duration watchWait) {
		this.upstream = upstream;
		this.datacenter = settings.datacenter();
		this.namespace = nonDefault(settings.namespace());
		this.partition = nonDefault(settings.partition());
		this.client = client;
		this.watchWait = watchWait;
	}

	/**
	 * Set what to run after the endpoints of a target changed or a target was dropped.
	 * @param endpointsChanged the callback
	 * @return this instance
	 */
	UpstreamEndpoints onEndpointsChanged(Runnable endpointsChanged) {
		this.endpointsChanged = endpointsChanged;
		return this;
	}

	/**
	 * Start watching the chain and, as the chain names them, the targets.
	 * @return this instance
	 */
	public UpstreamEndpoints start() {
		synchronized (this.monitor) {
			if (this.chainWatch == null && !this.closed) {
				this.chainWatch = Watch
					.builder(this.client,
							AgentQuery.discoveryChain(this.upstream, this.datacenter, this.namespace, this.partition))
					.wait(this.watchWait)
					.rateLimit(WatchRate.CONFIG)
					.listener(new Watch.Listener() {

						@Override
						public void onError(AgentQuery<?> query, ConsulAgentException exception,
								int consecutiveFailures, Duration retryIn) {
							UpstreamEndpoints.this.chainError = exception.getMessage();
							if (exception.getStatus() >= 400 && exception.getStatus() < 500) {
								UpstreamEndpoints.this.chainLoaded.countDown();
							}
						}

					})
					.build(this::chainChanged)
					.start();
			}
		}
		return this;
	}

	/**
	 * Wait until the chain and the endpoints of every target have been loaded once, or
	 * the agent refused the chain query (a 4xx, which waiting does not cure).
	 * @param timeout the longest time to wait
	 * @return whether everything was loaded in time
	 */
	public boolean awaitLoaded(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		try {
			if (!this.chainLoaded.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
				return false;
			}
			List<TargetWatch> current;
			synchronized (this.monitor) {
				current = new ArrayList<>(this.targets.values());
			}
			for (TargetWatch target : current) {
				long remaining = deadline - System.nanoTime();
				if (remaining <= 0 || !target.loaded.await(remaining, TimeUnit.NANOSECONDS)) {
					return false;
				}
			}
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	/**
	 * Return why the last attempt to load the chain failed.
	 * @return the agent's error, or {@code null} when the last attempt succeeded
	 */
	public @Nullable String getChainError() {
		return this.chainError;
	}

	/**
	 * Return the current compiled chain.
	 * @return the chain, or {@code null} before it is loaded
	 */
	public @Nullable DiscoveryChain getChain() {
		return this.chain;
	}

	/**
	 * Return the healthy endpoints of a target.
	 * @param targetId the target ID from the chain
	 * @return the endpoints, empty when none is healthy or the target is unknown
	 */
	public List<ServiceHealth> getEndpoints(String targetId) {
		TargetWatch target;
		synchronized (this.monitor) {
			target = this.targets.get(targetId);
		}
		return (target != null) ? target.endpoints : Collections.emptyList();
	}

	/**
	 * Return the endpoints ({@code address:port}) of every target, at both the addresses
	 * used within the datacenter and from another one.
	 * @return the endpoint keys
	 */
	Set<String> endpointKeys() {
		List<TargetWatch> current;
		synchronized (this.monitor) {
			current = new ArrayList<>(this.targets.values());
		}
		Set<String> keys = new HashSet<>();
		for (TargetWatch target : current) {
			target.endpoints.forEach((entry) -> {
				keys.add(key(entry.bestAddress(false)));
				keys.add(key(entry.bestAddress(true)));
			});
		}
		return keys;
	}

	private static String key(AgentService.TaggedAddress address) {
		return ActiveRequests.key(address.address(), address.port());
	}

	private void chainChanged(DiscoveryChain chain) {
		boolean dropped;
		synchronized (this.monitor) {
			if (this.closed) {
				return;
			}
			for (DiscoveryChain.Target target : chain.targets().values()) {
				TargetWatch existing = this.targets.get(target.id());
				if (existing == null || !existing.sameQuery(target)) {
					if (existing != null) {
						existing.watch.stop();
					}
					this.targets.put(target.id(), new TargetWatch(target));
				}
			}
			dropped = this.targets.entrySet().removeIf((entry) -> {
				boolean gone = !chain.targets().containsKey(entry.getKey());
				if (gone) {
					entry.getValue().watch.stop();
				}
				return gone;
			});
			this.chain = chain;
			this.chainError = null;
		}
		if (logger.isDebugEnabled()) {
			logger.debug("Upstream '" + this.upstream + "': chain starts at " + chain.startNode() + ", targets "
					+ chain.targets().keySet());
		}
		if (dropped) {
			this.endpointsChanged.run();
		}
		this.chainLoaded.countDown();
	}

	@Override
	public void close() {
		synchronized (this.monitor) {
			this.closed = true;
			if (this.chainWatch != null) {
				this.chainWatch.stop();
			}
			this.targets.values().forEach((target) -> target.watch.stop());
			this.targets.clear();
		}
	}

	@Override
	public String toString() {
		return "UpstreamEndpoints[" + this.upstream + "]";
	}

	/**
	 * Return a namespace or partition as a query parameter: Consul CE refuses {@code ns}
	 * and {@code partition} parameters, even {@code default}.
	 * @param value the namespace or partition
	 * @return the value to send, {@code null} for none
	 */
	private static @Nullable String nonDefault(@Nullable String value) {
		return (value == null || value.isEmpty() || "default".equals(value)) ? null : value;
	}

	private final class TargetWatch {

		private final DiscoveryChain.Target target;

		private final Watch<List<ServiceHealth>> watch;

		private final CountDownLatch loaded = new CountDownLatch(1);

		private volatile List<ServiceHealth> endpoints = Collections.emptyList();

		TargetWatch(DiscoveryChain.Target target) {
			this.target = target;
			String filter = (target.subset() != null) ? target.subset().filter() : null;
			this.watch = Watch
				.builder(UpstreamEndpoints.this.client,
						AgentQuery.connectHealth(target.service(), true, filter, target.datacenter(),
								nonDefault(target.namespace()), nonDefault(target.partition())))
				.wait(UpstreamEndpoints.this.watchWait)
				.rateLimit(WatchRate.CONFIG)
				.build(this::endpointsChanged)
				.start();
		}

		boolean sameQuery(DiscoveryChain.Target other) {
			return this.target.service().equals(other.service()) && this.target.datacenter().equals(other.datacenter())
					&& this.target.namespace().equals(other.namespace())
					&& this.target.partition().equals(other.partition())
					&& Objects.equals(this.target.subset(), other.subset());
		}

		private void endpointsChanged(List<ServiceHealth> entries) {
			List<ServiceHealth> usable = new ArrayList<>();
			for (ServiceHealth entry : entries) {
				if (entry.expectedServiceName().equals(this.target.service())) {
					usable.add(entry);
				}
				else if (logger.isDebugEnabled()) {
					logger.debug("Upstream '" + UpstreamEndpoints.this.upstream + "': ignoring " + entry.service().id()
							+ ", which serves '" + entry.expectedServiceName() + "', not '" + this.target.service()
							+ "'");
				}
			}
			this.endpoints = List.copyOf(usable);
			if (logger.isDebugEnabled()) {
				logger.debug("Upstream '" + UpstreamEndpoints.this.upstream + "' target " + this.target.id() + ": "
						+ usable.size() + " healthy endpoint(s)");
			}
			this.loaded.countDown();
			UpstreamEndpoints.this.endpointsChanged.run();
		}

	}

}
