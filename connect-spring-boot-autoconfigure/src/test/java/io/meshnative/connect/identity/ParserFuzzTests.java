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

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import io.meshnative.connect.agent.internal.AgentQuery;
import io.meshnative.connect.agent.internal.AuthorizeRequest;
import io.meshnative.connect.agent.internal.CaRoots;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ConsulAgentException;
import io.meshnative.connect.agent.internal.LeafCertificate;
import io.meshnative.connect.identity.internal.SvidValidationException;
import io.meshnative.connect.identity.internal.SvidValidator;
import io.meshnative.connect.test.FakeConsulAgent;
import io.meshnative.connect.test.FakeResponse;
import io.meshnative.connect.test.IssuedCertificate;
import io.meshnative.connect.test.TestCertificateAuthority;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Fuzz-style tests of every parser that reads what the agent or a peer sends: random and
 * mutated agent JSON (leaf, roots, discovery chain, health, intentions, authorize)
 * through the real client, mutated PEM into the identity, mutated DER certificates into
 * the SVID validator, and mutated SPIFFE IDs. Only the documented exceptions may escape
 * ({@link ConsulAgentException} from the client, {@link InvalidIdentityException} from
 * the identity, {@link SvidValidationException} from the validator,
 * {@link IllegalArgumentException} from {@link SpiffeId#parse}); no message carries the
 * private key; nothing hangs (each run is bounded by a hang guard, not a timing
 * assertion). The RNG is seeded, so a failure names its seed and case and is
 * reproducible.
 *
 * @author connect-spring-boot authors
 */
class ParserFuzzTests {

	private static final long SEED = 20260707L;

	private static final int CASES = 60;

	private static final Duration HANG_GUARD = Duration.ofMinutes(2);

	private static final TestCertificateAuthority ca = TestCertificateAuthority
		.create("11111111-2222-3333-4444-555555555555.consul");

	private static final IssuedCertificate leafCertificate = ca.leaf("web").issue();

	private static final AtomicReference<String> body = new AtomicReference<>("{}");

	private static FakeConsulAgent agent;

	private static ConsulAgentClient client;

	@BeforeAll
	static void startAgent() {
		agent = FakeConsulAgent.start();
		agent.setDispatcher((request) -> FakeResponse.json(body.get()).index(7));
		client = ConsulAgentClient.builder(URI.create(agent.getHttpAddress()))
			.requestTimeout(Duration.ofSeconds(10))
			.build();
	}

	@AfterAll
	static void stopAgent() {
		client.close();
		agent.close();
	}

	@Test
	void mutatedLeafJsonYieldsALeafAnIdentityOrADocumentedFailureAndNeverLeaksTheKey() {
		String leaf = leafJson();
		CaRoots roots = new CaRoots("r1", ca.getTrustDomain(), List.of(new CaRoots.Root("r1", "r1", null, "", "", null,
				null, ca.getRootCertPem(), Collections.emptyList(), true, "ec", 256, 1, 1)));
		String secret = keyBody(leafCertificate.getPrivateKeyPem());
		fuzz("leaf", leaf, () -> client.getLeafCertificate("web"), (value) -> {
			assertThat(value.toString()).doesNotContain(secret);
			try {
				ConnectIdentity identity = ConnectIdentity.of("web", roots, 1, value, 1);
				assertThat(identity.toString()).doesNotContain(secret);
			}
			catch (InvalidIdentityException ex) {
				assertThat(String.valueOf(ex.getMessage())).doesNotContain(secret);
			}
		}, secret);
	}

	@Test
	void mutatedRootsJsonYieldsRootsOrADocumentedFailure() {
		String roots = "{\"ActiveRootID\":\"r1\",\"TrustDomain\":\"" + ca.getTrustDomain() + "\",\"Roots\":[{\"ID\":"
				+ "\"r1\",\"Name\":\"r1\",\"RootCert\":" + json(ca.getRootCertPem()) + ",\"Active\":true}]}";
		LeafCertificate leaf = new LeafCertificate("01", leafCertificate.getChainPem(), leafCertificate.getPrivateKey(),
				"web", ca.serviceId("web"), null, null, 1, 1);
		fuzz("roots", roots, () -> client.getCaRoots(), (value) -> {
			try {
				ConnectIdentity.of("web", value, 1, leaf, 1);
			}
			catch (InvalidIdentityException ex) {
				assertThat(ex.getMessage()).isNotBlank();
			}
		}, null);
	}

	@Test
	void mutatedDiscoveryChainJsonYieldsAChainOrADocumentedFailure() {
		String chain = "{\"Chain\":{\"ServiceName\":\"db\",\"Namespace\":\"default\",\"Datacenter\":\"dc1\","
				+ "\"Protocol\":\"http\",\"StartNode\":\"resolver:db.default.default.dc1\",\"Nodes\":{"
				+ "\"resolver:db.default.default.dc1\":{\"Type\":\"resolver\",\"Name\":\"db.default.default.dc1\","
				+ "\"Resolver\":{\"Default\":true,\"ConnectTimeout\":\"5s\",\"RequestTimeout\":1000000,"
				+ "\"Target\":\"db.default.default.dc1\",\"Failover\":{\"Targets\":[\"db.default.default.dc2\"]}}}},"
				+ "\"Targets\":{\"db.default.default.dc1\":{\"ID\":\"db.default.default.dc1\",\"Service\":\"db\","
				+ "\"Namespace\":\"default\",\"Datacenter\":\"dc1\",\"Subset\":{\"Filter\":\"Service.Meta.v == 1\"}}}}}";
		fuzz("discovery chain", chain, () -> client.getDiscoveryChain("db"), (value) -> {
		}, null);
	}

	@Test
	void mutatedHealthJsonYieldsEndpointsOrADocumentedFailure() {
		String health = "[{\"Node\":{\"Node\":\"n1\",\"Address\":\"127.0.0.1\"},\"Service\":{\"ID\":\"db-1\","
				+ "\"Service\":\"db\",\"Port\":8443,\"Address\":\"127.0.0.1\",\"Meta\":{\"v\":\"1\"},"
				+ "\"Connect\":{\"Native\":true}},\"Checks\":[{\"CheckID\":\"c\",\"Status\":\"passing\"}]}]";
		fuzz("health", health, () -> client.query(AgentQuery.connectHealth("db", true, null, null)).value(),
				(value) -> {
				}, null);
	}

	@Test
	void mutatedIntentionsJsonYieldsIntentionsOrADocumentedFailure() {
		String intentions = "{\"db\":[{\"ID\":\"i\",\"SourceNS\":\"default\",\"SourceName\":\"web\","
				+ "\"DestinationNS\":\"default\",\"DestinationName\":\"db\",\"Precedence\":9,\"Permissions\":["
				+ "{\"Action\":\"allow\",\"HTTP\":{\"PathPrefix\":\"/api/\",\"Methods\":[\"GET\"],\"Header\":["
				+ "{\"Name\":\"x-a\",\"Exact\":\"b\",\"Invert\":true}]}}]},{\"SourceName\":\"*\",\"Action\":\"deny\","
				+ "\"Precedence\":8}]}";
		fuzz("intentions", intentions, () -> client.query(AgentQuery.intentionMatch("destination", "db")).value(),
				(value) -> assertThat(value).isInstanceOf(Map.class), null);
	}

	@Test
	void mutatedAuthorizeJsonYieldsADecisionOrADocumentedFailure() {
		fuzz("authorize", "{\"Authorized\":true,\"Reason\":\"Matched L4 intention: web => db\"}",
				() -> client.authorize(new AuthorizeRequest("db", ca.serviceId("web"), null)),
				(value) -> assertThat(value.reason()).isNotNull(), null);
	}

	@Test
	void mutatedCertificatesAreParsedAndJudgedOrRejectedWithADocumentedFailure() throws Exception {
		Random random = new Random(SEED);
		SvidValidator validator = new SvidValidator();
		CertificateFactory factory = CertificateFactory.getInstance("X.509");
		List<X509Certificate> roots = List.of(ca.getRootCertificate());
		byte[] der = leafCertificate.getCertificate().getEncoded();
		byte[] tbs = leafCertificate.getCertificate().getTBSCertificate();
		List<String> accepted = new ArrayList<>();
		hangGuard(() -> {
			for (int i = 0; i < CASES * 4; i++) {
				byte[] mutated = mutate(der, random);
				X509Certificate certificate;
				try {
					certificate = (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(mutated));
				}
				catch (CertificateException ex) {
					continue;
				}
				catch (RuntimeException ex) {
					fail("seed " + SEED + " case " + i + ": the JDK parser threw " + ex);
					return;
				}
				try {
					validator.validateClient(new X509Certificate[] { certificate }, roots, ca.getTrustDomain(),
							Instant.now());
					if (!Arrays.equals(certificate.getTBSCertificate(), tbs)) {
						accepted.add("case " + i);
					}
				}
				catch (SvidValidationException ex) {
					assertThat(ex.getReason()).isNotNull();
				}
				catch (CertificateException ex) {
					fail("seed " + SEED + " case " + i + ": an accepted certificate cannot be encoded: " + ex);
				}
				catch (RuntimeException ex) {
					fail("seed " + SEED + " case " + i + ": the validator threw " + ex);
				}
			}
		});
		assertThat(accepted).as("a certificate whose signed content changed and still validates would be a forgery")
			.isEmpty();
	}

	@Test
	void mutatedSpiffeIdsParseOrFailWithIllegalArgumentException() {
		Random random = new Random(SEED);
		String id = ca.serviceId("web");
		hangGuard(() -> {
			for (int i = 0; i < CASES * 10; i++) {
				String mutated = new String(mutate(id.getBytes(StandardCharsets.UTF_8), random),
						StandardCharsets.UTF_8);
				try {
					SpiffeId parsed = SpiffeId.parse(mutated);
					assertThat(parsed.toUri()).startsWith("spiffe://");
				}
				catch (IllegalArgumentException ex) {
					assertThat(ex.getMessage()).isNotBlank();
				}
			}
		});
	}

	private static <T> void fuzz(String what, String valid, ThrowingSupplier<T> call, Consumer<T> check,
			@Nullable String secret) {
		Random random = new Random(SEED ^ what.hashCode());
		List<String> inputs = new ArrayList<>();
		inputs.add(valid);
		inputs.add("");
		inputs.add("null");
		inputs.add("[]");
		inputs.add("{}");
		inputs.add("[".repeat(5000) + "]".repeat(5000));
		inputs.add("{\"a\":".repeat(5000) + "1" + "}".repeat(5000));
		inputs.add("\"" + "x".repeat(100_000) + "\"");
		for (int i = 0; i < CASES; i++) {
			inputs.add(new String(mutate(valid.getBytes(StandardCharsets.UTF_8), random), StandardCharsets.UTF_8));
			inputs.add(retype(valid, random));
		}
		int[] outcomes = new int[2];
		hangGuard(() -> {
			for (int i = 0; i < inputs.size(); i++) {
				body.set(inputs.get(i));
				try {
					T value = call.get();
					check.accept(value);
					outcomes[0]++;
				}
				catch (ConsulAgentException ex) {
					outcomes[1]++;
					if (secret != null) {
						assertThat(ex.getMessage()).as("%s case %d (seed %d)", what, i, SEED).doesNotContain(secret);
						assertThat(String.valueOf(ex.getCause())).doesNotContain(secret);
					}
				}
				catch (RuntimeException ex) {
					fail(what + " case " + i + " (seed " + SEED + ") escaped with " + ex + " for input: "
							+ abbreviate(inputs.get(i)));
				}
			}
		});
		System.out.println("[fuzz] " + what + ": " + outcomes[0] + " parsed, " + outcomes[1] + " refused");
		assertThat(outcomes[0]).as("the valid input parses").isPositive();
		assertThat(outcomes[1]).as("malformed inputs are refused").isPositive();
	}

	/**
	 * One to four random byte edits: flip, replace, insert, delete, or truncate.
	 */
	static byte[] mutate(byte[] input, Random random) {
		List<Byte> bytes = new ArrayList<>();
		for (byte b : input) {
			bytes.add(b);
		}
		int edits = 1 + random.nextInt(4);
		for (int e = 0; e < edits && !bytes.isEmpty(); e++) {
			int at = random.nextInt(bytes.size());
			switch (random.nextInt(5)) {
				case 0 -> bytes.set(at, (byte) (bytes.get(at) ^ (1 << random.nextInt(8))));
				case 1 -> bytes.set(at, (byte) random.nextInt(256));
				case 2 -> bytes.add(at, (byte) random.nextInt(256));
				case 3 -> bytes.remove(at);
				default -> bytes.subList(at, bytes.size()).clear();
			}
		}
		byte[] result = new byte[bytes.size()];
		for (int i = 0; i < result.length; i++) {
			result[i] = bytes.get(i);
		}
		return result;
	}

	/**
	 * Replace one JSON string value with a value of another type.
	 */
	private static String retype(String json, Random random) {
		List<Integer> quotes = new ArrayList<>();
		for (int i = 0; i < json.length(); i++) {
			if (json.charAt(i) == ':' && i + 1 < json.length() && json.charAt(i + 1) == '"') {
				quotes.add(i + 1);
			}
		}
		if (quotes.isEmpty()) {
			return json;
		}
		int start = quotes.get(random.nextInt(quotes.size()));
		int end = json.indexOf('"', start + 1);
		String[] replacements = { "null", "-1", "1e999", "true", "[]", "{}", "[\"a\"]", "\"\"",
				"\"" + "\\u0000".repeat(3) + "\"", "99999999999999999999999" };
		return json.substring(0, start) + replacements[random.nextInt(replacements.length)] + json.substring(end + 1);
	}

	private static String leafJson() {
		return "{\"SerialNumber\":\"01\",\"CertPEM\":" + json(leafCertificate.getChainPem()) + ",\"PrivateKeyPEM\":"
				+ json(leafCertificate.getPrivateKeyPem()) + ",\"Service\":\"web\",\"ServiceURI\":\""
				+ ca.serviceId("web") + "\",\"ValidAfter\":\"2026-01-01T00:00:00Z\",\"ValidBefore\":"
				+ "\"2036-01-01T00:00:00Z\",\"CreateIndex\":1,\"ModifyIndex\":1}";
	}

	private static String keyBody(String pem) {
		String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
		return base64.substring(base64.length() / 2, base64.length() / 2 + 24);
	}

	static String json(String text) {
		return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "") + "\"";
	}

	private static String abbreviate(String text) {
		return (text.length() > 300) ? text.substring(0, 300) + "..." : text;
	}

	/**
	 * Run a fuzz loop on another thread and give up waiting after {@link #HANG_GUARD}: a
	 * hang guard, not a timing assertion.
	 */
	private static void hangGuard(Runnable loop) {
		assertThat(CompletableFuture.runAsync(loop)).succeedsWithin(HANG_GUARD);
	}

	@FunctionalInterface
	interface ThrowingSupplier<T> {

		T get();

	}

}
