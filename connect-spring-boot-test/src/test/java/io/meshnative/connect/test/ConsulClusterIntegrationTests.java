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

package io.meshnative.connect.test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bouncycastle.asn1.ASN1BitString;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests for {@link ConsulCluster} on real Consul agents: one cluster per
 * nested class, shared by its tests ({@link ConsulClusterExtension} restores stopped
 * agents and heals partitions between them).
 *
 * @author connect-spring-boot authors
 */
class ConsulClusterIntegrationTests {

	private static final Pattern SERVICE_URI = Pattern.compile("\"ServiceURI\"\\s*:\\s*\"([^\"]+)\"");

	private static final Pattern SERIAL = Pattern.compile("\"SerialNumber\"\\s*:\\s*\"([^\"]+)\"");

	private static final Pattern TRUST_DOMAIN = Pattern.compile("\"TrustDomain\"\\s*:\\s*\"([^\"]+)\"");

	private static final Pattern CERT_PEM = Pattern.compile("\"CertPEM\"\\s*:\\s*\"([^\"]+)\"");

	private static final Pattern ROOT_CERT = Pattern.compile("\"RootCert\"\\s*:\\s*\"([^\"]+)\"");

	private static final Pattern PEM_BLOCK = Pattern
		.compile("-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----");

	private static final Pattern ACTIVE_ROOT_ID = Pattern.compile("\"ActiveRootID\"\\s*:\\s*\"([^\"]+)\"");

	private static void awaitCatalogHasInstance(ConsulCluster cluster, String service, ConsulClusterAgent agent) {
		await().atMost(Duration.ofSeconds(30))
			.until(() -> runningServer(cluster, agent.getDatacenter()).request("GET", "/v1/catalog/service/" + service,
					null), (body) -> body.contains(agent.getNodeName()));
	}

	private static ConsulClusterAgent runningServer(ConsulCluster cluster, String datacenter) {
		return cluster.getServers(datacenter).stream().filter(ConsulClusterAgent::isRunning).findFirst().orElseThrow();
	}

	private static String status(ConsulClusterAgent agent, String path, Duration timeout) {
		try {
			return String.valueOf(agent.send("GET", path, null, null, timeout).statusCode());
		}
		catch (UncheckedIOException ex) {
			return "no answer: " + ex.getCause();
		}
	}

	private static String group(Pattern pattern, String body) {
		Matcher matcher = pattern.matcher(body);
		assertThat(matcher.find()).as("%s in %s", pattern, body).isTrue();
		return matcher.group(1);
	}

	@Nested
	class ThreeServersTwoClients {

		@RegisterExtension
		static final ConsulClusterExtension consul = ConsulClusterExtension.of(ConsulCluster.create());

		@Test
		void electsALeaderAndIssuesLeavesOnAClient(ConsulCluster cluster) {
			System.out.println("[measure] cluster of 3 servers and 2 clients ready after "
					+ cluster.getStartupDuration().toMillis() + " ms");
			ConsulClusterAgent leader = cluster.leader();
			assertThat(cluster.getServers()).hasSize(3).contains(leader).allMatch(ConsulClusterAgent::isServer);
			assertThat(cluster.getClients()).hasSize(2).noneMatch(ConsulClusterAgent::isServer);
			List<ConsulClusterAgent> agents = cluster.getAgents();
			assertThat(agents).extracting(ConsulClusterAgent::getAddress).doesNotHaveDuplicates();
			assertThat(agents).extracting(ConsulClusterAgent::getHttpPort).doesNotHaveDuplicates();
			assertThat(agents).extracting(ConsulClusterAgent::getDataDirectory).doesNotHaveDuplicates();
			assertThat(leader.request("GET", "/v1/status/peers", null).split(",")).hasSize(3);
			ConsulClusterAgent client = cluster.getClients().get(0);
			String members = client.request("GET", "/v1/agent/members", null);
			assertThat(agents).allSatisfy((agent) -> assertThat(members).contains(agent.getNodeName()));
			String leaf = client.request("GET", "/v1/agent/connect/ca/leaf/web", null);
			assertThat(group(SERVICE_URI, leaf)).startsWith("spiffe://" + cluster.getTrustDomain() + "/")
				.endsWith("/ns/default/dc/dc1/svc/web");
		}

