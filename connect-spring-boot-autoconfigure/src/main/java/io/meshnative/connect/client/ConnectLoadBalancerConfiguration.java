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

package io.meshnative.connect.client;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.core.ReactorLoadBalancer;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Spring Cloud LoadBalancer client configuration that resolves a load-balancer client
 * name as a mesh upstream with {@link ConnectLoadBalancer}. Opt in per upstream with
 * {@code @LoadBalancerClient(name = "backend", configuration = ConnectLoadBalancerConfiguration.class)},
 * or for every client with
 * {@code @LoadBalancerClients(defaultConfiguration = ConnectLoadBalancerConfiguration.class)}.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@Configuration(proxyBeanMethods = false)
public class ConnectLoadBalancerConfiguration {

	@Bean
	ReactorLoadBalancer<ServiceInstance> connectLoadBalancer(Environment environment, ConnectUpstreams upstreams) {
		String upstream = environment.getProperty(LoadBalancerClientFactory.PROPERTY_NAME);
		if (upstream == null) {
			throw new IllegalStateException("ConnectLoadBalancerConfiguration is a Spring Cloud LoadBalancer client "
					+ "configuration: use it with @LoadBalancerClient or @LoadBalancerClients, not as a configuration of "
					+ "the application");
		}
		return new ConnectLoadBalancer(upstream, upstreams);
	}

}
