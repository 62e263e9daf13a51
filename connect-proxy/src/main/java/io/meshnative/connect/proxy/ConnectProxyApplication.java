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

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * The Connect proxy: {@code java -jar connect-proxy.jar --proxy-id=<id>} (or
 * {@code --sidecar-for=<service-id>}). The admin server (actuator: {@code health},
 * {@code connect}, {@code metrics}) listens on {@code server.port} (19000 by default) on
 * loopback.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
@Import(ConnectProxyConfiguration.class)
public class ConnectProxyApplication {

	/**
	 * Reactor Netty's number of event loops, by default at least 4: a proxy runs one per
	 * CPU it may use, so that a relayed byte never waits for a thread switch on a sidecar
	 * limited to one or two CPUs. {@code -Dreactor.netty.ioWorkerCount=N} overrides it.
	 */
	static final String IO_WORKER_COUNT = "reactor.netty.ioWorkerCount";

	/**
	 * Run the proxy.
	 * @param args the command-line arguments
	 */
	public static void main(String[] args) {
		if (System.getProperty(IO_WORKER_COUNT) == null) {
			System.setProperty(IO_WORKER_COUNT, String.valueOf(Runtime.getRuntime().availableProcessors()));
		}
		application().run(args);
	}

	/**
	 * Create the application, with the proxy's default properties.
	 * @return the application
	 */
	public static SpringApplication application() {
		SpringApplication application = new SpringApplication(ConnectProxyApplication.class);
		application.setDefaultProperties(defaultProperties());
		return application;
	}

	static Map<String, Object> defaultProperties() {
		Map<String, Object> defaults = new LinkedHashMap<>();
		defaults.put("spring.application.name", "connect-proxy");
		defaults.put("spring.main.web-application-type", "reactive");
		defaults.put("spring.main.banner-mode", "off");
		defaults.put("server.port", "19000");
		defaults.put("server.address", "127.0.0.1");
		defaults.put("connect.inbound.enabled", "false");
		defaults.put("connect.proxy.id", "${proxy-id:}");
		defaults.put("connect.proxy.sidecar-for", "${sidecar-for:}");
		defaults.put("spring.cloud.consul.enabled", "false");
		defaults.put("spring.cloud.consul.discovery.register", "false");
		defaults.put("management.endpoints.web.exposure.include", "health,info,connect,metrics");
		defaults.put("management.endpoint.health.show-details", "always");
		return defaults;
	}

}
