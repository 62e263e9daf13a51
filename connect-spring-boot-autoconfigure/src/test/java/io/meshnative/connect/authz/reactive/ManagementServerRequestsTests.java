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

package io.meshnative.connect.authz.reactive;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.boot.web.server.reactive.context.ReactiveWebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.adapter.DefaultServerWebExchange;
import org.springframework.web.server.i18n.AcceptHeaderLocaleContextResolver;
import org.springframework.web.server.session.DefaultWebSessionManager;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ManagementServerRequests}.
 *
 * @author connect-spring-boot authors
 */
class ManagementServerRequestsTests {

	@Test
	void requestServedByTheManagementChildContextIsAManagementRequest() {
		ReactiveWebServerApplicationContext management = new ReactiveWebServerApplicationContext();
		management.setServerNamespace("management");
		assertThat(ManagementServerRequests.isManagementServer(exchange(management))).isTrue();
	}

	@Test
	void requestServedByTheApplicationContextIsAMeshRequest() {
		assertThat(ManagementServerRequests.isManagementServer(exchange(new ReactiveWebServerApplicationContext())))
			.isFalse();
	}

	@Test
	void requestServedByAnotherServerNamespaceIsAMeshRequest() {
		ReactiveWebServerApplicationContext other = new ReactiveWebServerApplicationContext();
		other.setServerNamespace("other");
		assertThat(ManagementServerRequests.isManagementServer(exchange(other))).isFalse();
	}

	@Test
	void requestWithoutAWebServerContextIsAMeshRequest() {
		assertThat(ManagementServerRequests.isManagementServer(exchange(new GenericApplicationContext()))).isFalse();
	}

	@Test
	void requestWithoutAnApplicationContextIsAMeshRequest() {
		assertThat(ManagementServerRequests.isManagementServer(exchange(null))).isFalse();
	}

	private static ServerWebExchange exchange(@Nullable ApplicationContext context) {
		return new DefaultServerWebExchange(MockServerHttpRequest.get("/actuator/health").build(),
				new MockServerHttpResponse(), new DefaultWebSessionManager(), ServerCodecConfigurer.create(),
				new AcceptHeaderLocaleContextResolver(), context);
	}

}
