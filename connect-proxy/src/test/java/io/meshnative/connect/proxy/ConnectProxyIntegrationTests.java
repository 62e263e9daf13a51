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

package io.meshnative.connect.proxy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import com.sun.net.httpserver.HttpServer;
import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ServiceRegistration;
import io.meshnative.connect.client.ConnectClientFactory;
import io.meshnative.connect.test.ConsulAgentExtension;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The proxy against a real agent: a plain HTTP application behind it is reached by mesh
 * callers, and its upstream listeners reach mesh services.
 *
 * @author connect-spring-boot authors
 */
class ConnectProxyIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private static ConsulAgentClient client;

	@BeforeAll
	static void createClient() {
		client = consul.closeAfterAll(ConsulAgentClient.builder(consul.getAddress()).build());
	}

	@Test
	void connectClientCallerReachesAPlainAppBehindOurProxy() throws Exception {
		HttpServer app = ProxyMesh.plainApp("plain-web");
		int publicPort = ProxyMesh.freePort();
		ProxyMesh.registerProxy(client, "web-sidecar-proxy", "web", publicPort, app.getAddress().getPort(),
				Collections.emptyList());
		try (ConfigurableApplicationContext proxy = ProxyMesh.startProxy(consul.getAgent(), "web-sidecar-proxy");
				ConfigurableApplicationContext caller = ProxyMesh.startMeshApp(consul.getAgent(),
						ProxyMesh.Caller.class, WebApplicationType.NONE, "caller")) {
			RestClient web = caller.getBean(ConnectClientFactory.class).restClientBuilder("web").build();
			await().atMost(Duration.ofSeconds(30))
				.ignoreExceptions()
				.untilAsserted(() -> assertThat(web.get().uri("/hello").retrieve().body(String.class))
					.startsWith("plain-web /hello"));
			HttpResponse<String> admin = HttpClient.newHttpClient()
				.send(HttpRequest
					.newBuilder(URI.create("http://127.0.0.1:" + ProxyMesh.port(proxy) + "/actuator/connect"))
					.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(admin.statusCode()).isEqualTo(200);
			assertThat(admin.body()).contains("spiffe://").contains("/svc/web");
		}
		finally {
			app.stop(0);
			client.deregisterService("web-sidecar-proxy");
		}
	}

	@Test
	void builtInProxyUpstreamReachesAPlainAppBehindOurProxy() throws Exception {
		HttpServer app = ProxyMesh.plainApp("plain-legacy");
		int publicPort = ProxyMesh.freePort();
		int localPort = ProxyMesh.freePort();
		ProxyMesh.registerProxy(client, "legacy-web-proxy", "legacy-web", publicPort, app.getAddress().getPort(),
				Collections.emptyList());
		Process builtIn = null;
		try (ConfigurableApplicationContext proxy = ProxyMesh.startProxy(consul.getAgent(), "legacy-web-proxy")) {
			builtIn = ProxyMesh.builtInProxy(consul.getAgent(), "-service", "cli", "-upstream",
					"legacy-web:" + localPort);
			await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
				try (ProxyMesh.HttpConnection connection = ProxyMesh.open(localPort)) {
					assertThat(connection.get("/through-builtin").body()).startsWith("plain-legacy /through-builtin");
				}
			});
		}
		finally {
			if (builtIn != null) {
				ProxyMesh.stop(builtIn);
			}
			app.stop(0);
			client.deregisterService("legacy-web-proxy");
		}
	}

	@Test
	void ourUpstreamListenersReachAServiceBehindTheBuiltInProxyAndAConnectSpringBootApp() throws Exception {
		HttpServer legacy = ProxyMesh.plainApp("behind-builtin");
		int sidecarPort = ProxyMesh.freePort();
		client.registerService(new ServiceRegistration("old-db-1", "old-db", null, null, "127.0.0.1",
				legacy.getAddress().getPort(), null,
				new AgentService.Connect(null, Map.of("Port", sidecarPort, "Check", Map.of("TTL", "10m"))), null, null,
				null));
		consul.getAgent().request("PUT", "/v1/agent/check/pass/service:old-db-1-sidecar-proxy", null);
		Process builtIn = ProxyMesh.builtInProxy(consul.getAgent(), "-sidecar-for", "old-db-1");
		HttpServer app = ProxyMesh.plainApp("gateway-app");
		int toLegacy = ProxyMesh.freePort();
		int toNative = ProxyMesh.freePort();
		try (ConfigurableApplicationContext nativeApp = ProxyMesh.startMeshApp(consul.getAgent(),
				ProxyMesh.NativeApp.class, WebApplicationType.SERVLET, "native-api")) {
			client.registerService(new ServiceRegistration("native-api-1", "native-api", null, null, "127.0.0.1",
					ProxyMesh.port(nativeApp), null, new AgentService.Connect(true, null), null,
					ServiceRegistration.Check.passingTtl("30m"), null));
			ProxyMesh.registerProxy(client, "gateway-proxy", "gateway", ProxyMesh.freePort(),
					app.getAddress().getPort(),
					List.of(ProxyMesh.upstream("old-db", toLegacy), ProxyMesh.upstream("native-api", toNative)));
			try (ConfigurableApplicationContext proxy = ProxyMesh.startProxy(consul.getAgent(), "gateway-proxy")) {
				await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
					try (ProxyMesh.HttpConnection connection = ProxyMesh.open(toLegacy)) {
						assertThat(connection.get("/rows").body()).startsWith("behind-builtin /rows");
					}
				});
				await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
					try (ProxyMesh.HttpConnection connection = ProxyMesh.open(toNative)) {
						assertThat(connection.get("/api").body()).contains("native caller=").contains("/svc/gateway");
					}
				});
			}
		}
		finally {
			ProxyMesh.stop(builtIn);
			legacy.stop(0);
			app.stop(0);
			client.deregisterService("old-db-1");
			client.deregisterService("native-api-1");
			client.deregisterService("gateway-proxy");
		}
	}

	@Test
	void aDenyIntentionClosesTheConnectionAfterTheHandshake() throws Exception {
		HttpServer app = ProxyMesh.plainApp("guarded");
		int publicPort = ProxyMesh.freePort();
		ProxyMesh.registerProxy(client, "guarded-proxy", "guarded", publicPort, app.getAddress().getPort(),
				Collections.emptyList());
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-intentions", "Name", "guarded", "Sources", List
				.of(Map.of("Name", "intruder", "Action", "deny"), Map.of("Name", "friend", "Action", "allow"))));
		try (ConfigurableApplicationContext proxy = ProxyMesh.startProxy(consul.getAgent(), "guarded-proxy")) {
			await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
				try (ProxyMesh.HttpConnection friend = ProxyMesh.openTls(ProxyMesh.meshContext(client, "friend"),
						publicPort)) {
					assertThat(friend.get("/data").body()).startsWith("guarded /data");
				}
			});
			try (ProxyMesh.HttpConnection intruder = ProxyMesh.openTls(ProxyMesh.meshContext(client, "intruder"),
					publicPort)) {
				assertThat(intruder.isClosedByPeer()).isTrue();
			}
			assertThat(meterCount(proxy, "connect.proxy.connections", "denied")).isGreaterThanOrEqualTo(1);
			assertThat(meterCount(proxy, "connect.proxy.connections", "accepted")).isGreaterThanOrEqualTo(1);
			try (ProxyMesh.HttpConnection friend = ProxyMesh.openTls(ProxyMesh.meshContext(client, "friend"),
					publicPort)) {
				assertThat(friend.get("/before-the-flip").status()).isEqualTo(200);
				consul.getOperator()
					.putConfigEntry(Map.of("Kind", "service-intentions", "Name", "guarded", "Sources", List
						.of(Map.of("Name", "intruder", "Action", "deny"), Map.of("Name", "friend", "Action", "deny"))));
				assertThat(friend.isClosedByPeer()).as("the open connection of a caller now denied").isTrue();
			}
			assertThat(meterCount(proxy, "connect.proxy.connections", "revoked")).isEqualTo(1);
		}
		finally {
			app.stop(0);
			consul.getOperator().deleteConfigEntry("service-intentions", "guarded");
			client.deregisterService("guarded-proxy");
		}
	}

	@Test
	void l7IntentionsOfAnHttpServiceApplyPerRequest() throws Exception {
		HttpServer app = ProxyMesh.plainApp("portal");
		int publicPort = ProxyMesh.freePort();
		ProxyMesh.registerProxy(client, "portal-proxy", "portal", publicPort, app.getAddress().getPort(),
				Collections.emptyList());
		consul.getOperator().putConfigEntry(Map.of("Kind", "service-defaults", "Name", "portal", "Protocol", "http"));
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-intentions", "Name", "portal", "Sources",
					List.of(Map.of("Name", "browser", "Permissions",
							List.of(Map.of("Action", "deny", "HTTP", Map.of("PathExact", "/admin")),
									Map.of("Action", "allow", "HTTP", Map.of("PathPrefix", "/api/")))))));
		try (ConfigurableApplicationContext proxy = ProxyMesh.startProxy(consul.getAgent(), "portal-proxy")) {
			javax.net.ssl.SSLContext browser = ProxyMesh.meshContext(client, "browser");
			await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
				try (ProxyMesh.HttpConnection connection = ProxyMesh.openTls(browser, publicPort)) {
					ProxyMesh.Answer answer = connection.get("/api/items");
					assertThat(answer.status()).isEqualTo(200);
					assertThat(answer.body()).startsWith("portal /api/items")
						.contains("xfcc=By=spiffe://")
						.contains("URI=spiffe://")
						.endsWith("/svc/browser");
				}
			});
			Map<String, Integer> expected = Map.of("/admin", 403, "/%61dmin", 403, "//admin", 400, "/api/../admin", 400,
					"/admin%2F", 400, "/./admin", 400);
			for (Map.Entry<String, Integer> path : expected.entrySet()) {
				try (ProxyMesh.HttpConnection connection = ProxyMesh.openTls(browser, publicPort)) {
					assertThat(connection.get(path.getKey()).status()).as(path.getKey()).isEqualTo(path.getValue());
				}
			}
			try (ProxyMesh.HttpConnection connection = ProxyMesh.openTls(browser, publicPort)) {
				assertThat(connection.get("/api/x").status()).isEqualTo(200);
				assertThat(connection.get("/api/y").status()).as("second request on the same connection")
					.isEqualTo(200);
			}
			assertThat(meterCount(proxy, "connect.proxy.requests", "denied")).isGreaterThanOrEqualTo(2);
			assertThat(meterCount(proxy, "connect.proxy.requests", "refused")).isGreaterThanOrEqualTo(4);
		}
		finally {
			app.stop(0);
			consul.getOperator().deleteConfigEntry("service-intentions", "portal");
			consul.getOperator().deleteConfigEntry("service-defaults", "portal");
			client.deregisterService("portal-proxy");
		}
	}

	@Test
	void anHttpUpstreamListenerRoutesEachRequestThroughTheDiscoveryChain() throws Exception {
		HttpServer v1 = ProxyMesh.plainApp("catalog-v1");
		HttpServer v2 = ProxyMesh.plainApp("catalog-v2");
		int upstreamPort = ProxyMesh.freePort();
		for (String service : List.of("catalog", "catalog-next")) {
			consul.getOperator()
				.putConfigEntry(Map.of("Kind", "service-defaults", "Name", service, "Protocol", "http"));
		}
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-router", "Name", "catalog", "Routes",
					List.of(Map.of("Match", Map.of("HTTP", Map.of("PathPrefix", "/next/")), "Destination",
							Map.of("Service", "catalog-next", "PrefixRewrite", "/")))));
		ProxyMesh.registerProxy(client, "catalog-proxy", "catalog", ProxyMesh.freePort(), v1.getAddress().getPort(),
				Collections.emptyList());
		ProxyMesh.registerProxy(client, "catalog-next-proxy", "catalog-next", ProxyMesh.freePort(),
				v2.getAddress().getPort(), Collections.emptyList());
		ProxyMesh.registerProxy(client, "shop-proxy", "shop", ProxyMesh.freePort(), ProxyMesh.freePort(),
				List.of(ProxyMesh.upstream("catalog", upstreamPort)));
		try (ConfigurableApplicationContext catalog = ProxyMesh.startProxy(consul.getAgent(), "catalog-proxy");
				ConfigurableApplicationContext next = ProxyMesh.startProxy(consul.getAgent(), "catalog-next-proxy");
				ConfigurableApplicationContext shop = ProxyMesh.startProxy(consul.getAgent(), "shop-proxy")) {
			await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
				try (ProxyMesh.HttpConnection connection = ProxyMesh.open(upstreamPort)) {
					assertThat(connection.get("/items").body()).startsWith("catalog-v1 /items");
					assertThat(connection.get("/next/items").body()).as("routed and rewritten on the same connection")
						.startsWith("catalog-v2 /items")
						.endsWith("/svc/shop");
				}
			});
			assertThat(meterCount(shop, "connect.proxy.requests", "allowed")).isGreaterThanOrEqualTo(2);
			consul.getOperator()
				.putConfigEntry(Map.of("Kind", "service-splitter", "Name", "catalog", "Splits",
						List.of(Map.of("Weight", 100, "Service", "catalog-next"))));
			long written = System.nanoTime();
			await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(1)).ignoreExceptions().until(() -> {
				try (ProxyMesh.HttpConnection connection = ProxyMesh.open(upstreamPort)) {
					return connection.get("/items").body().startsWith("catalog-v2 /items");
				}
			});
			System.out.println("[measure] config-apply via connect-proxy kind=splitter latency_ms="
					+ Duration.ofNanos(System.nanoTime() - written).toMillis());
		}
		finally {
			v1.stop(0);
			v2.stop(0);
			consul.getOperator().deleteConfigEntry("service-splitter", "catalog");
			consul.getOperator().deleteConfigEntry("service-router", "catalog");
			for (String service : List.of("catalog", "catalog-next")) {
				consul.getOperator().deleteConfigEntry("service-defaults", service);
			}
			client.deregisterService("catalog-proxy");
			client.deregisterService("catalog-next-proxy");
			client.deregisterService("shop-proxy");
		}
	}

	@Test
	void aTcpUpstreamConnectionFailsOverToAnotherEndpointWhenOneDoesNotAnswer() throws Exception {
		HttpServer ledger = ProxyMesh.plainApp("ledger");
		int upstreamPort = ProxyMesh.freePort();
		ProxyMesh.registerProxy(client, "ledger-a-proxy", "ledger", ProxyMesh.freePort(), ledger.getAddress().getPort(),
				Collections.emptyList());
		ProxyMesh.registerProxy(client, "ledger-b-proxy", "ledger", ProxyMesh.freePort(), ledger.getAddress().getPort(),
				Collections.emptyList());
		ProxyMesh.registerProxy(client, "teller-proxy", "teller", ProxyMesh.freePort(), ProxyMesh.freePort(),
				List.of(ProxyMesh.upstream("ledger", upstreamPort)));
		try (ConfigurableApplicationContext ledgerA = ProxyMesh.startProxy(consul.getAgent(), "ledger-a-proxy");
				ConfigurableApplicationContext teller = ProxyMesh.startProxy(consul.getAgent(), "teller-proxy")) {
			await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
				try (ProxyMesh.HttpConnection connection = ProxyMesh.open(upstreamPort)) {
					assertThat(connection.get("/ready").status()).isEqualTo(200);
				}
			});
			for (int i = 0; i < 10; i++) {
				try (ProxyMesh.HttpConnection connection = ProxyMesh.open(upstreamPort)) {
					assertThat(connection.get("/balance/" + i).body()).as("connection " + i + " (ledger-b is down)")
						.startsWith("ledger /balance/" + i);
				}
			}
			assertThat(meterCount(teller, "connect.proxy.connections", "failed")).isZero();
		}
		finally {
			ledger.stop(0);
			client.deregisterService("ledger-a-proxy");
			client.deregisterService("ledger-b-proxy");
			client.deregisterService("teller-proxy");
		}
	}

	private static double meterCount(ConfigurableApplicationContext proxy, String name, String outcome) {
		return proxy.getBean(MeterRegistry.class)
			.find(name)
			.tag("outcome", outcome)
			.counters()
			.stream()
			.mapToDouble(Counter::count)
			.sum();
	}

}
