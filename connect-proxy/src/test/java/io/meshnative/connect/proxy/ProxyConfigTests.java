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

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import io.meshnative.connect.agent.internal.AgentService;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link ProxyConfig}: reading a proxy registration.
 *
 * @author connect-spring-boot authors
 */
class ProxyConfigTests {

	@Test
	void readsListenersApplicationAndUpstreams() {
		ProxyConfig config = ProxyConfig.of(proxy("10.0.0.5", 21000,
				new AgentService.Proxy("web", "web-1", null, 8080, null, null, Map.of("protocol", "HTTP"),
						List.of(upstream("db", null, 9191, Map.of("connect_timeout_ms", 250, "protocol", "tcp")),
								upstream("cache", "dc2", 9292, null)))));
		assertThat(config.service()).isEqualTo("web");
		assertThat(config.publicListener()).isEqualTo(new ProxyConfig.Address("10.0.0.5", 21000, null));
		assertThat(config.localApplication()).isEqualTo(new ProxyConfig.Address("127.0.0.1", 8080, null));
		assertThat(config.protocol()).isEqualTo("http");
		assertThat(config.upstreams()).containsExactly(
				new ProxyConfig.Upstream("db", null, new ProxyConfig.Address("127.0.0.1", 9191, null), "tcp",
						Duration.ofMillis(250)),
				new ProxyConfig.Upstream("cache", "dc2", new ProxyConfig.Address("127.0.0.1", 9292, null), null, null));
	}

	@Test
	void bindAddressAndPortInTheConfigOverrideTheServiceAddress() {
		ProxyConfig config = ProxyConfig.of(proxy("10.0.0.5", 21000, new AgentService.Proxy("web", "web-1", null, 8080,
				null, null, Map.of("bind_address", "127.0.0.2", "bind_port", "21500"), null)));
		assertThat(config.publicListener()).isEqualTo(new ProxyConfig.Address("127.0.0.2", 21500, null));
	}

	@Test
	void anEmptyServiceAddressListensOnAllInterfaces() {
		ProxyConfig config = ProxyConfig
			.of(proxy("", 21000, new AgentService.Proxy("web", "web-1", null, 8080, null, null, null, null)));
		assertThat(config.publicListener().host()).isEqualTo("0.0.0.0");
	}

	@Test
	void unixSocketsForTheApplicationAndAnUpstream() {
		ProxyConfig config = ProxyConfig
			.of(proxy("", 21000, new AgentService.Proxy("web", "web-1", null, null, "/run/web.sock", null, null, List
				.of(new AgentService.Upstream(null, "db", null, null, null, null, null, null, "/run/db.sock", null)))));
		assertThat(config.localApplication().socketPath()).isEqualTo("/run/web.sock");
		assertThat(config.upstreams().get(0).bind().socketPath()).isEqualTo("/run/db.sock");
		assertThat(config.upstreams().get(0).bind()).hasToString("unix:/run/db.sock");
	}

	@Test
	void upstreamsItCannotServeAreLeftOut() {
		ProxyConfig config = ProxyConfig
			.of(proxy("", 21000, new AgentService.Proxy("web", "web-1", null, 8080, null, null, null, List.of(
					new AgentService.Upstream("prepared_query", "q", null, null, null, null, null, 9000, null, null),
					new AgentService.Upstream(null, "peered", null, null, "other-cluster", null, null, 9001, null,
							null),
					new AgentService.Upstream(null, "portless", null, null, null, null, null, null, null, null),
					upstream("db", null, 9191, null)))));
		assertThat(config.upstreams()).extracting(ProxyConfig.Upstream::name).containsExactly("db");
	}

	@Test
	void aServiceThatIsNotAProxyIsRefusedWithWhatToDo() {
		AgentService service = new AgentService("", "web-1", "web", Collections.emptyList(), Collections.emptyMap(),
				8080, "", Collections.emptyMap(), null, null, null, null, null, null, 0, 0);
		assertThatIllegalArgumentException().isThrownBy(() -> ProxyConfig.of(service))
			.withMessageContaining("not 'connect-proxy'")
			.withMessageContaining("--sidecar-for");
	}

	@Test
	void aProxyWithoutLocalServicePortIsRefusedWithWhatToDo() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> ProxyConfig
				.of(proxy("", 21000, new AgentService.Proxy("web", "web-1", null, null, null, null, null, null))))
			.withMessageContaining("LocalServicePort");
	}

	@Test
	void aProxyWithoutDestinationIsRefused() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> ProxyConfig
				.of(proxy("", 21000, new AgentService.Proxy(null, null, null, 8080, null, null, null, null))))
			.withMessageContaining("DestinationServiceName");
	}

	@Test
	void aBindPortThatIsNotANumberIsRefused() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> ProxyConfig.of(proxy("", 21000,
					new AgentService.Proxy("web", "web-1", null, 8080, null, null, Map.of("bind_port", "x"), null))))
			.withMessageContaining("'bind_port' = 'x'");
	}

	private static AgentService proxy(String address, int port, AgentService.Proxy proxy) {
		return new AgentService("connect-proxy", "web-sidecar-proxy", "web-sidecar-proxy", Collections.emptyList(),
				Collections.emptyMap(), port, address, Collections.emptyMap(), null, proxy, null, null, null, null, 0,
				0);
	}

	private static AgentService.Upstream upstream(String name, @Nullable String datacenter, int port,
			@Nullable Map<String, Object> config) {
		return new AgentService.Upstream(null, name, null, null, null, datacenter, null, port, null, config);
	}

}
