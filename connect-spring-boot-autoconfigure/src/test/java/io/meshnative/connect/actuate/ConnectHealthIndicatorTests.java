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

package io.meshnative.connect.actuate;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.test.FakeConsulAgent;
import io.meshnative.connect.test.FakeResponse;
import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ConnectHealthIndicator}, with a fake agent serving leaves of a test CA
 * and a clock the test moves.
 *
 * @author connect-spring-boot authors
 */
class ConnectHealthIndicatorTests {

	private static final Duration WARNING = Duration.ofMinutes(5);

	private final FakeIdentity identity = new FakeIdentity();

	private final FakeIdentity.MutableClock clock = new FakeIdentity.MutableClock();

	@Test
	void upThenOutOfServiceThenDownAsTheLeafExpiresAndUpAgainAfterRenewal() {
		Instant firstExpiry = this.clock.instant().plus(Duration.ofHours(72));
		String roots = this.identity.rootsJson();
		String first = this.identity.leafJson("web", firstExpiry);
		String renewed = this.identity.leafJson("web", firstExpiry.plus(Duration.ofHours(72)));
		AtomicBoolean renew = new AtomicBoolean();
		try (FakeConsulAgent fake = FakeConsulAgent.start();
				ConsulAgentClient client = ConsulAgentClient.builder(URI.create(fake.getHttpAddress())).build();
				ConnectIdentityManager manager = new ConnectIdentityManager(client, "web", Duration.ofSeconds(10),
						Duration.ofSeconds(30))) {
			fake.setDispatcher((request) -> {
				if (request.path().endsWith("/ca/roots")) {
					return request.hasQueryParameter("index") ? FakeResponse.hang()
							: FakeResponse.json(roots).index(10);
				}
				if (!request.hasQueryParameter("index")) {
					return FakeResponse.json(first).index(20);
				}
				if ("20".equals(request.queryParameter("index"))) {
					return renew.get() ? FakeResponse.json(renewed).index(21)
							: FakeResponse.json(first).index(20).delay(Duration.ofMillis(300));
				}
				return FakeResponse.hang();
			});
			manager.start();
			ConnectHealthIndicator indicator = new ConnectHealthIndicator(manager, client, WARNING,
					Duration.ofMinutes(1), this.clock);
			Health up = indicator.health();
			assertThat(up.getStatus()).isEqualTo(Status.UP);
			assertThat(up.getDetails()).containsEntry("trustDomain", FakeIdentity.TRUST_DOMAIN)
				.containsEntry("spiffeId", "spiffe://" + FakeIdentity.TRUST_DOMAIN + "/ns/default/dc/dc1/svc/web")
				.containsEntry("leafSerialNumber", manager.getIdentity().getSerialNumber())
				.containsEntry("leafExpiry", firstExpiry.toString())
				.containsKey("watches")
				.doesNotContainKey("agent");
			assertThat(up.getDetails().get("watches").toString()).contains("GET /v1/agent/connect/ca/leaf/web")
				.contains("lastSuccess");
			assertThat(up.toString()).doesNotContain("PRIVATE");
			this.clock.set(firstExpiry.minus(WARNING).minusSeconds(1));
			assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
			this.clock.set(firstExpiry.minus(Duration.ofMinutes(4)));
			Health warning = indicator.health();
			assertThat(warning.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
			assertThat(warning.getDetails().get("leaf").toString()).contains("expires in 240s")
				.contains("connect.health.leaf-expiry-warning");
			this.clock.set(firstExpiry);
			Health down = indicator.health();
			assertThat(down.getStatus()).isEqualTo(Status.DOWN);
			assertThat(down.getDetails().get("leaf").toString()).contains("expired at " + firstExpiry);
			renew.set(true);
			await().atMost(Duration.ofSeconds(40)).until(() -> indicator.health().getStatus().equals(Status.UP));
			assertThat(indicator.health().getDetails()).containsEntry("leafExpiry",
					firstExpiry.plus(Duration.ofHours(72)).toString());
		}
	}

	@Test
	void agentFailingBeyondTheThresholdIsReportedWhileTheStatusStaysUp() {
		String roots = this.identity.rootsJson();
		String leaf = this.identity.leafJson("web", this.clock.instant().plus(Duration.ofHours(72)));
		try (FakeConsulAgent fake = FakeConsulAgent.start();
				ConsulAgentClient client = ConsulAgentClient.builder(URI.create(fake.getHttpAddress())).build();
				ConnectIdentityManager manager = new ConnectIdentityManager(client, "web", Duration.ofSeconds(10),
						Duration.ofSeconds(30))) {
			fake.setDispatcher((request) -> {
				if (request.hasQueryParameter("index")) {
					return FakeResponse.status(500, "No cluster leader");
				}
				return request.path().endsWith("/ca/roots") ? FakeResponse.json(roots).index(10)
						: FakeResponse.json(leaf).index(20);
			});
			manager.start();
			ConnectHealthIndicator indicator = new ConnectHealthIndicator(manager, client, WARNING,
					Duration.ofMinutes(1), this.clock);
			await().atMost(Duration.ofSeconds(10))
				.until(() -> client.getWatches().stream().allMatch((watch) -> watch.getConsecutiveFailures() > 0));
			assertThat(indicator.health().getDetails()).doesNotContainKey("agent");
			this.clock.set(Instant.now().plus(Duration.ofMinutes(2)));
			Health health = indicator.health();
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails().get("agent").toString())
				.contains("no successful answer from the Consul agent at " + fake.getHttpAddress())
				.contains("connect.health.agent-unreachable-threshold");
		}
	}

	@Test
	void identityNeverLoadedIsDown() {
		try (ConsulAgentClient client = ConsulAgentClient.builder(URI.create("http://127.0.0.1:1")).build();
				ConnectIdentityManager manager = new ConnectIdentityManager(client, "web", Duration.ofSeconds(1),
						Duration.ofSeconds(30))) {
			Health health = new ConnectHealthIndicator(manager, client, WARNING, Duration.ofMinutes(1), this.clock)
				.health();
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(health.getDetails().get("error").toString())
				.isEqualTo("the Connect identity has not been loaded from the Consul agent");
		}
	}

	@Test
	void identityNeverLoadedInAgentlessModeNamesTheServers() {
		try (ConsulAgentClient client = ConsulAgentClient.builder(URI.create("http://127.0.0.1:1"))
			.server(true)
			.build();
				ConnectIdentityManager manager = new ConnectIdentityManager(client, "web", Duration.ofSeconds(1),
						Duration.ofSeconds(30))) {
			Health health = new ConnectHealthIndicator(manager, client, WARNING, Duration.ofMinutes(1), this.clock)
				.health();
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(health.getDetails().get("error").toString())
				.isEqualTo("the Connect identity has not been loaded from the Consul servers");
		}
	}

}
