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

package io.meshnative.connect.identity;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.meshnative.connect.agent.internal.AgentQuery;
import io.meshnative.connect.agent.internal.AgentResponse;
import io.meshnative.connect.agent.internal.CaRoots;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ConsulAgentException;
import io.meshnative.connect.agent.internal.LeafCertificate;
import io.meshnative.connect.agent.internal.Watch;
import io.meshnative.connect.agent.internal.WatchRate;
import io.meshnative.connect.identity.internal.IdentitySource;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * Loads the service's {@link ConnectIdentity} from the Consul agent and keeps it current.
 * <p>
 * {@link #start()} fetches the roots and the leaf without blocking on the agent, retrying
 * transient failures (unreachable agent, 5xx) until the start-up timeout and failing at
 * once on errors that retries cannot fix (for example a 403 from an ACL). Afterwards two
 * {@link Watch watches} follow the roots and the leaf with blocking queries; every usable
 * change produces a new snapshot and is announced to the {@link ConnectIdentityListener
 * listeners}; an unusable one is logged and counted, and the last good identity stays in
 * use.
 * <p>
 * In agentless mode the roots and the leaf come from an {@link IdentitySource} (the
 * Consul servers) instead of the agent; everything else is the same.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConnectIdentityManager implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(ConnectIdentityManager.class);

	private final @Nullable ConsulAgentClient client;

	private final @Nullable IdentitySource source;

	private final String service;

	private final Duration startupTimeout;

	private final Duration watchWait;

	private final List<ConnectIdentityListener> listeners = new CopyOnWriteArrayList<>();

	private final AtomicLong rotations = new AtomicLong();

	private final AtomicLong rejectedUpdates = new AtomicLong();

	private final Object monitor = new Object();

	private final Object updates = new Object();

	private volatile @Nullable ConnectIdentity identity;

	private volatile @Nullable CaRoots caRoots;

	private @Nullable Watch<CaRoots> rootsWatch;

	private @Nullable Watch<LeafCertificate> leafWatch;

	/**
	 * Create a new instance.
	 * @param client the agent client
	 * @param service the service name
	 * @param startupTimeout the longest time {@link #start()} may take
	 * @param watchWait the {@code wait} of the blocking queries
	 */
	public ConnectIdentityManager(ConsulAgentClient client, String service, Duration startupTimeout,
			Duration watchWait) {
		Assert.hasText(service, "'service' must not be empty");
		this.client = client;
		this.source = null;
		this.service = service;
		this.startupTimeout = startupTimeout;
		this.watchWait = watchWait;
	}

	/**
	 * Create a new instance that takes its roots and leaf from a source other than the
	 * agent (agentless mode). The source is internal API.
	 * @param source the source of the roots and the leaf
	 * @param service the service name
	 * @param startupTimeout the longest time {@link #start()} may take
	 */
	public ConnectIdentityManager(IdentitySource source, String service, Duration startupTimeout) {
		Assert.hasText(service, "'service' must not be empty");
		this.client = null;
		this.source = source;
		this.service = service;
		this.startupTimeout = startupTimeout;
		this.watchWait = Duration.ZERO;
	}

	/**
	 * Load the identity and start keeping it current. Returns once the first identity is
	 * loaded.
	 * @return the first identity
	 * @throws ConnectIdentityException if the identity cannot be loaded within the
	 * start-up timeout
	 */
	public ConnectIdentity start() {
		synchronized (this.monitor) {
			ConnectIdentity current = this.identity;
			if (current != null) {
				return current;
			}
			IdentitySource identitySource = this.source;
			if (identitySource != null) {
				return startFrom(identitySource);
			}
			ConsulAgentClient client = agentClient();
			long deadline = System.nanoTime() + this.startupTimeout.toNanos();
			AgentResponse<CaRoots> roots = load(AgentQuery.caRoots(), deadline);
			AgentResponse<LeafCertificate> leaf = load(AgentQuery.leafCertificate(this.service), deadline);
			try {
				current = ConnectIdentity.of(this.service, roots.value(), roots.index(), leaf.value(), leaf.index());
			}
			catch (InvalidIdentityException ex) {
				throw new ConnectIdentityException("The " + client.describeConsul()
						+ " returned unusable identity material for service '" + this.service + "': " + ex.getMessage(),
						ex);
			}
			this.identity = current;
			this.caRoots = roots.value();
			logger.info("Connect identity loaded: " + current.getSpiffeId() + ", serial " + current.getSerialNumber()
					+ ", valid until " + current.getExpiry() + ", " + current.getRoots().size() + " trusted root(s)");
			Watch.Listener watchListener = new Watch.Listener() {

				@Override
				public void onRejected(AgentQuery<?> query, RuntimeException exception) {
					rejected(exception.getMessage());
				}

			};
			this.rootsWatch = Watch.builder(client, AgentQuery.caRoots())
				.wait(this.watchWait)
				.rateLimit(WatchRate.IDENTITY)
				.startFrom(roots)
				.listener(watchListener)
				.build(this::rootsChanged)
				.start();
			this.leafWatch = Watch.builder(client, AgentQuery.leafCertificate(this.service))
				.wait(this.watchWait)
				.rateLimit(WatchRate.IDENTITY)
				.startFrom(leaf)
				.listener(watchListener)
				.build(this::leafChanged)
				.start();
			return current;
		}
	}

	private ConnectIdentity startFrom(IdentitySource identitySource) {
		IdentitySource.Material material = identitySource.load(this.startupTimeout);
		ConnectIdentity current;
		try {
			current = ConnectIdentity.of(this.service, material.roots(), 0, material.leaf(), 0);
		}
		catch (InvalidIdentityException ex) {
			throw new ConnectIdentityException(identitySource.describe()
					+ " returned unusable identity material for service '" + this.service + "': " + ex.getMessage(),
					ex);
		}
		this.identity = current;
		this.caRoots = material.roots();
		logger.info("Connect identity loaded from " + identitySource.describe() + ": " + current.getSpiffeId()
				+ ", serial " + current.getSerialNumber() + ", valid until " + current.getExpiry() + ", "
				+ current.getRoots().size() + " trusted root(s)");
		identitySource.start(new IdentitySource.Listener() {

			@Override
			public void rootsChanged(CaRoots roots) {
				try {
					ConnectIdentityManager.this.rootsChanged(roots);
				}
				catch (RuntimeException ex) {
					rejected(String.valueOf(ex.getMessage()));
				}
			}

			@Override
			public void leafChanged(LeafCertificate leaf) {
				try {
					ConnectIdentityManager.this.leafChanged(leaf);
				}
				catch (RuntimeException ex) {
					rejected(String.valueOf(ex.getMessage()));
				}
			}

			@Override
			public void rejected(String reason) {
				ConnectIdentityManager.this.rejected(reason);
			}

		});
		return current;
	}

	private ConsulAgentClient agentClient() {
		ConsulAgentClient agent = this.client;
		Assert.state(agent != null, "No Consul agent client");
		return agent;
	}

	private <T> AgentResponse<T> load(AgentQuery<T> query, long deadline) {
		ConsulAgentException last = null;
		long delayMillis = 200;
		while (true) {
			try {
				return agentClient().query(query);
			}
			catch (ConsulAgentException ex) {
				last = ex;
				if (!isTransient(ex)) {
					throw startupFailure(ex);
				}
			}
			long remaining = deadline - System.nanoTime();
			if (remaining <= 0) {
				throw startupFailure(last);
			}
			logger.debug("Connect identity not loaded yet, retrying in " + delayMillis + "ms: " + last.getMessage());
			pause(Math.min(delayMillis, TimeUnit.NANOSECONDS.toMillis(remaining) + 1));
			delayMillis = Math.min(delayMillis * 2, 2000);
		}
	}

	private static boolean isTransient(ConsulAgentException ex) {
		return ex.isUnreachable() || ex.getStatus() >= 500 || ex.getStatus() == 429;
	}

	private ConnectIdentityException startupFailure(ConsulAgentException ex) {
		String within = isTransient(ex)
				? " within " + this.startupTimeout.toSeconds() + "s (connect.agent.startup-timeout)" : "";
		return new ConnectIdentityException("Could not load the Connect identity of service '" + this.service
				+ "' from the " + ex.describeConsul() + within + ": " + ex.getMessage(), ex);
	}

	private void pause(long millis) {
		synchronized (this.monitor) {
			try {
				this.monitor.wait(Math.max(1, millis));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new ConnectIdentityException("Interrupted while loading the Connect identity", ex);
			}
		}
	}

	private void rootsChanged(CaRoots roots) {
		update((current) -> current.withRoots(roots, 0), "roots (active root " + roots.activeRootId() + ")");
		this.caRoots = roots;
	}

	private void leafChanged(LeafCertificate leaf) {
		update((current) -> current.withLeaf(leaf, 0), "leaf (serial " + leaf.serialNumber() + ")");
	}

	/**
	 * Apply a change and tell the listeners, one change at a time: the roots and the leaf
	 * watches may deliver at the same moment (an agent that reconnects answers both), and
	 * a listener that publishes what it is given (the SSL bundle) must not get the later
	 * change first and then the earlier one.
	 * @param change the change to apply to the current identity
	 * @param what what changed, for the log
	 */
	private void update(java.util.function.UnaryOperator<ConnectIdentity> change, String what) {
		synchronized (this.updates) {
			ConnectIdentity previous;
			ConnectIdentity next;
			synchronized (this.monitor) {
				previous = this.identity;
				if (previous == null) {
					return;
				}
				next = change.apply(previous);
				this.identity = next;
			}
			this.rotations.incrementAndGet();
			logger.info("Connect identity rotated: new " + what + "; now " + next.getSpiffeId() + ", serial "
					+ next.getSerialNumber() + ", valid until " + next.getExpiry() + ", " + next.getRoots().size()
					+ " trusted root(s)");
			for (ConnectIdentityListener listener : this.listeners) {
				try {
					listener.identityChanged(previous, next);
				}
				catch (RuntimeException ex) {
					logger.warn("Connect identity listener " + listener + " failed: " + ex.getMessage(), ex);
				}
			}
		}
	}

	private void rejected(@Nullable String reason) {
		this.rejectedUpdates.incrementAndGet();
		String message = (reason != null) ? reason : "unknown reason";
		logger.warn("Connect identity update rejected, keeping the last good identity: " + message);
		for (ConnectIdentityListener listener : this.listeners) {
			listener.updateRejected(message);
		}
	}

	/**
	 * Return the current identity.
	 * @return the identity
	 * @throws IllegalStateException if {@link #start()} has not loaded one yet
	 */
	public ConnectIdentity getIdentity() {
		ConnectIdentity current = this.identity;
		Assert.state(current != null, "Connect identity is not loaded yet");
		return current;
	}

	/**
	 * Return the roots as the agent last listed them (IDs, names, validity, which is
	 * active), or {@code null} before the identity is loaded.
	 * @return the roots
	 */
	public @Nullable CaRoots getCaRoots() {
		return this.caRoots;
	}

	/**
	 * Return the service name.
	 * @return the service name
	 */
	public String getService() {
		return this.service;
	}

	/**
	 * Add a listener told about every change.
	 * @param listener the listener
	 */
	public void addListener(ConnectIdentityListener listener) {
		this.listeners.add(listener);
	}

	/**
	 * Return the number of changes applied since start.
	 * @return the rotation count
	 */
	public long getRotations() {
		return this.rotations.get();
	}

	/**
	 * Return the number of updates rejected since start.
	 * @return the rejected update count
	 */
	public long getRejectedUpdates() {
		return this.rejectedUpdates.get();
	}

	@Override
	public void close() {
		Watch<?> roots;
		Watch<?> leaf;
		synchronized (this.monitor) {
			roots = this.rootsWatch;
			leaf = this.leafWatch;
			this.rootsWatch = null;
			this.leafWatch = null;
		}
		if (roots != null) {
			roots.stop();
		}
		if (leaf != null) {
			leaf.stop();
		}
		if (this.source != null) {
			this.source.close();
		}
	}

}
