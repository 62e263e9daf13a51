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

package io.meshnative.connect.sample;

import java.util.LinkedHashMap;
import java.util.Map;

import io.meshnative.connect.authz.ConnectCaller;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The {@code backend} role (WebFlux on Netty): says hello to its caller, with its
 * version: {@code sample.version}, else the version it registers with through Spring
 * Cloud Consul (agent mode), else {@code unversioned}. In agentless mode the platform
 * registers the instance (with the version in its {@code Meta}), so the version is given
 * as {@code sample.version}.
 *
 * @author connect-spring-boot authors
 */
@RestController
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
class BackendController {

	private final String service;

	private final String version;

	BackendController(@Value("${connect.service-name}") String service,
			@Value("${sample.version:${spring.cloud.consul.discovery.metadata.version:unversioned}}") String version) {
		this.service = service;
		this.version = version;
	}

	@GetMapping("/hello")
	Mono<Map<String, String>> hello(ConnectCaller caller) {
		Map<String, String> body = new LinkedHashMap<>();
		body.put("service", this.service);
		body.put("caller", caller.spiffeId());
		body.put("version", this.version);
		return Mono.just(body);
	}

}