		@Test
		void killingTheLeaderElectsANewOneAndLeavesAreStillIssued(ConsulCluster cluster) {
			ConsulClusterAgent oldLeader = cluster.leader();
			long killedAt = System.nanoTime();
			cluster.kill(oldLeader);
			ConsulClusterAgent newLeader = cluster.leader();
			long electedAfter = Duration.ofNanos(System.nanoTime() - killedAt).toMillis();
			assertThat(oldLeader.isRunning()).isFalse();
			assertThat(newLeader).isNotEqualTo(oldLeader);
			assertThat(newLeader.isRunning()).isTrue();
			ConsulClusterAgent client = cluster.getClients().get(0);
			await().atMost(Duration.ofSeconds(30))
				.until(() -> status(client, "/v1/agent/connect/ca/leaf/after-leader-loss", Duration.ofSeconds(5)),
						"200"::equals);
			long leafAfter = Duration.ofNanos(System.nanoTime() - killedAt).toMillis();
			String leaf = client.request("GET", "/v1/agent/connect/ca/leaf/after-leader-loss", null);
			assertThat(group(SERVICE_URI, leaf)).endsWith("/svc/after-leader-loss");
			System.out.println("[measure] leader killed: new leader " + newLeader.getNodeName() + " after "
					+ electedAfter + " ms, new service's leaf issued after " + leafAfter + " ms");
		}

		@Test
		void killedClientRestartedWithItsDataKeepsItsServiceRegistered(ConsulCluster cluster) {
			ConsulClusterAgent client = cluster.getClients().get(0);
			client.request("PUT", "/v1/agent/service/register",
					"{\"ID\":\"kept-1\",\"Name\":\"kept\",\"Port\":8443,\"Connect\":{\"Native\":true}}");
			awaitCatalogHasInstance(cluster, "kept", client);
			cluster.kill(client);
			assertThat(client.isRunning()).isFalse();
			long restartedAt = System.nanoTime();
			cluster.restart(client);
			long restartMillis = Duration.ofNanos(System.nanoTime() - restartedAt).toMillis();
			assertThat(client.request("GET", "/v1/agent/service/kept-1", null))
				.containsPattern("\"Service\":\\s*\"kept\"");
			awaitCatalogHasInstance(cluster, "kept", client);
			System.out.println("[measure] killed client back with its data after " + restartMillis + " ms");
			cluster.restartWithoutData(client);
			assertThat(status(client, "/v1/agent/service/kept-1", Duration.ofSeconds(5))).isEqualTo("404");
			await().atMost(Duration.ofSeconds(30))
				.until(() -> runningServer(cluster, "dc1").request("GET", "/v1/catalog/service/kept", null),
						(body) -> !body.contains(client.getNodeName()));
		}

		@Test
		void stoppedClientLeavesGracefullyAndStartBringsItBack(ConsulCluster cluster) {
			ConsulClusterAgent client = cluster.getClients().get(1);
			ConsulClusterAgent server = runningServer(cluster, "dc1");
			cluster.stop(client);
			assertThat(client.isRunning()).isFalse();
			Pattern left = Pattern.compile("\"Name\":\"" + Pattern.quote(client.getNodeName())
					+ "\",\"Addr\":\"[^\"]*\",\"Port\":\\d+,\"Tags\":\\{[^}]*},\"Status\":3,");
			await().atMost(Duration.ofSeconds(10))
				.until(() -> server.request("GET", "/v1/agent/members", null),
						(members) -> left.matcher(members).find());
			await().atMost(Duration.ofSeconds(30))
				.until(() -> server.request("GET", "/v1/catalog/nodes", null),
						(nodes) -> !nodes.contains(client.getNodeName()));
			cluster.start();
			assertThat(client.isRunning()).isTrue();
			assertThat(server.request("GET", "/v1/catalog/nodes", null)).contains(client.getNodeName());
		}

		@Test
		void partitionedClientServesCachedMaterialButNoNewLeafUntilHealed(ConsulCluster cluster) {
			ConsulClusterAgent client = cluster.getClients().get(1);
			String cachedSerial = group(SERIAL, client.request("GET", "/v1/agent/connect/ca/leaf/cached", null));
			String roots = client.request("GET", "/v1/agent/connect/ca/roots", null);
			cluster.partition(client);
			try {
				String partitioned = status(client, "/v1/agent/connect/ca/leaf/fresh", Duration.ofSeconds(5));
				assertThat(partitioned).isNotEqualTo("200");
				System.out.println("[measure] partitioned client, new service's leaf within 5 s: " + partitioned);
				assertThat(group(SERIAL, client.request("GET", "/v1/agent/connect/ca/leaf/cached", null)))
					.isEqualTo(cachedSerial);
				assertThat(group(ACTIVE_ROOT_ID, client.request("GET", "/v1/agent/connect/ca/roots", null)))
					.isEqualTo(group(ACTIVE_ROOT_ID, roots));
				assertThat(
						status(cluster.getClients().get(0), "/v1/agent/connect/ca/leaf/fresh", Duration.ofSeconds(5)))
					.isEqualTo("200");
			}
			finally {
				cluster.heal(client);
			}
			long healedAt = System.nanoTime();
			await().atMost(Duration.ofSeconds(90))
				.until(() -> status(client, "/v1/agent/connect/ca/leaf/fresh", Duration.ofSeconds(5)), "200"::equals);
			System.out.println("[measure] partition healed: new leaf on the client after "
					+ Duration.ofNanos(System.nanoTime() - healedAt).toMillis() + " ms");
		}

	}

