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

package io.meshnative.connect.agent.internal;

import java.nio.charset.StandardCharsets;
import java.security.interfaces.ECPrivateKey;

import io.meshnative.connect.test.IssuedCertificate;
import io.meshnative.connect.test.TestCertificateAuthority;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link LeafCertificate}: the agent's PEM private key is decoded while the
 * answer is read and kept only as a key.
 *
 * @author connect-spring-boot authors
 */
class LeafCertificateTests {

	private static final TestCertificateAuthority ca = TestCertificateAuthority
		.create("11111111-2222-3333-4444-555555555555.consul");

	private static final IssuedCertificate issued = ca.leaf("web").issue();

	@Test
	void pemPrivateKeyIsDecodedIntoAKey() {
		LeafCertificate leaf = read(json(issued.getPrivateKeyPem()));
		assertThat(leaf.privateKeyError()).isNull();
		assertThat(leaf.privateKey()).isInstanceOfSatisfying(ECPrivateKey.class,
				(key) -> assertThat(key.getS()).isEqualTo(((ECPrivateKey) issued.getPrivateKey()).getS()));
		assertThat(leaf.serialNumber()).isEqualTo("01");
		assertThat(leaf.service()).isEqualTo("web");
		assertThat(leaf.serviceUri()).isEqualTo(ca.serviceId("web"));
		assertThat(leaf.certPem()).isEqualTo(issued.getChainPem());
		assertThat(leaf.modifyIndex()).isEqualTo(7);
		assertThat(leaf.validBefore()).isNotNull();
	}

	@Test
	void pkcs8PemPrivateKeyIsDecodedToo() {
		LeafCertificate leaf = read(json(issued.getPrivateKeyPkcs8Pem()));
		assertThat(leaf.privateKey()).isInstanceOfSatisfying(ECPrivateKey.class,
				(key) -> assertThat(key.getS()).isEqualTo(((ECPrivateKey) issued.getPrivateKey()).getS()));
	}

	@Test
	void pemThatIsNotAKeyLeavesTheLeafWithoutAKeyAndAReason() {
		LeafCertificate leaf = read(
				json("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBrokenKey\n-----END EC PRIVATE KEY-----\n"));
		assertThat(leaf.privateKeyError()).isEqualTo("the leaf private key is not a valid PEM key");
		assertThatIllegalStateException().isThrownBy(leaf::privateKey)
			.withMessage("the leaf private key is not a valid PEM key");
		assertThat(leaf.toString()).contains("privateKey=<none>");
	}

	@Test
	void certificateInsteadOfAKeyOrNoPemLeavesTheLeafWithoutAKeyAndAReason() {
		assertThat(read(json(issued.getCertificatePem())).privateKeyError())
			.isEqualTo("the leaf private key is not a valid PEM key");
		assertThat(read(json("")).privateKeyError()).isEqualTo("the leaf PrivateKeyPEM holds no private key");
		assertThat(read(json(null)).privateKeyError()).isEqualTo("the leaf PrivateKeyPEM holds no private key");
	}

	@Test
	void leavesWithTheSameKeyAreEqualAndAnotherKeyMakesThemDiffer() {
		LeafCertificate first = read(json(issued.getPrivateKeyPem()));
		LeafCertificate again = read(json(issued.getPrivateKeyPkcs8Pem()));
		LeafCertificate otherKey = read(json(ca.leaf("web").issue().getPrivateKeyPem()));
		LeafCertificate noKey = read(json("not a key"));
		assertThat(first).isEqualTo(again).hasSameHashCodeAs(again);
		assertThat(first).isNotEqualTo(otherKey).isNotEqualTo(noKey);
		assertThat(noKey).isEqualTo(read(json("not a key")));
	}

	@Test
	void toStringNeverShowsTheKey() {
		LeafCertificate leaf = read(json(issued.getPrivateKeyPem()));
		String body = issued.getPrivateKeyPem().replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
		assertThat(leaf.toString()).contains("privateKey=<hidden>")
			.doesNotContain("PRIVATE KEY")
			.doesNotContain(body.substring(body.length() / 2, body.length() / 2 + 24));
	}

	private static LeafCertificate read(String json) {
		return AgentJson.MAPPER.readValue(json.getBytes(StandardCharsets.UTF_8), LeafCertificate.class);
	}

	private static String json(@Nullable String privateKeyPem) {
		String key = (privateKeyPem != null) ? quote(privateKeyPem) : "null";
		return "{\"SerialNumber\":\"01\",\"CertPEM\":" + quote(issued.getChainPem()) + ",\"PrivateKeyPEM\":" + key
				+ ",\"Service\":\"web\",\"ServiceURI\":\"" + ca.serviceId("web") + "\",\"ValidAfter\":"
				+ "\"2026-01-01T00:00:00Z\",\"ValidBefore\":\"2036-01-01T00:00:00Z\",\"CreateIndex\":1,"
				+ "\"ModifyIndex\":7}";
	}

	private static String quote(String text) {
		return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "") + "\"";
	}

}
