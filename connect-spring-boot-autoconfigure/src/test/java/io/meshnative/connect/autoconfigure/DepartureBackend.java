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

import java.net.URI;
import java.nio.file.Paths;
import java.util.Map;

import io.meshnative.connect.test.JavaProcess;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * A mesh backend (WebFlux on Netty, the starter, registered through Spring Cloud Consul
 * with a TCP check every second) run in a child JVM by {@link JavaProcess}, so that it
 * can be stopped with {@code SIGTERM} or killed with {@code SIGKILL}. {@code GET /id}
 * answers its instance ID, {@code POST /echo} the body. Configured with system
 * properties: {@code spring.cloud.consul.discovery.instance-id}, the agent
 * ({@code connect.agent.address}, {@code spring.cloud.consul.host} and {@code port}) and
 * {@code connect.service-name}.
 *
 * @author connect-spring-boot authors
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@RestController
public class DepartureBackend {

	@Value("${spring.cloud.consul.discovery.instance-id}")
	private String id;

	@GetMapping("/id")
	Mono<String> id() {
		return Mono.just(this.id);
	}

	@PostMapping("/echo")
	Mono<String> echo(@RequestBody String body) {
		return Mono.just(body);
	}

	/**
	 * Run the backend.
	 * @param args the application arguments
	 */
	public static void main(String[] args) {
		new SpringApplicationBuilder(DepartureBackend.class).web(WebApplicationType.REACTIVE)
			.properties(Map.of("server.port", "0", "spring.main.banner-mode", "off",
					"spring.cloud.consul.discovery.ip-address", "127.0.0.1",
					"spring.cloud.consul.discovery.prefer-ip-address", "true",
					"spring.cloud.consul.discovery.health-check-interval", "1s"))
			.run(args);
	}

	/**
	 * Start a backend in a child JVM, with its output in
	 * {@code target/departure/<id>.log}.
	 * @param consul the agent's address
	 * @param service the service name
	 * @param id the instance ID
	 * @return the process
	 */
	static JavaProcess start(URI consul, String service, String id) {
		return JavaProcess.builder(DepartureBackend.class)
			.jvmArguments("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
			.systemProperty("spring.cloud.consul.discovery.instance-id", id)
			.systemProperty("connect.service-name", service)
			.systemProperty("spring.application.name", service)
			.systemProperty("connect.agent.address", consul.toString())
			.systemProperty("spring.cloud.consul.host", consul.getHost())
			.systemProperty("spring.cloud.consul.port", String.valueOf(consul.getPort()))
			.log(Paths.get("target", "departure", id + ".log"))
			.start();
	}

}
