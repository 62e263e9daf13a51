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

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import io.meshnative.connect.autoconfigure.TestConsulAgentConnectionDetails;
import io.meshnative.connect.test.ConsulAgent;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ConsulAgentClient} and {@link Watch} against a real Consul agent.
 *
 * @author connect-spring-boot authors
 */
class ConsulAgentClientIntegrationTests {

	@RegisterExtension
	/**
	 * The agent allows 200 concurrent connections per client address by default
	 * ({@code limits.http_max_conns_per_client}) and answers 429 beyond: 200 blocked
	 * watches plus the client's other pooled connections exceed that.
	 */
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev("limits { http_max_conns_per_client = 400 }");

	private static final ConsulAgentClient client = TestConsulAgentConnectionDetails.client(consul);

	@Test
	void rootsHaveAnActiveRootAndAConsulTrustDomain() {
		CaRoots roots = client.getCaRoots();
		assertThat(roots.trustDomain()).endsWith(".consul");
		assertThat(roots.activeRoot()).isNotNull();
		assertThat(roots.activeRoot().id()).isEqualTo(roots.activeRootId());
		assertThat(roots.activeRoot().rootCert()).startsWith("-----BEGIN CERTIFICATE-----");
		assertThat(roots.activeRoot().notAfter()).isNotNull();
	}

	@Test
	void leafHasOneSpiffeUriSanAnEcP256KeyAndAChainThatVerifiesAgainstTheRoots() throws Exception {
		CaRoots roots = client.getCaRoots();
		LeafCertificate leaf = client.getLeafCertificate("web");
		List<X509Certificate> chain = certificates(leaf.certPem());
		X509Certificate certificate = chain.get(0);
		Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
		assertThat(sans).hasSize(1);
		List<?> san = sans.iterator().next();
		assertThat(san.get(0)).isEqualTo(6);
		String expected = "spiffe://" + roots.trustDomain() + "/ns/default/dc/dc1/svc/web";
		assertThat(san.get(1)).isEqualTo(expected);
		assertThat(leaf.serviceUri()).isEqualTo(expected);
		assertThat(certificate.getPublicKey()).isInstanceOfSatisfying(ECPublicKey.class,
				(key) -> assertThat(key.getParams().getCurve().getField().getFieldSize()).isEqualTo(256));
		assertThat(leaf.privateKeyError()).isNull();
		PrivateKey privateKey = leaf.privateKey();
		assertThat(privateKey).isInstanceOfSatisfying(ECPrivateKey.class,
				(key) -> assertThat(key.getParams().getCurve().getField().getFieldSize()).isEqualTo(256));
		Set<TrustAnchor> anchors = new HashSet<>();
		for (CaRoots.Root root : roots.roots()) {
			anchors.add(new TrustAnchor(certificates(root.rootCert()).get(0), null));
		}
		PKIXParameters parameters = new PKIXParameters(anchors);
		parameters.setRevocationEnabled(false);
		CertificateFactory factory = CertificateFactory.getInstance("X.509");
		CertPathValidator.getInstance("PKIX").validate(factory.generateCertPath(chain), parameters);
		assertThat(leaf.toString()).doesNotContain("PRIVATE KEY");
	}

