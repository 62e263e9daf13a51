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

import java.util.Map;

import io.meshnative.connect.authz.ConnectCaller;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Minimal applications for end-to-end tests: {@code GET /hello} answers with the caller's
 * SPIFFE ID.
 *
 * @author connect-spring-boot authors
 */
public final class InboundTestApplications {

	private InboundTestApplications() {
	}

	/**
	 * A servlet application (Tomcat).
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@RestController
	public static class ServletApp {

		@GetMapping("/hello")
		Map<String, String> hello(ConnectCaller caller) {
			return Map.of("message", "hello", "caller", caller.spiffeId());
		}

	}

	/**
	 * A WebFlux application (Netty).
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(OwnReactorResources.class)
	@RestController
	public static class ReactiveApp {

		@GetMapping("/hello")
		Mono<Map<String, String>> hello(ConnectCaller caller) {
			return Mono.just(Map.of("message", "hello", "caller", caller.spiffeId()));
		}

	}

	/**
	 * Event loops of a reactive test application's own, to {@code @Import}. Spring Boot
	 * disposes Reactor Netty's global resources whenever a context that uses them closes,
	 * which strands servers of other contexts still running in the same JVM (an effect of
	 * running many applications in one test JVM, not of one application per JVM).
	 */
	@Configuration(proxyBeanMethods = false)
	public static class OwnReactorResources {

		@Bean
		ReactorResourceFactory reactorResourceFactory() {
			ReactorResourceFactory factory = new ReactorResourceFactory();
			factory.setUseGlobalResources(false);
			return factory;
		}

	}

}
