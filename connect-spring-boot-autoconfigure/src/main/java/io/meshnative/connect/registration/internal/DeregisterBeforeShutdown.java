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

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.consul.serviceregistry.ConsulAutoServiceRegistration;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;

/**
 * Deregisters the application from the agent as soon as its context starts to close,
 * before the web server's graceful shutdown stops accepting connections. Spring Cloud
 * Consul deregisters only when its registration bean is destroyed, which happens after
 * the web server has stopped: in between, callers still find the instance healthy in the
 * catalogue and are refused. Deregistering first lets callers move to other instances
 * while in-flight requests complete; Spring Cloud Consul's own deregistration then does
 * nothing.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class DeregisterBeforeShutdown
		implements ApplicationListener<ContextClosedEvent>, ApplicationContextAware {

	private static final Log logger = LogFactory.getLog(DeregisterBeforeShutdown.class);

	private final ObjectProvider<ConsulAutoServiceRegistration> registration;

	private @Nullable ApplicationContext context;

	/**
	 * Create a new instance.
	 * @param registration the automatic registration Spring Cloud Consul made of this
	 * instance
	 */
	public DeregisterBeforeShutdown(ObjectProvider<ConsulAutoServiceRegistration> registration) {
		this.registration = registration;
	}

	@Override
	public void setApplicationContext(ApplicationContext context) {
		this.context = context;
	}

	@Override
	public void onApplicationEvent(ContextClosedEvent event) {
		if (event.getApplicationContext() != this.context) {
			return;
		}
		ConsulAutoServiceRegistration registered = this.registration.getIfAvailable();
		if (registered == null || !registered.isRunning()) {
			return;
		}
		logger.info("Deregistering from the Consul agent before the web server shuts down");
		try {
			registered.stop();
		}
		catch (RuntimeException ex) {
			logger.warn("Could not deregister from the Consul agent before shutting down: " + ex.getMessage()
					+ "; the agent removes the instance once its health check fails", ex);
		}
	}

}
