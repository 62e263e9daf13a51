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

package io.meshnative.connect.benchmarks;

import java.util.LinkedHashMap;
import java.util.Map;

import io.meshnative.connect.client.ConnectClientFactory;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;

/**
 * Calls an upstream the way an application does: a {@link RestClient} made by
 * {@link ConnectClientFactory} (what {@code @ConnectClient} injects) in a Spring context
 * whose service is {@code bench-client}. The client pools its connections, so
 * {@link #open()} only hands out the shared client; churn mode does not apply.
 *
 * @author connect-spring-boot authors
 */
final class ConnectClientTransport implements LoadDriver.Transport {

	private final ConfigurableApplicationContext context;

	private final RestClient client;

	ConnectClientTransport(String upstream, String agentAddress) {
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("connect.service-name", "bench-client");
		properties.put("connect.agent.address", agentAddress);
		properties.put("spring.main.banner-mode", "off");
		properties.put("logging.level.root", "warn");
		this.context = new SpringApplicationBuilder(Caller.class).web(WebApplicationType.NONE)
			.properties(properties)
			.run();
		this.client = this.context.getBean(ConnectClientFactory.class).restClientBuilder(upstream).build();
	}

	@Override
	public LoadDriver.Exchange open() {
		return new LoadDriver.Exchange() {

			@Override
			public void get(boolean last) {
				byte[] body = ConnectClientTransport.this.client.get().uri("/bytes").retrieve().body(byte[].class);
				if (body == null || body.length != BenchServerApplication.RESPONSE_SIZE) {
					throw new IllegalStateException("Unexpected body");
				}
			}

			@Override
			public void close() {
			}

		};
	}

	@Override
	public void close() {
		this.context.close();
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class Caller {

	}

}