	@Test
	void healthWatchSeesANewlyRegisteredConnectNativeInstanceWithinTwoSeconds() {
		String service = "health-" + UUID.randomUUID().toString().substring(0, 8);
		List<List<ServiceHealth>> seen = new CopyOnWriteArrayList<>();
		try (Watch<List<ServiceHealth>> watch = Watch
			.builder(client, AgentQuery.connectHealth(service, true, null, null))
			.build(seen::add)
			.start()) {
			await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 1);
			assertThat(seen.get(0)).isEmpty();
			client.registerService(new ServiceRegistration(service + "-1", service, null, null, "127.0.0.1", 8443,
					Map.of("version", "v1"), new AgentService.Connect(true, null), null,
					ServiceRegistration.Check.passingTtl("30s"), null));
			await().atMost(Duration.ofSeconds(2)).until(() -> seen.size() == 2);
			ServiceHealth entry = seen.get(1).get(0);
			assertThat(entry.service().isConnectNative()).isTrue();
			assertThat(entry.dialAddress()).isEqualTo("127.0.0.1");
			assertThat(entry.service().port()).isEqualTo(8443);
			assertThat(entry.expectedServiceName()).isEqualTo(service);
			assertThat(entry.isPassing()).isTrue();
			assertThat(client.getAgentService(service + "-1").meta()).containsEntry("version", "v1");
		}
		finally {
			client.deregisterService(service + "-1");
		}
	}

	@Test
	void manyBlockedWatchesHoldNoThreadEach() {
		List<Watch<CaRoots>> watches = new ArrayList<>();
		List<CaRoots> seen = new CopyOnWriteArrayList<>();
		// room for every watch to hold a long blocking query (no turns)
		try (ConsulAgentClient roomy = ConsulAgentClient.builder(URI.create(consul.getAgent().getHttpAddress()))
			.maxWatchConnections(400)
			.build()) {
			for (int i = 0; i < 200; i++) {
				watches.add(Watch.builder(roomy, AgentQuery.caRoots()).build(seen::add).start());
			}
			await().atMost(Duration.ofSeconds(30))
				.until(() -> watches.stream().allMatch((watch) -> watch.getLastSuccess() != null));
			assertThat(seen).as("every watch delivered the roots (a change of the roots may add more)")
				.hasSizeGreaterThanOrEqualTo(200);
			await().atMost(Duration.ofSeconds(30)).until(() -> clientThreads() < 10);
			assertThat(watches).allSatisfy((watch) -> assertThat(watch.isRunning()).isTrue());
		}
		finally {
			watches.forEach(Watch::stop);
		}
	}

	private static long clientThreads() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.isAlive() && thread.getName().startsWith("consul-agent-client-"))
			.count();
	}

	@Test
	void agentServiceOfAnUnknownIdIsA404WithTheEndpointInTheMessage() {
		assertThatExceptionOfType(ConsulAgentException.class).isThrownBy(() -> client.getAgentService("nope"))
			.satisfies((ex) -> assertThat(ex.getStatus()).isEqualTo(404))
			.withMessageContaining("GET /v1/agent/service/nope")
			.withMessageContaining(consul.getAgent().getHttpAddress());
	}

	@Test
	void defaultDiscoveryChainHasAResolverAndOneTarget() {
		DiscoveryChain chain = client.getDiscoveryChain("backend");
		assertThat(chain.serviceName()).isEqualTo("backend");
		assertThat(chain.protocol()).isEqualTo("tcp");
		assertThat(chain.isDefault()).isTrue();
		DiscoveryChain.Node start = chain.nodes().get(chain.startNode());
		assertThat(start).isNotNull();
		assertThat(start.type()).isEqualTo("resolver");
		assertThat(start.resolver()).isNotNull();
		assertThat(start.resolver().connectTimeout()).isEqualTo(Duration.ofSeconds(5));
		DiscoveryChain.Target target = chain.targets().get(start.resolver().target());
		assertThat(target).isNotNull();
		assertThat(target.service()).isEqualTo("backend");
		assertThat(target.datacenter()).isEqualTo("dc1");
	}

	@Test
	void discoveryChainDecodesRoutesSplitsAndResolverTimeouts() {
		String service = "chain";
		try {
			consul.getOperator()
				.putConfigEntry(Map.of("Kind", "service-defaults", "Name", service, "Protocol", "http"));
			consul.getOperator()
				.putConfigEntry(Map.of("Kind", "service-resolver", "Name", service, "ConnectTimeout", "3s",
						"RequestTimeout", "7s", "Subsets", Map.of("v1", Map.of("Filter", "Service.Meta.version == v1"),
								"v2", Map.of("Filter", "Service.Meta.version == v2", "OnlyPassing", true))));
			consul.getOperator()
				.putConfigEntry(Map.of("Kind", "service-splitter", "Name", service, "Splits", List
					.of(Map.of("Weight", 90, "ServiceSubset", "v1"), Map.of("Weight", 10, "ServiceSubset", "v2"))));
			consul.getOperator()
				.putConfigEntry(Map.of("Kind", "service-router", "Name", service, "Routes",
						List.of(Map.of("Match",
								Map.of("HTTP", Map.of("PathPrefix", "/admin", "Methods", List.of("GET"))),
								"Destination", Map.of("ServiceSubset", "v2", "PrefixRewrite", "/", "RequestTimeout",
										"2s", "NumRetries", 3, "RetryOnStatusCodes", List.of(503))))));
			DiscoveryChain chain = client.getDiscoveryChain(service);
			assertThat(chain.protocol()).isEqualTo("http");
			DiscoveryChain.Node router = chain.nodes().get(chain.startNode());
			assertThat(router.type()).isEqualTo("router");
			DiscoveryChain.RouteDefinition admin = router.routes().get(0).definition();
			assertThat(admin.match().http().pathPrefix()).isEqualTo("/admin");
			assertThat(admin.match().http().methods()).containsExactly("GET");
			assertThat(admin.destination().requestTimeout()).isEqualTo(Duration.ofSeconds(2));
			assertThat(admin.destination().numRetries()).isEqualTo(3);
			assertThat(admin.destination().retryOnStatusCodes()).containsExactly(503);
			assertThat(admin.destination().prefixRewrite()).isEqualTo("/");
			DiscoveryChain.Node splitter = chain.nodes().get(router.routes().get(1).nextNode());
			assertThat(splitter.type()).isEqualTo("splitter");
			assertThat(splitter.splits()).extracting(DiscoveryChain.Split::weight).containsExactly(90f, 10f);
			DiscoveryChain.Node resolver = chain.nodes().get(splitter.splits().get(1).nextNode());
			assertThat(resolver.resolver().connectTimeout()).isEqualTo(Duration.ofSeconds(3));
			assertThat(resolver.resolver().requestTimeout()).as("integer nanoseconds on the wire")
				.isEqualTo(Duration.ofSeconds(7));
			DiscoveryChain.Target v2 = chain.targets().get(resolver.resolver().target());
			assertThat(v2.serviceSubset()).isEqualTo("v2");
			assertThat(v2.subset().filter()).isEqualTo("Service.Meta.version == v2");
			assertThat(v2.subset().onlyPassing()).isTrue();
		}
		finally {
			for (String kind : List.of("service-router", "service-splitter", "service-resolver", "service-defaults")) {
				consul.getOperator().deleteConfigEntry(kind, service);
			}
		}
	}

	@Test
	void authorizeAndIntentionMatchFollowIntentions() {
		String destination = "authz";
		try {
			consul.getOperator()
				.putConfigEntry(Map.of("Kind", "service-intentions", "Name", destination, "Sources",
						List.of(Map.of("Name", "web", "Action", "allow"), Map.of("Name", "*", "Action", "deny"))));
			String trustDomain = client.getCaRoots().trustDomain();
			String web = "spiffe://" + trustDomain + "/ns/default/dc/dc1/svc/web";
			String other = "spiffe://" + trustDomain + "/ns/default/dc/dc1/svc/other";
			assertThat(client.authorize(new AuthorizeRequest(destination, web, "0a")).authorized()).isTrue();
			AuthorizeResult denied = client.authorize(new AuthorizeRequest(destination, other, null));
			assertThat(denied.authorized()).isFalse();
			assertThat(denied.reason()).contains("DENY");
			List<Intention> intentions = client.query(AgentQuery.intentionMatch("destination", destination))
				.value()
				.get(destination);
			assertThat(intentions).extracting(Intention::sourceName).containsExactly("web", "*");
			assertThat(intentions).extracting(Intention::precedence).containsExactly(9, 8);
			assertThat(intentions).extracting(Intention::action).containsExactly("allow", "deny");
		}
		finally {
			consul.getOperator().deleteConfigEntry("service-intentions", destination);
		}
	}

	@Test
	void unreachableAgentNamesTheAddressAndTheFix(ConsulAgent agent) {
		try (ConsulAgentClient unreachable = ConsulAgentClient.builder(URI.create("http://127.0.0.1:1"))
			.connectTimeout(Duration.ofSeconds(2))
			.build()) {
			assertThatExceptionOfType(ConsulAgentException.class).isThrownBy(unreachable::getCaRoots)
				.satisfies((ex) -> assertThat(ex.isUnreachable()).isTrue())
				.withMessageContaining("http://127.0.0.1:1")
				.withMessageContaining("GET /v1/agent/connect/ca/roots")
				.withMessageContaining("agent address (CONSUL_HTTP_ADDR)");
		}
		assertThat(agent.isRunning()).isTrue();
	}

	static List<X509Certificate> certificates(String pem) throws Exception {
		CertificateFactory factory = CertificateFactory.getInstance("X.509");
		List<X509Certificate> certificates = new ArrayList<>();
		for (var certificate : factory
			.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
			certificates.add((X509Certificate) certificate);
		}
		return certificates;
	}

}
