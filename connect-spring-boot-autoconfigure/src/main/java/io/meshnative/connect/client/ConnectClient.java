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

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.beans.factory.annotation.Autowired;

/**
 * Injects an HTTP client bound to a mesh upstream: every request goes over mTLS to a
 * healthy instance chosen through the upstream's Consul discovery chain, and the server
 * must present the upstream's identity. Use it on a field, a constructor parameter or a
 * {@code @Bean} method parameter of type {@code RestClient}, {@code RestClient.Builder}
 * or {@code RestTemplate}: <pre class="code">
 * OrdersController(&#64;ConnectClient("backend") RestClient backend) {
 *     this.backend = backend;   // backend.get().uri("/hello") goes to the upstream "backend"
 * }
 * </pre> Relative URIs and {@code http://backend/...} URIs both go to the upstream; the
 * scheme and host are replaced by the chosen instance.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@Target({ ElementType.FIELD, ElementType.PARAMETER })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Autowired
public @interface ConnectClient {

	/**
	 * The upstream service name.
	 * @return the upstream
	 */
	String value();

}
