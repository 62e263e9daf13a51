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

package io.meshnative.connect.identity;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.jayway.jsonpath.JsonPath;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.LeafCertificate;
import io.meshnative.connect.agent.internal.Watch;
import io.meshnative.connect.test.ConsulAgent;
import io.meshnative.connect.test.ConsulAgentExtension;
import io.meshnative.connect.test.FakeConsulAgent;
import io.meshnative.connect.test.FakeResponse;
import io.meshnative.connect.test.RecordedRequest;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.ssl.pem.PemContent;
import org.springframework.test.util.ReflectionTestUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ConnectIdentityManager}: real material from a real agent, replayed and
 * corrupted by a fake one.
 *
 * @author connect-spring-boot authors
 */
class ConnectIdentityManagerIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	@Test
	void loadsRootsAndLeafFromARealAgent(ConsulAgent agent) {
		try (ConsulAgentClient client = ConsulAgentClient.builder(URI.create(agent.getHttpAddress())).build();
				ConnectIdentityManager manager = new ConnectIdentityManager(client, "web", Duration.ofSeconds(10),
						Duration.ofMinutes(5))) {
			ConnectIdentity identity = manager.start();
			assertThat(identity.getSpiffeId())
				.isEqualTo("spiffe://" + agent.getTrustDomain() + "/ns/default/dc/dc1/svc/web");
			assertThat(identity.getTrustDomain()).isEqualTo(agent.getTrustDomain());
			assertThat(identity.getRoots()).isNotEmpty();
			assertThat(identity.getChain()).isNotEmpty();
			assertThat(identity.toSslBundle().getStores().getKeyStore()).isNotNull();
			assertThat(identity.toString()).doesNotContain("PRIVATE");
		}
	}

	@Test
	void malformedLeafAfterAGoodOneKeepsTheGoodOneAndCountsTheFailure(ConsulAgent agent) {
		String roots = agent.request("GET", "/v1/agent/connect/ca/roots", null);
		String leaf = agent.request("GET", "/v1/agent/connect/ca/leaf/web", null);
		String malformed = leaf.replaceAll("MII[A-Za-z0-9+/]{10}", "MIIbroken!!!");
		assertThat(rejectedUpdates(roots, leaf, malformed)).singleElement().asString().contains("PEM");
	}

	@Test
	void malformedPrivateKeyAfterAGoodLeafIsRejectedAndTheGoodOneKept(ConsulAgent agent) {
		String roots = agent.request("GET", "/v1/agent/connect/ca/roots", null);
		String leaf = agent.request("GET", "/v1/agent/connect/ca/leaf/web", null);
		String malformed = leaf.replaceFirst("\"PrivateKeyPEM\":\\s*\"[^\"]*\"",
				"\"PrivateKeyPEM\":\"-----BEGIN EC PRIVATE KEY-----\\\\nMHcCAQEEIBrokenKey\\\\n-----END EC PRIVATE KEY-----\\\\n\"");
		assertThat(malformed).isNotEqualTo(leaf);
		assertThat(rejectedUpdates(roots, leaf, malformed))
			.containsExactly("the leaf private key is not a valid PEM key");
	}

	@Test
	void leafTheWatchHoldsCarriesThePrivateKeyOnlyAsAKeyNeverAsPemText(ConsulAgent agent) throws Exception {
		String pem = JsonPath.read(agent.request("GET", "/v1/agent/connect/ca/leaf/web", null), "$.PrivateKeyPEM");
		String pemBody = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
		try (ConsulAgentClient client = ConsulAgentClient.builder(URI.create(agent.getHttpAddress())).build();
				ConnectIdentityManager manager = new ConnectIdentityManager(client, "web", Duration.ofSeconds(10),
						Duration.ofMinutes(5))) {
			ConnectIdentity identity = manager.start();
			Watch<?> watch = (Watch<?>) ReflectionTestUtils.getField(manager, "leafWatch");
			assertThat(watch).isNotNull();
			Object held = watch.getCurrent();
			assertThat(held).isInstanceOf(LeafCertificate.class);
			List<String> texts = new ArrayList<>();
			for (Field field : held.getClass().getDeclaredFields()) {
				if (!Modifier.isStatic(field.getModifiers())) {
					field.setAccessible(true);
					Object value = field.get(held);
					if (value instanceof CharSequence || value instanceof char[] || value instanceof byte[]) {
						texts.add(field.getName() + "=" + text(value));
					}
				}
			}
			assertThat(texts).as("text fields of the leaf the watch holds")
				.isNotEmpty()
				.allSatisfy((text) -> assertThat(text).doesNotContain("PRIVATE KEY")
					.doesNotContain(pemBody.substring(0, 24))
					.doesNotContain(pemBody.substring(pemBody.length() / 2, pemBody.length() / 2 + 24)));
			PrivateKey agentKey = PemContent.of(pem).getPrivateKey();
			assertThat(((LeafCertificate) held).privateKey().getEncoded()).isEqualTo(agentKey.getEncoded());
			assertThat(identity.getPrivateKey().getEncoded()).isEqualTo(agentKey.getEncoded());
		}
	}

	private static String text(Object value) {
		if (value instanceof char[] chars) {
			return new String(chars);
		}
		if (value instanceof byte[] bytes) {
			return new String(bytes, StandardCharsets.ISO_8859_1);
		}
		return value.toString();
	}

	/**
	 * Serve the good leaf, then the malformed one, from a fake agent, assert that the
	 * manager keeps the good identity, and return the reasons the manager gave its
	 * listeners once it had rejected one update.
	 */
	private static List<String> rejectedUpdates(String roots, String leaf, String malformed) {
		try (FakeConsulAgent fake = FakeConsulAgent.start();
				ConsulAgentClient client = ConsulAgentClient.builder(URI.create(fake.getHttpAddress())).build();
				ConnectIdentityManager manager = new ConnectIdentityManager(client, "web", Duration.ofSeconds(10),
						Duration.ofSeconds(30))) {
			fake.setDispatcher((request) -> dispatch(request, roots, leaf, malformed));
			List<String> rejected = new CopyOnWriteArrayList<>();
			manager.addListener(new ConnectIdentityListener() {

				@Override
				public void identityChanged(ConnectIdentity previous, ConnectIdentity current) {
				}

				@Override
				public void updateRejected(String reason) {
					rejected.add(reason);
				}

			});
			ConnectIdentity good = manager.start();
			await().atMost(Duration.ofSeconds(10)).until(() -> manager.getRejectedUpdates() == 1);
			List<String> reasons = List.copyOf(rejected);
			assertThat(manager.getIdentity()).isSameAs(good);
			assertThat(manager.getRotations()).isZero();
			return reasons;
		}
	}

	private static FakeResponse dispatch(RecordedRequest request, String roots, String leaf, String malformed) {
		if (request.path().endsWith("/ca/roots")) {
			return request.hasQueryParameter("index") ? FakeResponse.hang() : FakeResponse.json(roots).index(10);
		}
		if (!request.hasQueryParameter("index")) {
			return FakeResponse.json(leaf).index(20);
		}
		if ("20".equals(request.queryParameter("index"))) {
			return FakeResponse.json(malformed).index(21);
		}
		return FakeResponse.hang();
	}

	@Test
	void rootsAndLeafChangingTogetherReachListenersInTheOrderTheyWereApplied(ConsulAgent agent) {
		String roots = agent.request("GET", "/v1/agent/connect/ca/roots", null);
		String leaf = agent.request("GET", "/v1/agent/connect/ca/leaf/web", null);
		String renamedRoots = roots.replaceFirst("\"Name\":\\s*\"[^\"]*\"", "\"Name\":\"renamed\"");
		String reindexedLeaf = leaf.replaceFirst("\"ModifyIndex\":\\s*\\d+", "\"ModifyIndex\":999999");
		assertThat(renamedRoots).isNotEqualTo(roots);
		assertThat(reindexedLeaf).isNotEqualTo(leaf);
		CountDownLatch release = new CountDownLatch(1);
		try (FakeConsulAgent fake = FakeConsulAgent.start();
				ConsulAgentClient client = ConsulAgentClient.builder(URI.create(fake.getHttpAddress())).build();
				ConnectIdentityManager manager = new ConnectIdentityManager(client, "web", Duration.ofSeconds(10),
						Duration.ofSeconds(30))) {
			fake.setDispatcher(
					(request) -> bothChangeOnRelease(request, roots, leaf, renamedRoots, reindexedLeaf, release));
			AtomicInteger calls = new AtomicInteger();
			AtomicReference<ConnectIdentity> published = new AtomicReference<>();
			manager.addListener(new ConnectIdentityListener() {

				@Override
				public void identityChanged(ConnectIdentity previous, ConnectIdentity current) {
					if (calls.incrementAndGet() == 1) {
						awaitLaterChangeOrGiveUp(manager, current);
					}
					published.set(current);
				}

				@Override
				public void updateRejected(String reason) {
				}

			});
			manager.start();
			release.countDown();
			await().atMost(Duration.ofSeconds(20)).until(() -> calls.get() == 2 && published.get() != null);
			await().atMost(Duration.ofSeconds(5)).until(() -> published.get() == manager.getIdentity());
			assertThat(manager.getRotations()).isEqualTo(2);
			assertThat(published.get()).as("identity the last listener call published").isSameAs(manager.getIdentity());
		}
	}

	/**
	 * Hold the first notification until the other change has been applied (which the
	 * manager must not do while a listener is still being told about the earlier change),
	 * or give up after two seconds.
	 */
	private static void awaitLaterChangeOrGiveUp(ConnectIdentityManager manager, ConnectIdentity current) {
		try {
			await().atMost(Duration.ofSeconds(2)).until(() -> manager.getIdentity() != current);
		}
		catch (ConditionTimeoutException ex) {
			// the later change waits for this notification, as it should
		}
	}

	private static FakeResponse bothChangeOnRelease(RecordedRequest request, String roots, String leaf,
			String changedRoots, String changedLeaf, CountDownLatch release) {
		boolean isRoots = request.path().endsWith("/ca/roots");
		if (!request.hasQueryParameter("index")) {
			return FakeResponse.json(isRoots ? roots : leaf).index(isRoots ? 10 : 20);
		}
		String index = request.queryParameter("index");
		if ("10".equals(index) || "20".equals(index)) {
			try {
				release.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return FakeResponse.hang();
			}
			return FakeResponse.json(isRoots ? changedRoots : changedLeaf).index(isRoots ? 11 : 21);
		}
		return FakeResponse.hang();
	}

	@Test
	void unreachableAgentFailsWithinTheStartupTimeout() {
		try (ConsulAgentClient client = ConsulAgentClient.builder(URI.create("http://127.0.0.1:1")).build();
				ConnectIdentityManager manager = new ConnectIdentityManager(client, "web", Duration.ofSeconds(1),
						Duration.ofMinutes(5))) {
			assertThatExceptionOfType(ConnectIdentityException.class).isThrownBy(manager::start)
				.withMessageContaining("service 'web'")
				.withMessageContaining("http://127.0.0.1:1")
				.withMessageContaining("within 1s (connect.agent.startup-timeout)")
				.withMessageContaining("agent address (CONSUL_HTTP_ADDR)");
		}
	}

	@Test
	void serverErrorsAreRetriedUntilTheAgentAnswers(ConsulAgent agent) {
		String roots = agent.request("GET", "/v1/agent/connect/ca/roots", null);
		String leaf = agent.request("GET", "/v1/agent/connect/ca/leaf/web", null);
		try (FakeConsulAgent fake = FakeConsulAgent.start();
				ConsulAgentClient client = ConsulAgentClient.builder(URI.create(fake.getHttpAddress())).build();
				ConnectIdentityManager manager = new ConnectIdentityManager(client, "web", Duration.ofSeconds(10),
						Duration.ofMinutes(5))) {
			fake.enqueue(FakeResponse.status(500, "CA has not finished initializing"));
			fake.enqueue(FakeResponse.status(500, "CA has not finished initializing"));
			fake.setDispatcher((request) -> dispatch(request, roots, leaf, leaf));
			assertThat(manager.start().getSerialNumber()).isNotEmpty();
			assertThat(fake.getRequests().get(0).path()).isEqualTo("/v1/agent/connect/ca/roots");
		}
	}

}
