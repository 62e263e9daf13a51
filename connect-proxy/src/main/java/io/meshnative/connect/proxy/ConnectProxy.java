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

package io.meshnative.connect.proxy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.meshnative.connect.agent.internal.AgentQuery;
import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.DiscoveryChain;
import io.meshnative.connect.agent.internal.Watch;
import io.meshnative.connect.agent.internal.WatchRate;
import io.meshnative.connect.authz.AuthorizationDecision;
import io.meshnative.connect.authz.ConnectAuthorizationListener;
import io.meshnative.connect.authz.ConnectAuthorizer;
import io.meshnative.connect.authz.internal.InboundAuthorization;
import io.meshnative.connect.client.ConnectClientFactory;
import io.meshnative.connect.client.ConnectUpstreams;
import io.meshnative.connect.client.internal.UpstreamEndpoints;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.context.SmartLifecycle;

/**
 * The proxy: watches its registration and keeps one listener per public address and
 * upstream, adding, removing and rebinding listeners as the registration (or a protocol)
 * changes, without touching the connections of listeners that did not change.
 *
 * @author connect-spring-boot authors
 */
final class ConnectProxy implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(ConnectProxy.class);

	private final ConsulAgentClient client;

	private final ProxyRegistration registration;

	private final ConnectIdentityManager identityManager;

	private final InboundAuthorization authorization;

	private final ConnectUpstreams upstreams;

	private final ConnectClientFactory clients;

	private final ConnectProxyProperties properties;

	private final ProxyMetrics metrics;

	private final SslContext serverContext;

	private final Map<String, ProxyListener> listeners = new LinkedHashMap<>();

	private final Object lock = new Object();

	private volatile @Nullable String serviceProtocol;

	private @Nullable Watch<AgentService> registrationWatch;

	private @Nullable Watch<DiscoveryChain> chainWatch;

	private @Nullable ScheduledExecutorService scheduler;

	private volatile boolean running;

	ConnectProxy(ConsulAgentClient client, ProxyRegistration registration, ConnectIdentityManager identityManager,
			ConnectAuthorizer authorizer, InboundAuthorization authorization, ConnectUpstreams upstreams,
			ConnectClientFactory clients, ConnectProxyProperties properties, ProxyMetrics metrics) {
		this.client = client;
		this.registration = registration;
		this.identityManager = identityManager;
		this.authorization = authorization;
		this.upstreams = upstreams;
		this.clients = clients;
		this.properties = properties;
		this.metrics = metrics;
		this.serverContext = ProxyTls.serverContext(identityManager);
		metrics.gauge("connect.proxy.listeners", "Listeners the proxy has open", this::listenerCount);
		authorizer.addListener(new ConnectAuthorizationListener() {

			@Override
			public void decided(AuthorizationDecision decision) {
			}

			@Override
			public void intentionsChanged() {
				reauthorize();
			}

		});
		identityManager.addListener((previous, current) -> {
			if (!previous.getRoots().equals(current.getRoots())) {
				reauthorize();
			}
		});
	}

	private void reauthorize() {
		for (ProxyListener listener : getListeners().values()) {
			if (listener instanceof PublicListener publicListener) {
				publicListener.reauthorize();
			}
		}
	}

	@Override
	public void start() {
		ProxyConfig config = this.registration.getConfig();
		try {
			this.serviceProtocol = this.client.getDiscoveryChain(config.service()).protocol();
		}
		catch (RuntimeException ex) {
			logger.warn("Could not read the protocol of service '" + config.service() + "', serving tcp until it can "
					+ "be read: " + ex.getMessage());
		}
		logger.info("Proxy '" + config.proxyId() + "' for service '" + config.service() + "', TLS by "
				+ (OpenSsl.isAvailable() ? OpenSsl.versionString() + " (netty-tcnative)" : "the JDK (JSSE)"));
		synchronized (this.lock) {
			this.running = true;
			reconcile(config);
		}
		ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "connect-proxy-config");
			thread.setDaemon(true);
			return thread;
		});
		long interval = Math.max(100, this.properties.getProtocolCheckInterval().toMillis());
		executor.scheduleWithFixedDelay(this::reconcileCurrent, interval, interval, TimeUnit.MILLISECONDS);
		this.scheduler = executor;
		this.registrationWatch = Watch.builder(this.client, AgentQuery.agentService(config.proxyId()))
			.rateLimit(WatchRate.CONFIG)
			.build(this::registrationChanged)
			.start();
		this.chainWatch = Watch.builder(this.client, AgentQuery.discoveryChain(config.service(), null))
			.rateLimit(WatchRate.CONFIG)
			.build((chain) -> {
				this.serviceProtocol = chain.protocol();
				reconcileLater();
			})
			.start();
	}

	private void registrationChanged(AgentService service) {
		ProxyConfig config;
		try {
			config = ProxyConfig.of(service);
		}
		catch (IllegalArgumentException ex) {
			logger.error("Ignoring a change of the proxy registration, keeping the listeners as they are: "
					+ ex.getMessage());
			return;
		}
		if (!config.service().equals(this.registration.getConfig().service())) {
			logger.error("The proxy registration now fronts service '" + config.service() + "' instead of '"
					+ this.registration.getConfig().service()
					+ "'; a proxy serves one identity, restart it to serve another. Keeping the listeners as they are");
			return;
		}
		this.registration.setConfig(config);
		reconcileLater();
	}

	/**
	 * Reconcile on the proxy's own thread: opening an upstream listener may wait for the
	 * upstream's discovery chain, which must not hold up the thread that delivers watch
	 * answers.
	 */
	private void reconcileLater() {
		ScheduledExecutorService executor = this.scheduler;
		if (executor != null && !executor.isShutdown()) {
			executor.execute(this::reconcileCurrent);
		}
	}

	private void reconcileCurrent() {
		try {
			synchronized (this.lock) {
				if (this.running) {
					reconcile(this.registration.getConfig());
				}
			}
		}
		catch (RuntimeException ex) {
			logger.error("Could not apply the proxy configuration: " + ex.getMessage(), ex);
		}
	}

	private void reconcile(ProxyConfig config) {
		Map<String, Spec> desired = new LinkedHashMap<>();
		String protocol = (config.protocol() != null) ? config.protocol() : this.serviceProtocol;
		boolean publicHttp = "http".equals(protocol);
		desired.put("public|" + config.publicListener() + "|" + config.localApplication() + "|" + publicHttp,
				() -> new PublicListener(config.publicListener(), config.localApplication(), publicHttp,
						this.identityManager, this.authorization, this.serverContext, limits(), this.metrics));
		for (ProxyConfig.Upstream upstream : config.upstreams()) {
			boolean http = "http".equals(upstreamProtocol(upstream));
			desired.put("upstream|" + upstream + "|" + http, () -> new UpstreamListener(upstream, http, this.upstreams,
					this.identityManager, this.clients, limits(), this.metrics));
		}
		List<ProxyListener> removed = new ArrayList<>();
		this.listeners.entrySet().removeIf((entry) -> {
			if (desired.containsKey(entry.getKey())) {
				return false;
			}
			removed.add(entry.getValue());
			return true;
		});
		for (ProxyListener listener : removed) {
			listener.stopAccepting();
			Schedulers.boundedElastic().schedule(() -> listener.drain(this.properties.getDrainTimeout()));
		}
		desired.forEach((key, spec) -> {
			if (!this.listeners.containsKey(key)) {
				ProxyListener listener = spec.create();
				try {
					listener.start();
					this.listeners.put(key, listener);
				}
				catch (RuntimeException ex) {
					logger.error("Could not open the " + listener.describe() + " on " + listener.getAddress()
							+ " (is the address in use?); retrying in "
							+ this.properties.getProtocolCheckInterval().toMillis() + "ms: " + ex.getMessage());
				}
			}
		});
	}

	private @Nullable String upstreamProtocol(ProxyConfig.Upstream upstream) {
		if (upstream.protocol() != null) {
			return upstream.protocol();
		}
		UpstreamEndpoints endpoints = this.upstreams.endpoints(upstream.name());
		DiscoveryChain chain = endpoints.getChain();
		return (chain != null) ? chain.protocol() : null;
	}

	private ProxyListener.Limits limits() {
		return new ProxyListener.Limits(this.properties.getConnectTimeout(), this.properties.getHandshakeTimeout(),
				this.properties.getIdleTimeout(), this.properties.getMaxConnections());
	}

	/**
	 * Return the listeners, keyed by what they serve.
	 * @return a snapshot of the listeners
	 */
	Map<String, ProxyListener> getListeners() {
		synchronized (this.lock) {
			return new LinkedHashMap<>(this.listeners);
		}
	}

	private int listenerCount() {
		synchronized (this.lock) {
			return this.listeners.size();
		}
	}

	@Override
	public void stop() {
		ScheduledExecutorService executor = this.scheduler;
		if (executor != null) {
			executor.shutdownNow();
		}
		closeWatch(this.registrationWatch);
		closeWatch(this.chainWatch);
		List<ProxyListener> open;
		synchronized (this.lock) {
			this.running = false;
			open = new ArrayList<>(this.listeners.values());
			this.listeners.clear();
		}
		open.forEach(ProxyListener::stopAccepting);
		Flux.fromIterable(open)
			.flatMap((listener) -> Mono.fromRunnable(() -> listener.drain(this.properties.getDrainTimeout()))
				.subscribeOn(Schedulers.boundedElastic()))
			.blockLast();
	}

	private static void closeWatch(@Nullable Watch<?> watch) {
		if (watch != null) {
			watch.close();
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		// Stop before the admin server (default phase - 1024) is taken down.
		return SmartLifecycle.DEFAULT_PHASE - 512;
	}

	@FunctionalInterface
	private interface Spec {

		ProxyListener create();

	}

}
