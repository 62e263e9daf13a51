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

import java.time.Duration;

import io.meshnative.connect.client.internal.UpstreamPolicy;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.identity.SpiffeId;
import org.junit.jupiter.api.Test;
import reactor.netty.http.client.HttpClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/**
 * Tests for {@link MeshHttpClients}.
 *
 * @author connect-spring-boot authors
 */
class MeshHttpClientsTests {

	private static final SpiffeId BACKEND = SpiffeId.forService("11111111-2222-3333-4444-555555555555.consul",
			"default", "dc1", "backend");

	private static final SpiffeId OTHER = SpiffeId.forService("11111111-2222-3333-4444-555555555555.consul", "default",
			"dc1", "other");

	@Test
	void oneClientPerDestinationAndLimits() {
		try (MeshHttpClients clients = new MeshHttpClients(mock(ConnectIdentityManager.class),
				new ConnectClientListener() {
				})) {
			HttpClient backend = clients.httpClient(BACKEND, policy(10));
			assertThat(clients.httpClient(BACKEND, policy(10))).isSameAs(backend);
			assertThat(clients.httpClient(OTHER, policy(10))).isNotSameAs(backend);
			assertThat(clients.pools()).isEqualTo(2);
		}
	}

	@Test
	void aDestinationWhoseLimitsChangeKeepsOnePool() {
		try (MeshHttpClients clients = new MeshHttpClients(mock(ConnectIdentityManager.class),
				new ConnectClientListener() {
				}, Duration.ZERO)) {
			HttpClient other = clients.httpClient(OTHER, policy(10));
			HttpClient before = clients.httpClient(BACKEND, policy(10));
			for (int limit = 11; limit < 20; limit++) {
				assertThat(clients.httpClient(BACKEND, policy(limit))).isNotSameAs(before);
			}
			assertThat(clients.pools()).isEqualTo(2);
			assertThat(clients.httpClient(OTHER, policy(10))).isSameAs(other);
			assertThat(clients.httpClient(BACKEND, policy(19)).configuration().connectionProvider().maxConnections())
				.isEqualTo(19);
		}
	}

	private static UpstreamPolicy policy(int maxConnections) {
		UpstreamPolicy defaults = UpstreamPolicy.resolve(null, "backend", null, null, null);
		return new UpstreamPolicy(defaults.connectTimeout(), defaults.connectTimeoutConfigured(), maxConnections,
				defaults.maxPendingRequests(), defaults.maxConcurrentRequests(), defaults.passiveHealth());
	}

}
