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
import java.util.concurrent.ConcurrentHashMap;

import io.meshnative.connect.authz.ConnectCaller;
import io.meshnative.connect.client.ConnectClient;
import io.meshnative.connect.client.ConnectClientFactory;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/**
 * The {@code frontend} role (servlet on Tomcat): says hello to its caller.
 *
 * @author connect-spring-boot authors
 */
@RestController
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
class FrontendController {

	private final String service;

	private final ConnectClientFactory clients;

	private final Map<String, RestClient> upstreams = new ConcurrentHashMap<>();

	private final RestClient backend;

	FrontendController(@Value("${connect.service-name}") String service, ConnectClientFactory clients,
			@ConnectClient("backend") RestClient backend) {
		this.service = service;
		this.clients = clients;
		this.backend = backend;
	}

	/**
	 * Calls {@code /hello} on the upstream {@code backend} with the client injected by
	 * {@code @ConnectClient}.
	 * @return the backend's answer
	 */
	@GetMapping("/backend/hello")
	@Nullable String backendHello() {
		return this.backend.get().uri("/hello").retrieve().body(String.class);
	}

	@GetMapping("/hello")
	Map<String, String> hello(ConnectCaller caller) {
		Map<String, String> body = new LinkedHashMap<>();
		body.put("service", this.service);
		body.put("caller", caller.spiffeId());
		return body;
	}

	/**
	 * Calls an upstream through the mesh and returns its answer:
	 * {@code /call/backend/hello} calls {@code /hello} on the upstream {@code backend}.
	 * @param upstream the upstream name
	 * @param request the request
	 * @return the upstream's answer
	 */
	@GetMapping("/call/{upstream}/**")
	ResponseEntity<String> call(@PathVariable String upstream, HttpServletRequest request) {
		String prefix = "/call/" + upstream;
		String path = request.getRequestURI().substring(prefix.length());
		String query = (request.getQueryString() != null) ? "?" + request.getQueryString() : "";
		RestClient client = this.upstreams.computeIfAbsent(upstream,
				(name) -> this.clients.restClientBuilder(name).build());
		return client.get()
			.uri(path.isEmpty() ? "/" + query : path + query)
			.retrieve()
			.onStatus((status) -> true, (req, res) -> {
			})
			.toEntity(String.class);
	}

}
