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

import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ServiceRegistration;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.client.discovery.event.InstanceRegisteredEvent;
import org.springframework.cloud.consul.model.http.agent.NewService;
import org.springframework.cloud.consul.serviceregistry.ConsulAutoRegistration;
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
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConnectNativeRegistrar implements ApplicationListener<InstanceRegisteredEvent<?>> {

	private static final Log logger = LogFactory.getLog(ConnectNativeRegistrar.class);

	private final ConsulAgentClient client;

	private final ObjectProvider<ConsulAutoRegistration> registration;

	/**
	 * Create a new instance.
	 * @param client the agent client
	 * @param registration the registration Spring Cloud Consul made of this instance
	 */
	public ConnectNativeRegistrar(ConsulAgentClient client, ObjectProvider<ConsulAutoRegistration> registration) {
		this.client = client;
		this.registration = registration;
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
		logger.info("Registered " + connectNative.name() + " (" + connectNative.id() + ") at " + connectNative.address()
				+ ":" + connectNative.port() + " as a Connect-native service with " + describe(connectNative.check()));
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