	@Nested
	class WithAcl {

		@RegisterExtension
		static final ConsulClusterExtension consul = ConsulClusterExtension.of(ConsulCluster.create().withAcl());

		@Test
		void serviceTokenGetsItsLeafAndReadsItsIntentionsButNotAnotherServicesLeaf(ConsulCluster cluster) {
			System.out.println("[measure] ACL cluster of 3 servers and 2 clients ready after "
					+ cluster.getStartupDuration().toMillis() + " ms");
			String token = cluster.createServiceToken("orders");
			ConsulClusterAgent client = cluster.getClients().get(0);
			Duration timeout = Duration.ofSeconds(10);
			assertThat(client.send("GET", "/v1/agent/connect/ca/leaf/orders", null, null, timeout).statusCode())
				.isEqualTo(403);
			cluster.getServers()
				.get(0)
				.request("PUT", "/v1/config",
						"{\"Kind\":\"service-intentions\",\"Name\":\"orders\",\"Sources\":[{\"Name\":\"web\",\"Action\":\"allow\"}]}");
			HttpResponse<String> leaf = client.send("GET", "/v1/agent/connect/ca/leaf/orders", null, token, timeout);
			assertThat(leaf.statusCode()).isEqualTo(200);
			assertThat(group(SERVICE_URI, leaf.body())).endsWith("/dc/dc1/svc/orders");
			HttpResponse<String> intentions = client.send("GET",
					"/v1/connect/intentions/match?by=destination&name=orders", null, token, timeout);
			assertThat(intentions.statusCode()).isEqualTo(200);
			assertThat(intentions.body()).containsPattern("\"SourceName\":\\s*\"web\"");
			assertThat(client.send("GET", "/v1/agent/connect/ca/leaf/payments", null, token, timeout).statusCode())
				.isEqualTo(403);
			assertThat(client.send("PUT", "/v1/config",
					"{\"Kind\":\"service-intentions\",\"Name\":\"orders\",\"Sources\":[{\"Name\":\"*\",\"Action\":\"allow\"}]}",
					token, timeout)
				.statusCode()).isEqualTo(403);
		}

		@Test
		void agentsRunWithTheirOwnAgentTokens(ConsulCluster cluster) {
			ConsulClusterAgent client = cluster.getClients().get(1);
			assertThat(client.request("GET", "/v1/agent/self", null)).contains(client.getNodeName());
			String nodes = cluster.getServers().get(0).request("GET", "/v1/catalog/nodes", null);
			assertThat(cluster.getAgents()).allSatisfy((agent) -> assertThat(nodes).contains(agent.getNodeName()));
			cluster.restartWithoutData(client);
			client.request("PUT", "/v1/agent/service/register", "{\"ID\":\"after-wipe\",\"Name\":\"after-wipe\"}");
			awaitCatalogHasInstance(cluster, "after-wipe", client);
		}

	}

	@Nested
	class TwoDatacenters {

		@RegisterExtension
		static final ConsulClusterExtension consul = ConsulClusterExtension
			.of(ConsulCluster.create(3, 1).withAcl().withSecondaryDatacenter());

		@Test
		void secondaryCaIssuesLeavesWithTheDc2IdentityChainedToThePrimaryRoot(ConsulCluster cluster) throws Exception {
			System.out.println("[measure] two datacenters (3+1 and 1+1 agents) with ACLs ready after "
					+ cluster.getStartupDuration().toMillis() + " ms");
			ConsulClusterAgent client = cluster.getClients(ConsulCluster.SECONDARY_DATACENTER).get(0);
			assertThat(client.getDatacenter()).isEqualTo("dc2");
			assertThat(cluster.leader("dc2")).isEqualTo(cluster.getServers("dc2").get(0));
			assertThat(group(TRUST_DOMAIN, client.request("GET", "/v1/connect/ca/roots", null)))
				.isEqualTo(cluster.getTrustDomain());
			String leaf = client.request("GET", "/v1/agent/connect/ca/leaf/billing", null);
			assertThat(group(SERVICE_URI, leaf))
				.isEqualTo("spiffe://" + cluster.getTrustDomain() + "/ns/default/dc/dc2/svc/billing");
			ConsulClusterAgent primaryClient = cluster.getClients().get(0);
			Der root = Der.parse(group(ROOT_CERT, primaryClient.request("GET", "/v1/connect/ca/roots", null))).get(0);
			List<Der> primaryChain = Der
				.parse(group(CERT_PEM, primaryClient.request("GET", "/v1/agent/connect/ca/leaf/billing", null)));
			assertThat(primaryChain).hasSize(1);
			assertThat(primaryChain.get(0).isSignedBy(root)).isTrue();
			List<Der> chain = Der.parse(group(CERT_PEM, leaf));
			assertThat(chain).as("dc2 leaf and dc2's intermediate").hasSize(2);
			assertThat(chain.get(0).isSignedBy(root)).isFalse();
			assertThat(chain.get(0).isSignedBy(chain.get(1))).isTrue();
			assertThat(chain.get(1).isSignedBy(root)).isTrue();
		}

