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

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * In agentless mode ({@code connect.consul.mode=agentless}), turns off by default what
 * Spring Cloud Consul would do through the agent API: registering the service
 * ({@code spring.cloud.consul.discovery.register=false}) and its health indicator, which
 * reads {@code /v1/agent/self} ({@code management.health.consul.enabled=false}). The
 * defaults have the lowest precedence; an explicit
 * {@code spring.cloud.consul.discovery.register=true} makes start-up fail instead.
 *
 * @author connect-spring-boot authors
 */
class AgentlessEnvironmentPostProcessor implements EnvironmentPostProcessor {

	static final String PROPERTY_SOURCE_NAME = "connectAgentlessDefaults";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		String mode = environment.getProperty("connect.consul.mode");
		if (mode == null || !mode.trim().equalsIgnoreCase("agentless")
				|| environment.getPropertySources().contains(PROPERTY_SOURCE_NAME)) {
			return;
		}
		Map<String, Object> defaults = new LinkedHashMap<>();
		defaults.put("spring.cloud.consul.discovery.register", "false");
		defaults.put("management.health.consul.enabled", "false");
		environment.getPropertySources().addLast(new MapPropertySource(PROPERTY_SOURCE_NAME, defaults));
	}

}
