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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.meshnative.connect.agent.internal.AgentQuery;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ConsulAgentException;
import io.meshnative.connect.agent.internal.ServiceDefaults;
import io.meshnative.connect.agent.internal.Watch;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * Keeps the per-upstream connect timeout, limits and passive health checks of a service
 * current: watches the service's own {@code service-defaults} entry
 * ({@code UpstreamConfig}) with a blocking query and resolves it per destination with
 * {@link UpstreamPolicy#resolve}.
 * <p>
 * {@link #policy} answers at all times: with {@link UpstreamPolicy#DEFAULT} before the
 * first answer and while the service has no entry, and with the last good entry while the
 * agent cannot be reached or answers with something that cannot be decoded (a warning is
 * logged once per streak of failures).
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class UpstreamPolicies implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(UpstreamPolicies.class);

	private final ConsulAgentClient client;

	private final String service;

	private final @Nullable String namespace;

	private final @Nullable String partition;

	private final Duration watchWait;

	private final Object monitor = new Object();

	private final CountDownLatch loaded = new CountDownLatch(1);

	private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

	private volatile State state = new State(null);

	private @Nullable Watch<Optional<ServiceDefaults>> watch;

	private boolean closed;

	/**
	 * Create an instance; it watches nothing until {@link #start()}.
	 * @param client the agent client
	 * @param service the name of the calling service, whose {@code service-defaults} is
	 * read
	 * @param namespace the Consul Enterprise namespace of the calling service, or
	 * {@code null}
	 * @param partition the Consul Enterprise admin partition of the calling service, or
	 * {@code null}
	 * @param watchWait the {@code wait} of the blocking query
	 */
	public UpstreamPolicies(ConsulAgentClient client, String service, @Nullable String namespace,
			@Nullable String partition, Duration watchWait) {
		Assert.hasText(service, "'service' must not be empty");
		this.client = client;
		this.service = service;
		this.namespace = nonDefault(namespace);
		this.partition = nonDefault(partition);
		this.watchWait = watchWait;
	}

	/**
	 * Start watching the service's {@code service-defaults}.
	 * @return this instance
	 */
	public UpstreamPolicies start() {
		synchronized (this.monitor) {
			if (this.watch == null && !this.closed) {
				this.watch = Watch
					.builder(this.client, AgentQuery.serviceDefaults(this.service, this.namespace, this.partition))
					.wait(this.watchWait)
					.rateLimit(5, Duration.ofMillis(500))
					.listener(new FailureLog())
					.build(this::entryChanged)
					.start();
			}
		}
		return this;
	}

	/**
	 * Return the policy for calls to a destination in the local cluster.
	 * @param destinationService the destination service
	 * @param namespace the destination namespace, or {@code null} for the calling
	 * service's
	 * @param partition the destination admin partition, or {@code null} for the calling
	 * service's
	 * @return the current policy
	 */
	public UpstreamPolicy policy(String destinationService, @Nullable String namespace, @Nullable String partition) {
		return policy(destinationService, namespace, partition, null);
	}

	/**
	 * Return the policy for calls to a destination, possibly in a cluster peer.
	 * @param destinationService the destination service
	 * @param namespace the destination namespace, or {@code null} for the calling
	 * service's
	 * @param partition the destination admin partition, or {@code null} for the calling
	 * service's
	 * @param peer the cluster peer, or {@code null} for the local cluster
	 * @return the current policy
	 */
	public UpstreamPolicy policy(String destinationService, @Nullable String namespace, @Nullable String partition,
			@Nullable String peer) {
		State current = this.state;
		Destination destination = new Destination(destinationService, orEmpty(namespace), orEmpty(partition),
				orEmpty(peer));
		return current.policies.computeIfAbsent(destination, (key) -> UpstreamPolicy.resolve(current.serviceDefaults,
				key.service(), key.namespace(), key.partition(), key.peer()));
	}

	/**
	 * Return the entry the policies are resolved from.
	 * @return the last good {@code service-defaults} entry, or {@code null} before the
	 * first answer and while the service has none
	 */
	public @Nullable ServiceDefaults getServiceDefaults() {
		return this.state.serviceDefaults;
	}

	/**
	 * Register a listener called after each new answer of the agent that differs from the
	 * last one (the first answer included), so the policies may have changed; it runs on
	 * the thread that received the answer.
	 * @param listener the listener
	 */
	public void onChanged(Runnable listener) {
		this.listeners.add(listener);
	}

	/**
	 * Wait until the agent answered once (with the entry or with "no entry"), or refused
	 * the query (a 4xx, which waiting does not cure).
	 * @param timeout the longest time to wait
	 * @return whether it answered or refused in time
	 * @throws InterruptedException if interrupted while waiting
	 */
	public boolean awaitLoaded(Duration timeout) throws InterruptedException {
		return this.loaded.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
	}

	@Override
	public void close() {
		synchronized (this.monitor) {
			this.closed = true;
			if (this.watch != null) {
				this.watch.stop();
			}
		}
	}

	@Override
	public String toString() {
		return "UpstreamPolicies[" + this.service + "]";
	}

	private void entryChanged(Optional<ServiceDefaults> entry) {
		ServiceDefaults serviceDefaults = entry.orElse(null);
		this.state = new State(serviceDefaults);
		this.loaded.countDown();
		if (logger.isDebugEnabled()) {
			logger.debug("Upstream policies of '" + this.service + "': "
					+ ((serviceDefaults != null) ? "service-defaults " + serviceDefaults.upstreamConfig()
							: "no service-defaults entry, using the Consul and Envoy defaults"));
		}
		for (Runnable listener : this.listeners) {
			try {
				listener.run();
			}
			catch (RuntimeException ex) {
				logger.warn("Upstream policies of '" + this.service + "': a change listener failed", ex);
			}
		}
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

	private static String orEmpty(@Nullable String value) {
		return (value != null) ? value : "";
	}

	/**
	 * The entry and the policies resolved from it so far.
	 */
	private static final class State {

		private final @Nullable ServiceDefaults serviceDefaults;

		private final Map<Destination, UpstreamPolicy> policies = new ConcurrentHashMap<>();

		State(@Nullable ServiceDefaults serviceDefaults) {
			this.serviceDefaults = serviceDefaults;
		}

	}

	/**
	 * A destination, with empty strings for "the caller's" or "local".
	 */
	private record Destination(String service, String namespace, String partition, String peer) {

	}

	/**
	 * Logs one warning per streak of failed reads, and the recovery.
	 */
	private final class FailureLog implements Watch.Listener {

		@Override
		public void onError(AgentQuery<?> query, ConsulAgentException exception, int consecutiveFailures,
				Duration retryIn) {
			if (exception.getStatus() >= 400 && exception.getStatus() < 500) {
				UpstreamPolicies.this.loaded.countDown();
			}
			if (consecutiveFailures == 1) {
				logger.warn("Upstream policies of '"
						+ UpstreamPolicies.this.service + "': could not read its service-defaults entry ("
						+ exception.getMessage() + "); " + ((getServiceDefaults() != null)
								? "keeping the last entry read" : "using the Consul and Envoy defaults")
						+ " until the agent answers again");
			}
		}

		@Override
		public void onRecovered(AgentQuery<?> query) {
			logger.info("Upstream policies of '" + UpstreamPolicies.this.service
					+ "': its service-defaults entry can be read again");
		}

	}

}
