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
import java.util.concurrent.TimeUnit;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.authz.AuthorizationDecision;
import io.meshnative.connect.authz.ConnectAuthorizer;
import io.meshnative.connect.authz.InboundDecision;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.test.FakeConsulAgent;
import io.meshnative.connect.test.FakeResponse;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ConnectMetrics} with faults of a fake agent: watch errors, staleness
 * and rejected identity updates, and the apply latency of changes.
 *
 * @author connect-spring-boot authors
 */
class ConnectMetricsTests {

	private final FakeIdentity identity = new FakeIdentity();

	private final FakeIdentity.MutableClock clock = new FakeIdentity.MutableClock();

	@Test
	void watchErrorsStalenessAndRejectedUpdatesAreMeasured() {
		String roots = this.identity.rootsJson();
		String leaf = this.identity.leafJson("web", this.clock.instant().plus(Duration.ofHours(72)));
		String otherService = this.identity.leafJson("api", this.clock.instant().plus(Duration.ofHours(72)));
		MeterRegistry registry = new SimpleMeterRegistry();
		try (FakeConsulAgent fake = FakeConsulAgent.start();
				ConsulAgentClient client = ConsulAgentClient.builder(URI.create(fake.getHttpAddress())).build();
				ConnectIdentityManager manager = new ConnectIdentityManager(client, "web", Duration.ofSeconds(10),
						Duration.ofSeconds(30))) {
			fake.setDispatcher((request) -> {
				if (request.path().endsWith("/ca/roots")) {
					return request.hasQueryParameter("index") ? FakeResponse.status(500, "No cluster leader")
							: FakeResponse.json(roots).index(10);
				}
				if (!request.hasQueryParameter("index")) {
					return FakeResponse.json(leaf).index(20);
				}
				return "20".equals(request.queryParameter("index")) ? FakeResponse.json(otherService).index(21)
						: FakeResponse.hang();
			});
			new ConnectMetrics(manager, client, null, null, this.clock).bindTo(registry);
			manager.start();
			await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
				assertThat(count(registry, "connect.agent.watch.errors", "kind", "roots", "type", "error"))
					.isGreaterThanOrEqualTo(1);
				assertThat(count(registry, "connect.agent.watch.errors", "kind", "leaf", "type", "rejected"))
					.isEqualTo(1);
				assertThat(registry.get("connect.identity.update.failures").counter().count()).isEqualTo(1);
			});
			assertThat(registry.get("connect.identity.rotations").tag("kind", "leaf").counter().count()).isZero();
			this.clock.set(Instant.now().plus(Duration.ofMinutes(3)));
			assertThat(registry.get("connect.agent.watch.staleness").tag("kind", "roots").timeGauge().value())
				.isGreaterThanOrEqualTo(Duration.ofMinutes(3).toSeconds() - 30);
			assertThat(registry.get("connect.agent.watch.staleness").tag("kind", "leaf").timeGauge().value()).isZero();
			assertThat(registry.get("connect.identity.leaf.expiry").timeGauge().value()).isBetween(
					(double) Duration.ofHours(72).minusMinutes(4).toSeconds(),
					(double) Duration.ofHours(72).minusMinutes(2).toSeconds());
			assertThat(registry.get("connect.identity.roots").gauge().value()).isEqualTo(1);
		}
	}

	@Test
	void appliedChangesAreTimedByKind() {
		String roots = this.identity.rootsJson();
		String leaf = this.identity.leafJson("web", this.clock.instant().plus(Duration.ofHours(72)));
		String renewed = this.identity.leafJson("web", this.clock.instant().plus(Duration.ofHours(96)));
		MeterRegistry registry = new SimpleMeterRegistry();
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
					return FakeResponse.json(leaf).index(20);
				}
				return "20".equals(request.queryParameter("index")) ? FakeResponse.json(renewed).index(21)
						: FakeResponse.hang();
			});
			new ConnectMetrics(manager, client, null, null, this.clock).bindTo(registry);
			manager.start();
			await().atMost(Duration.ofSeconds(20))
				.until(() -> registry.find("connect.config.apply").tag("kind", "leaf").timer() != null);
			assertThat(registry.get("connect.identity.rotations").tag("kind", "leaf").counter().count()).isEqualTo(1);
			Timer leafApplied = registry.get("connect.config.apply").tag("kind", "leaf").timer();
			assertThat(leafApplied.count()).as("the renewed leaf, not the one loaded at start").isEqualTo(1);
			assertThat(leafApplied.totalTime(TimeUnit.NANOSECONDS)).isPositive();
			assertThat(registry.find("connect.config.apply").tag("kind", "roots").timer()).isNull();
		}
	}

	@Test
	void inboundDecisionsAreCountedByResultAndSource() {
		MeterRegistry registry = new SimpleMeterRegistry();
		try (FakeConsulAgent fake = FakeConsulAgent.start();
				ConsulAgentClient client = ConsulAgentClient.builder(URI.create(fake.getHttpAddress())).build();
				ConnectIdentityManager manager = new ConnectIdentityManager(client, "web", Duration.ofSeconds(10),
						Duration.ofSeconds(30));
				ConnectAuthorizer authorizer = new ConnectAuthorizer(client, "web", ConnectAuthorizer.FailureMode.DENY,
						Duration.ofSeconds(10))) {
			new ConnectMetrics(manager, client, authorizer, null, this.clock).bindTo(registry);
			for (int i = 0; i < 3; i++) {
				authorizer.decided(decision(true, AuthorizationDecision.Source.DEFAULT));
			}
			authorizer.decided(decision(false, AuthorizationDecision.Source.INTENTION));
			authorizer.decided(decision(false, AuthorizationDecision.Source.DEFAULT));
			authorizer.decided(decision(false, AuthorizationDecision.Source.INTENTION));
			assertThat(count(registry, "connect.authz.decisions", "result", "allow", "source", "default")).isEqualTo(3);
			assertThat(count(registry, "connect.authz.decisions", "result", "deny", "source", "intention"))
				.isEqualTo(2);
			assertThat(count(registry, "connect.authz.decisions", "result", "deny", "source", "default")).isEqualTo(1);
			assertThat(registry.find("connect.authz.decisions").counters()).hasSize(3);
		}
	}

	private static InboundDecision decision(boolean allowed, AuthorizationDecision.Source source) {
		return new InboundDecision(new AuthorizationDecision(allowed, "test", source), null, "GET", "/");
	}

	private static double count(MeterRegistry registry, String name, String... tags) {
		io.micrometer.core.instrument.Counter counter = registry.find(name).tags(tags).counter();
		return (counter != null) ? counter.count() : 0;
	}

}
