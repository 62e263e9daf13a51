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

package io.meshnative.connect.autoconfigure;

import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ServiceRegistration;
import io.meshnative.connect.test.ConsulAgentExtension;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The test fixture that starts mesh applications: a Spring Boot application of either
 * {@link Stack stack} with the starter, on a free port, pointing at a test agent, held in
 * a {@link MeshApplication} that knows its mesh port and calls it as a mesh caller over
 * mTLS: <pre class="code">
 * try (MeshApplication app = MeshApplications.start(Stack.TOMCAT, consul, "orders")) {
 *     MeshTestClient.Response response = app.get("cli", "/hello");
 * }
 * </pre>
 *
 * @author connect-spring-boot authors
 */
public final class MeshApplications {

	/**
	 * Property that keeps an application out of the catalogue (no Spring Cloud Consul
	 * registration), for applications that only call or are only called.
	 */
	public static final String NO_REGISTRATION = "spring.cloud.consul.enabled=false";

	private MeshApplications() {
	}

	/**
	 * Start {@link InboundTestApplications an application} that answers
	 * {@code GET /hello} with its caller's SPIFFE ID.
	 * @param stack the stack
	 * @param consul the agent
	 * @param service the service name
	 * @param properties more properties, {@code key=value}; they override the defaults
	 * @return the running application
	 */
	public static MeshApplication start(Stack stack, ConsulAgentExtension consul, String service,
			String... properties) {
		return start(stack, inboundApplication(stack), consul, service, properties);
	}

	/**
	 * Start an application.
	 * @param stack the stack
	 * @param application the application class, of the stack's kind
	 * @param consul the agent
	 * @param service the service name
	 * @param properties more properties, {@code key=value}; they override the defaults
	 * @return the running application
	 */
	public static MeshApplication start(Stack stack, Class<?> application, ConsulAgentExtension consul, String service,
			String... properties) {
		return start(stack.type(), application, consul, service, properties);
	}

	/**
	 * Start an application.
	 * @param type the kind of application
	 * @param application the application class
	 * @param consul the agent
	 * @param service the service name
	 * @param properties more properties, {@code key=value}; they override the defaults
	 * @return the running application
	 */
	public static MeshApplication start(WebApplicationType type, Class<?> application, ConsulAgentExtension consul,
			String service, String... properties) {
		return start(type, application, TestConsulAgentConnectionDetails.of(consul), service, properties);
	}

	/**
	 * Start an application.
	 * @param type the kind of application
	 * @param application the application class
	 * @param agent the agent the application uses (its token, if any, is used only to
	 * issue certificates to {@link MeshApplication#caller(String) callers})
	 * @param service the service name
	 * @param properties more properties, {@code key=value}; they override the defaults
	 * @return the running application
	 */
	public static MeshApplication start(WebApplicationType type, Class<?> application,
			ConsulAgentConnectionDetails agent, String service, String... properties) {
		return new MeshApplication(builder(type, application, agent.getAddress(), service, properties).run(), agent);
	}

	/**
	 * Return a builder for {@link InboundTestApplications an application} that answers
	 * {@code GET /hello}, for more customisation than properties.
	 * @param stack the stack
	 * @param consul the agent
	 * @param service the service name
	 * @param properties more properties, {@code key=value}; they override the defaults
	 * @return the builder
	 */
	public static SpringApplicationBuilder builder(Stack stack, ConsulAgentExtension consul, String service,
			String... properties) {
		return builder(stack.type(), inboundApplication(stack), consul.getAddress(), service, properties);
	}

	/**
	 * Return a builder for an application, for more customisation than properties.
	 * @param type the kind of application
	 * @param application the application class
	 * @param agent the agent address
	 * @param service the service name
	 * @param properties more properties, {@code key=value}; they override the defaults
	 * @return the builder
	 */
	public static SpringApplicationBuilder builder(WebApplicationType type, Class<?> application, URI agent,
			String service, String... properties) {
		return new SpringApplicationBuilder(application).web(type).properties(properties(agent, service, properties));
	}

