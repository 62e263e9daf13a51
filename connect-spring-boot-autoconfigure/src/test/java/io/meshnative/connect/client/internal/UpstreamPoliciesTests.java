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

package io.meshnative.connect.client.internal;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.test.FakeConsulAgent;
import io.meshnative.connect.test.FakeResponse;
import io.meshnative.connect.test.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link UpstreamPolicies} against a {@link FakeConsulAgent}: "no entry",
 * failures and garbage keep the last good value.
 *
 * @author connect-spring-boot authors
 */
@ExtendWith(OutputCaptureExtension.class)
class UpstreamPoliciesTests {

	private static final Duration TAKE = Duration.ofSeconds(10);

	private static final String ENTRY = """
			{"Kind": "service-defaults", "Name": "frontend", "UpstreamConfig": {
			  "Defaults": {"Limits": {"MaxConnections": %d}}}}
			""";

	private FakeConsulAgent agent;

	private ConsulAgentClient client;

	@BeforeEach
	void setUp() {
		this.agent = FakeConsulAgent.start();
		this.client = ConsulAgentClient.builder(URI.create(this.agent.getHttpAddress()))
			.requestTimeout(Duration.ofSeconds(5))
			.token("secret-token-value")
			.build();
	}

	@AfterEach
	void tearDown() {
		this.client.close();
		this.agent.close();
	}

	@Test
	void noEntryIsAnAnswerAndTheNextCallBlocksOnItsIndex() throws InterruptedException {
		this.agent.enqueue(
				FakeResponse.status(404, "Config entry not found for \"service-defaults\" / \"frontend\"").index(17));
		try (UpstreamPolicies policies = new UpstreamPolicies(this.client, "frontend", "default", null,
				Duration.ofSeconds(30))
			.start()) {
			RecordedRequest first = this.agent.takeRequest(TAKE);
			assertThat(first.path()).isEqualTo("/v1/config/service-defaults/frontend");
			assertThat(first.hasQueryParameter("ns")).as("'default' is not sent: Consul CE refuses it").isFalse();
			assertThat(policies.awaitLoaded(TAKE)).isTrue();
			assertThat(policies.getServiceDefaults()).isNull();
			assertThat(policies.policy("api", null, null)).isEqualTo(UpstreamPolicy.DEFAULT);
			RecordedRequest second = this.agent.takeRequest(TAKE);
			assertThat(second.queryParameter("index")).isEqualTo("17");
			assertThat(second.queryParameter("wait")).isEqualTo("30s");
		}
	}

	@Test
	void failuresAndGarbageKeepTheLastGoodValueWithOneWarningPerStreak(CapturedOutput output) {
		this.agent.enqueue(FakeResponse.json(ENTRY.formatted(10)).index(5));
		this.agent.enqueue(FakeResponse.json("<html>not consul</html>").index(6));
		this.agent.enqueue(FakeResponse.status(500, "rpc error: No cluster leader"));
		this.agent.enqueue(FakeResponse.json(ENTRY.formatted(20)).index(8));
		AtomicInteger changes = new AtomicInteger();
		try (UpstreamPolicies policies = new UpstreamPolicies(this.client, "frontend", null, null,
				Duration.ofSeconds(30))) {
			policies.onChanged(changes::incrementAndGet);
			assertThat(policies.policy("api", null, null)).as("before the first answer")
				.isEqualTo(UpstreamPolicy.DEFAULT);
			policies.start();
			await().atMost(TAKE).until(() -> policies.policy("api", null, null).maxConnections() == 10);
			await().atMost(TAKE).until(() -> this.agent.getRequestCount() >= 3);
			assertThat(policies.policy("api", null, null).maxConnections()).as("kept while the agent fails")
				.isEqualTo(10);
			await().atMost(TAKE).until(() -> policies.policy("api", null, null).maxConnections() == 20);
			assertThat(changes).hasValue(2);
		}
		assertThat(output.getOut().split("could not read its service-defaults entry", -1)).as("one warning").hasSize(2);
		assertThat(output.getOut()).contains("keeping the last entry read")
			.contains("can be read again")
			.doesNotContain("secret-token-value");
	}

}
