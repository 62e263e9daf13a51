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

package io.meshnative.connect.registration.internal;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.meshnative.connect.agent.internal.AgentQuery;
import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ConsulAgentException;
import io.meshnative.connect.agent.internal.ServiceRegistration;
import io.meshnative.connect.agent.internal.Watch;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.client.discovery.event.InstanceRegisteredEvent;
import org.springframework.cloud.consul.model.http.agent.NewService;
import org.springframework.cloud.consul.serviceregistry.ConsulAutoRegistration;
import org.springframework.cloud.consul.serviceregistry.ConsulAutoServiceRegistration;
import org.springframework.context.ApplicationListener;

/**
 * Completes Spring Cloud Consul's registration of the application: once it has registered
 * the instance, registers it again with the same ID, name, tags, metadata, address and
 * port, marked {@code Connect.Native=true} (Spring Cloud Consul's registration model
 * cannot express that), and with a health check the agent can pass: an HTTP check aimed
 * at the mTLS server port (which requires a client certificate the agent does not have)
 * becomes a TCP check on that port; TTL checks and HTTP checks on another port (for
 * example a management port) are kept. When the check changes type, the instance is
 * deregistered before it is registered again: Consul (seen with 1.16.1) stops a check's
 * runner on re-registration only when the new check has the same type, so the HTTP check
 * would keep running under the same check ID and turn the instance critical after every
 * passing TCP probe.
 * <p>
 * The registration is kept: an agent that restarts without its data directory (a new
 * node, a wiped volume) has forgotten the instance, and Spring Cloud Consul registers
 * only once at start-up (its heartbeat re-registers only with TTL checks, and then
 * without {@code Connect.Native}). Whenever a watch on the agent recovers after failures
 * (every blocking query fails while the agent is away), the registrar asks the agent for
 * the instance and registers it again if the agent answers 404, retrying while the agent
 * cannot be asked or refuses the registration (after {@value #RETRY_SECONDS} seconds,
 * doubling up to {@value #MAX_RETRY_SECONDS}). It stops once Spring Cloud Consul's
 * registration stops (the application deregisters before shutting down).
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConnectNativeRegistrar implements ApplicationListener<InstanceRegisteredEvent<?>>, DisposableBean {

	static final int RETRY_SECONDS = 2;

	static final int MAX_RETRY_SECONDS = 30;

	private static final int WARN_AFTER_ATTEMPTS = 10;

	private static final Log logger = LogFactory.getLog(ConnectNativeRegistrar.class);

	private final ConsulAgentClient client;

	private final ObjectProvider<ConsulAutoRegistration> registration;

	private final ObjectProvider<ConsulAutoServiceRegistration> lifecycle;

	private final ScheduledExecutorService executor;

	private final AtomicBoolean checkPending = new AtomicBoolean();

	private volatile @Nullable ServiceRegistration registered;

	private volatile boolean closed;

	/**
	 * Create a new instance.
	 * @param client the agent client
	 * @param registration the registration Spring Cloud Consul made of this instance
	 * @param lifecycle the automatic registration of Spring Cloud Consul, which tells
	 * whether the instance is still meant to be registered
	 */
	public ConnectNativeRegistrar(ConsulAgentClient client, ObjectProvider<ConsulAutoRegistration> registration,
			ObjectProvider<ConsulAutoServiceRegistration> lifecycle) {
		this.client = client;
		this.registration = registration;
		this.lifecycle = lifecycle;
		this.executor = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "connect-registration");
			thread.setDaemon(true);
			return thread;
		});
		client.addWatchListener(new Watch.Listener() {

			@Override
			public void onRecovered(AgentQuery<?> query) {
				agentRecovered();
			}

		});
	}

	@Override
	public void onApplicationEvent(InstanceRegisteredEvent<?> event) {
		ConsulAutoRegistration registered = this.registration.getIfAvailable();
		if (registered == null) {
			return;
		}
		NewService service = registered.getService();
		ServiceRegistration connectNative = toConnectNative(service);
		String id = connectNative.id();
		if (id != null && changesCheckType(service.getCheck(), connectNative.check())) {
			this.client.deregisterService(id);
		}
		this.client.registerService(connectNative);
		this.registered = connectNative;
		logger.info("Registered " + connectNative.name() + " (" + connectNative.id() + ") at " + connectNative.address()
				+ ":" + connectNative.port() + " as a Connect-native service with " + describe(connectNative.check()));
	}

	/**
	 * Called when a watch on the agent answers again after failures: check, once for
	 * every burst of recoveries, that the agent still knows the instance.
	 */
	void agentRecovered() {
		if (this.registered != null && this.checkPending.compareAndSet(false, true)) {
			schedule(1, 0);
		}
	}

	private void schedule(int attempt, long delaySeconds) {
		try {
			this.executor.schedule(() -> check(attempt), delaySeconds, TimeUnit.SECONDS);
		}
		catch (RejectedExecutionException ex) {
			this.checkPending.set(false);
		}
	}

	private void check(int attempt) {
		boolean done;
		try {
			done = reregisterIfLost();
		}
		catch (RuntimeException ex) {
			done = false;
			logger.warn("Could not check the registration with the Consul agent: " + ex.getMessage(), ex);
		}
		if (done || this.closed) {
			this.checkPending.set(false);
			return;
		}
		if (attempt == WARN_AFTER_ATTEMPTS) {
			logger.warn("The Consul agent has not confirmed the registration after " + attempt
					+ " attempts; still trying every " + MAX_RETRY_SECONDS + " seconds");
		}
		schedule(attempt + 1, Math.min(MAX_RETRY_SECONDS, (long) RETRY_SECONDS << Math.min(attempt - 1, 4)));
	}

	/**
	 * Register the instance again if the agent no longer knows it.
	 * @return whether the check is done: the agent knows the instance (or knows it again)
	 * or it is no longer meant to be registered; {@code false} if the agent could not be
	 * asked or did not take the registration
	 */
	boolean reregisterIfLost() {
		ServiceRegistration current = this.registered;
		String id = (current != null) ? current.id() : null;
		if (current == null || id == null || !meantToBeRegistered()) {
			return true;
		}
		try {
			this.client.getAgentService(id);
			return true;
		}
		catch (ConsulAgentException ex) {
			if (ex.getStatus() != 404) {
				logger.debug("Could not ask the Consul agent for " + id + ": " + ex.getMessage());
				return false;
			}
		}
		try {
			synchronized (this) {
				if (!meantToBeRegistered()) {
					return true;
				}
				this.client.registerService(current);
			}
			if (!meantToBeRegistered()) {
				// The application started to shut down meanwhile and has deregistered.
				this.client.deregisterService(id);
				return true;
			}
			logger.info("Registered " + current.name() + " (" + id + ") again as a Connect-native service: the "
					+ "Consul agent had lost the registration (restarted without its data directory?)");
			return true;
		}
		catch (ConsulAgentException ex) {
			logger.warn("Could not register " + id + " again with the Consul agent: " + ex.getMessage());
			return false;
		}
	}

	private boolean meantToBeRegistered() {
		if (this.closed) {
			return false;
		}
		ConsulAutoServiceRegistration auto = this.lifecycle.getIfAvailable();
		return auto == null || auto.isRunning();
	}

	@Override
	public void destroy() {
		synchronized (this) {
			this.closed = true;
		}
		this.executor.shutdownNow();
	}

	static ServiceRegistration toConnectNative(NewService service) {
		String address = service.getAddress();
		Integer port = service.getPort();
		Map<String, String> meta = service.getMeta();
		return new ServiceRegistration(service.getId(), service.getName(), null, service.getTags(), address, port, meta,
				new AgentService.Connect(true, null), null, check(service.getCheck(), address, port), null);
	}

	private static ServiceRegistration.@Nullable Check check(NewService.@Nullable Check check, @Nullable String address,
			@Nullable Integer port) {
		String interval = (check != null && check.getInterval() != null) ? check.getInterval() : "10s";
		String deregister = (check != null) ? check.getDeregisterCriticalServiceAfter() : null;
		if (check != null && check.getTtl() != null) {
			return new ServiceRegistration.Check(null, null, null, null, check.getTtl(), null, null, deregister, null);
		}
		if (check != null && check.getHttp() != null && !targetsPort(check.getHttp(), port)) {
			return new ServiceRegistration.Check(null, null, null, check.getHttp(), null, interval, check.getTimeout(),
					deregister, null);
		}
		if (address == null || port == null) {
			return null;
		}
		return new ServiceRegistration.Check(null, "Connect mTLS port", address + ":" + port, null, null, interval,
				(check != null) ? check.getTimeout() : null, deregister, null);
	}

	static boolean changesCheckType(NewService.@Nullable Check registered,
			ServiceRegistration.@Nullable Check connectNative) {
		return registered != null && registered.getHttp() != null && connectNative != null
				&& connectNative.tcp() != null;
	}

	private static boolean targetsPort(String url, @Nullable Integer port) {
		try {
			return port != null && URI.create(url).getPort() == port;
		}
		catch (IllegalArgumentException ex) {
			return true;
		}
	}

	private static String describe(ServiceRegistration.@Nullable Check check) {
		if (check == null) {
			return "no health check";
		}
		if (check.tcp() != null) {
			return "a TCP check on " + check.tcp();
		}
		if (check.ttl() != null) {
			return "a TTL check";
		}
		return "an HTTP check on " + check.http();
	}

}
