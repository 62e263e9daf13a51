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

package io.meshnative.connect.autoconfigure;

import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.meshnative.connect.agent.internal.CaRoots;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.autoconfigure.MeshApplications.MeshApplication;
import io.meshnative.connect.autoconfigure.MeshApplications.Stack;
import io.meshnative.connect.test.ConsulAgentExtension;
import io.meshnative.connect.test.IssuedCertificate;
import io.meshnative.connect.test.TestCertificateAuthority;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Callers with certificates that must be refused, on Tomcat and on Netty, against a real
 * agent whose CA uses a root the test holds (so that the test can mint "our CA"
 * certificates with any defect).
 *
 * @author connect-spring-boot authors
 */
class InboundSecurityIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension
		.dev("connect { test_ca_leaf_root_change_spread = \"1ns\" }");

	private static ConsulAgentClient client;

	private static TestCertificateAuthority ourCa;

	private static List<X509Certificate> roots;

	@BeforeAll
	static void useATestHeldRoot() {
		client = TestConsulAgentConnectionDetails.client(consul);
		String trustDomain = client.getCaRoots().trustDomain();
		ourCa = TestCertificateAuthority.forConsulTrustDomain(trustDomain);
		Map<String, Object> config = new LinkedHashMap<>(consul.getOperator().getCaConfiguration().config());
		config.put("PrivateKey", ourCa.getPrivateKeyPem());
		config.put("RootCert", ourCa.getRootCertPem());
		consul.getOperator().updateCaConfiguration("consul", config);
		await().atMost(Duration.ofSeconds(10)).until(() -> {
			CaRoots current = client.getCaRoots();
			return current.activeRoot() != null
					&& current.activeRoot().rootCert().trim().equals(ourCa.getRootCertPem().trim());
		});
		roots = MeshTestClient.roots(client.getCaRoots());
	}

	@ParameterizedTest
	@EnumSource(Stack.class)
	void onlyAValidServiceSvidOfOurTrustDomainIsServed(Stack stack) throws IOException {
		String service = "secure-" + stack.name().toLowerCase(Locale.ROOT);
		TestCertificateAuthority foreign = TestCertificateAuthority.create(ourCa.getTrustDomain());
		String td = ourCa.getTrustDomain();
		Map<String, IssuedCertificate> refused = new LinkedHashMap<>();
		refused.put("foreign CA, identical SPIFFE ID", foreign.leaf("cli").issue());
		refused.put("our CA, other trust domain",
				ourCa.leaf()
					.uris("spiffe://11111111-2222-3333-4444-555555555555.consul/ns/default/dc/dc1/svc/cli")
					.issue());
		refused.put("our CA, two URI SANs",
				ourCa.leaf().uris(ourCa.serviceId("cli"), ourCa.serviceId("admin")).issue());
		refused.put("our CA, agent ID", ourCa.leaf().uris("spiffe://" + td + "/agent/client/dc/dc1/id/node1").issue());
		refused.put("our CA, server ID", ourCa.leaf().uris("spiffe://" + td + "/agent/server/dc/dc1").issue());
		refused.put("our CA, root ID", ourCa.leaf().uris("spiffe://" + td).issue());
		refused.put("our CA, no URI SAN", ourCa.leaf().subject("CN=cli").dnsNames(ourCa.serviceId("cli")).issue());
		refused.put("our CA, CA certificate as leaf", ourCa.leaf("cli").ca(true).issue());
		refused.put("our CA, serverAuth only",
				ourCa.leaf("cli").extendedKeyUsage(TestCertificateAuthority.KeyPurpose.SERVER_AUTH).issue());
		refused.put("our CA, keyCertSign on leaf",
				ourCa.leaf("cli")
					.keyUsage(TestCertificateAuthority.KeyUsageBit.DIGITAL_SIGNATURE,
							TestCertificateAuthority.KeyUsageBit.KEY_CERT_SIGN)
					.issue());
		refused.put("our CA, https scheme", ourCa.leaf().uris("https://" + td + "/ns/default/dc/dc1/svc/cli").issue());
		try (MeshApplication app = MeshApplications.start(stack, consul, service)) {
			int port = app.getPort();
			IssuedCertificate good = ourCa.leaf("cli").issue();
			assertThat(call(good, port)).as("a valid leaf minted by our CA").isEqualTo("200");
			assertThat(call(MeshTestClient.of(client.getLeafCertificate("cli"), client.getCaRoots()), port))
				.as("a leaf the agent issued")
				.isEqualTo("200");
			List<String> outcomes = new ArrayList<>();
			refused.forEach((name, certificate) -> outcomes.add(name + " -> " + call(certificate, port)));
			System.out.println("[outcomes] " + stack + ": " + outcomes);
			assertThat(outcomes).allSatisfy((outcome) -> assertThat(outcome).matches(".* -> (403|handshake refused)"));
			assertThat(outcomes).contains("foreign CA, identical SPIFFE ID -> handshake refused",
					"our CA, other trust domain -> 403", "our CA, two URI SANs -> 403", "our CA, agent ID -> 403");
		}
	}

	private static String call(IssuedCertificate certificate, int port) {
		return call(MeshTestClient.of(certificate.getChain(), certificate.getPrivateKey(), roots), port);
	}

	private static String call(MeshTestClient caller, int port) {
		try {
			return String.valueOf(caller.get(port, "/hello").status());
		}
		catch (IOException ex) {
			return "handshake refused";
		}
	}

}