	/**
	 * Return the properties of an application: a free port, the service name, the agent
	 * address, registration through Spring Cloud Consul at the same agent, no banner,
	 * then the given ones.
	 * @param agent the agent address
	 * @param service the service name
	 * @param properties more properties, {@code key=value}; they override the defaults
	 * @return the properties
	 */
	public static Map<String, Object> properties(URI agent, String service, String... properties) {
		Map<String, Object> map = new LinkedHashMap<>();
		map.put("server.port", "0");
		map.put("connect.service-name", service);
		map.put("connect.agent.address", agent.toString());
		map.put("spring.application.name", service);
		map.put("spring.cloud.consul.host", agent.getHost());
		map.put("spring.cloud.consul.port", agent.getPort());
		map.put("spring.main.banner-mode", "off");
		for (String pair : properties) {
			int equals = pair.indexOf('=');
			map.put(pair.substring(0, equals), pair.substring(equals + 1));
		}
		return map;
	}

	/**
	 * Return the port of an application's web server (the mesh port).
	 * @param context the application context
	 * @return the port
	 */
	public static int port(ApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	/**
	 * Register a Connect-native instance of a service on {@code 127.0.0.1} with a passing
	 * TTL check of 30 minutes, as an application started with {@link #NO_REGISTRATION} is
	 * not registered by Spring Cloud Consul.
	 * @param client the agent client
	 * @param id the instance ID
	 * @param service the service name
	 * @param port the instance's mesh port
	 */
	public static void registerConnectNative(ConsulAgentClient client, String id, String service, int port) {
		client.registerService(new ServiceRegistration(id, service, null, null, "127.0.0.1", port, null,
				new AgentService.Connect(true, null), null, ServiceRegistration.Check.passingTtl("30m"), null));
	}

	private static Class<?> inboundApplication(Stack stack) {
		return stack.select(InboundTestApplications.ServletApp.class, InboundTestApplications.ReactiveApp.class);
	}

	/**
	 * A running mesh application.
	 */
	public static final class MeshApplication implements AutoCloseable {

		private final ConfigurableApplicationContext context;

		private final ConsulAgentConnectionDetails agent;

		MeshApplication(ConfigurableApplicationContext context, ConsulAgentConnectionDetails agent) {
			this.context = context;
			this.agent = agent;
		}

		/**
		 * Return the application context.
		 * @return the context
		 */
		public ConfigurableApplicationContext getContext() {
			return this.context;
		}

		/**
		 * Return the mesh port.
		 * @return the port
		 */
		public int getPort() {
			return port(this.context);
		}

		/**
		 * Return a mesh caller: a client presenting the leaf certificate the agent issues
		 * to a service and trusting the agent's roots.
		 * @param service the caller's service name
		 * @return the caller
		 */
		public MeshTestClient caller(String service) {
			try (ConsulAgentClient client = ConsulAgentClient.builder(this.agent.getAddress())
				.token(this.agent.getToken())
				.build()) {
				return MeshTestClient.of(client.getLeafCertificate(service), client.getCaRoots());
			}
		}

		/**
		 * Call {@code GET path} as a mesh caller, on a new connection.
		 * @param service the caller's service name
		 * @param path the path
		 * @return the response
		 * @throws IOException if the call fails
		 */
		public MeshTestClient.Response get(String service, String path) throws IOException {
			return caller(service).get(getPort(), path);
		}

		@Override
		public void close() {
			this.context.close();
		}

	}

	/**
	 * The two server stacks.
	 */
	public enum Stack {

		/**
		 * A servlet application on Tomcat.
		 */
		TOMCAT(WebApplicationType.SERVLET),

		/**
		 * A reactive application on Netty.
		 */
		NETTY(WebApplicationType.REACTIVE);

		private final WebApplicationType type;

		Stack(WebApplicationType type) {
			this.type = type;
		}

		/**
		 * Return the web application type.
		 * @return the type
		 */
		public WebApplicationType type() {
			return this.type;
		}

		/**
		 * Return the lower-case name, for service names.
		 * @return the name
		 */
		public String slug() {
			return name().toLowerCase(Locale.ROOT);
		}

		/**
		 * Return the value for this stack.
		 * @param <T> the type of the value
		 * @param servlet the value for {@link #TOMCAT}
		 * @param reactive the value for {@link #NETTY}
		 * @return the value
		 */
		public <T> T select(T servlet, T reactive) {
			return (this == TOMCAT) ? servlet : reactive;
		}

	}

}