		@Test
		void serviceTokenCreatedInDc1WorksOnADc2Agent(ConsulCluster cluster) {
			String token = cluster.createServiceToken("billing");
			ConsulClusterAgent client = cluster.getClients("dc2").get(0);
			await().atMost(Duration.ofSeconds(30))
				.until(() -> client
					.send("GET", "/v1/agent/connect/ca/leaf/billing", null, token, Duration.ofSeconds(10))
					.statusCode(), (status) -> status == 200);
			assertThat(client.send("GET", "/v1/agent/connect/ca/leaf/payments", null, token, Duration.ofSeconds(10))
				.statusCode()).isEqualTo(403);
		}

		@Test
		void dc2LeavesHaveAnEmptyIssuerThatTheJdkRefuses(ConsulCluster cluster) throws Exception {
			String leaf = cluster.getClients("dc2").get(0).request("GET", "/v1/agent/connect/ca/leaf/billing", null);
			List<Der> chain = Der.parse(group(CERT_PEM, leaf));
			assertThat(chain.get(0).issuer().size()).as("dc2 leaf issuer DN").isZero();
			assertThat(chain.get(1).subject().size()).as("dc2 intermediate subject DN").isZero();
			byte[] pem = group(CERT_PEM, leaf).replace("\\n", "\n").getBytes(StandardCharsets.US_ASCII);
			assertThatExceptionOfType(CertificateException.class).isThrownBy(
					() -> CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem)))
				.withMessageContaining("Empty issuer DN");
		}

		@Test
		void serviceRegisteredInDc2IsVisibleFromDc1(ConsulCluster cluster) {
			ConsulClusterAgent dc2Client = cluster.getClients("dc2").get(0);
			dc2Client.request("PUT", "/v1/agent/service/register",
					"{\"ID\":\"billing-1\",\"Name\":\"billing\",\"Port\":9443,\"Connect\":{\"Native\":true}}");
			ConsulClusterAgent dc1Client = cluster.getClients().get(0);
			await().atMost(Duration.ofSeconds(30))
				.until(() -> dc1Client.request("GET", "/v1/health/connect/billing?dc=dc2", null),
						(body) -> body.contains(dc2Client.getNodeName()) && body.contains("\"billing-1\""));
			assertThat(dc1Client.request("GET", "/v1/health/connect/billing", null).trim()).isEqualTo("[]");
		}

	}

	/**
	 * A certificate read at the ASN.1 level, since neither the JDK nor BouncyCastle's
	 * certificate classes accept the empty issuer of Consul's secondary-datacenter
	 * leaves.
	 *
	 * @param tbs the DER of the signed part
	 * @param signature the signature
	 * @param issuer the issuer name
	 * @param subject the subject name
	 * @param publicKey the subject's public key
	 */
	record Der(byte[] tbs, byte[] signature, ASN1Sequence issuer, ASN1Sequence subject, byte[] publicKey) {

		static List<Der> parse(String jsonPem) throws IOException {
			Matcher blocks = PEM_BLOCK.matcher(jsonPem.replace("\\n", "\n"));
			List<Der> certificates = new ArrayList<>();
			while (blocks.find()) {
				ASN1Sequence certificate = ASN1Sequence.getInstance(Base64.getMimeDecoder().decode(blocks.group(1)));
				ASN1Sequence tbs = ASN1Sequence.getInstance(certificate.getObjectAt(0));
				int offset = (tbs.getObjectAt(0) instanceof ASN1TaggedObject) ? 1 : 0;
				certificates.add(new Der(tbs.getEncoded(ASN1Encoding.DER),
						ASN1BitString.getInstance(certificate.getObjectAt(2)).getOctets(),
						ASN1Sequence.getInstance(tbs.getObjectAt(offset + 2)),
						ASN1Sequence.getInstance(tbs.getObjectAt(offset + 4)),
						tbs.getObjectAt(offset + 5).toASN1Primitive().getEncoded(ASN1Encoding.DER)));
			}
			return certificates;
		}

		boolean isSignedBy(Der issuer) throws GeneralSecurityException {
			Signature verifier = Signature.getInstance("SHA256withECDSA");
			verifier
				.initVerify(KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(issuer.publicKey())));
			verifier.update(this.tbs);
			return verifier.verify(this.signature);
		}

	}

}
