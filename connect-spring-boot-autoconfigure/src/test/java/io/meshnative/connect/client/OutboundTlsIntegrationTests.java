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

package io.meshnative.connect.client;

import java.time.Duration;
import java.util.Locale;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.autoconfigure.MeshApplications;
import io.meshnative.connect.autoconfigure.MeshApplications.Stack;
import io.meshnative.connect.autoconfigure.TestConsulAgentConnectionDetails;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.identity.SpiffeId;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.netty.http.client.HttpClient;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Outbound mTLS against servers on Tomcat and Netty with a real agent: the client
 * presents the current leaf and accepts only the server identity expected at the address
 * it dials.
 *
 * @author connect-spring-boot authors
 */
class OutboundTlsIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private static ConsulAgentClient client;

	private static ConnectIdentityManager frontend;

	@BeforeAll
	static void startFrontendIdentity() {
		client = TestConsulAgentConnectionDetails.client(consul);
		frontend = new ConnectIdentityManager(client, "frontend", Duration.ofSeconds(10), Duration.ofMinutes(5));
		frontend.start();
	}

	@AfterAll
	static void stop() {
		frontend.close();
	}

	@ParameterizedTest
	@EnumSource(value = WebApplicationType.class, names = { "SERVLET", "REACTIVE" })
	void callsTheExpectedServiceAndRefusesAnyOtherIdentity(WebApplicationType type) {
		String service = "backend-" + type.name().toLowerCase(Locale.ROOT);
		try (ConfigurableApplicationContext backend = start(service, type)) {
			int port = ((WebServerApplicationContext) backend).getWebServer().getPort();
			String trustDomain = frontend.getIdentity().getTrustDomain();
			SpiffeId expected = SpiffeId.forService(trustDomain, "default", "dc1", service);
			HttpClient http = HttpClient.create()
				.secure((spec) -> spec.sslContext(ConnectClientTls.nettyClientContext(frontend, expected)));
			String body = http.get()
				.uri("https://127.0.0.1:" + port + "/hello")
				.responseSingle((response, content) -> content.asString())
				.block(Duration.ofSeconds(10));
			assertThat(body).contains("\"caller\":\"" + frontend.getIdentity().getSpiffeId() + "\"");
			SpiffeId other = SpiffeId.forService(trustDomain, "default", "dc1", "other");
			HttpClient fresh = HttpClient.create()
				.secure((spec) -> spec.sslContext(ConnectClientTls.nettyClientContext(frontend, other)));
			assertThatException()
				.isThrownBy(() -> fresh.get()
					.uri("https://127.0.0.1:" + port + "/hello")
					.responseSingle((response, content) -> content.asString())
					.block(Duration.ofSeconds(10)))
				.withStackTraceContaining("presented spiffe://" + trustDomain + "/ns/default/dc/dc1/svc/" + service)
				.withStackTraceContaining("svc/other was expected");
		}
	}

	private static ConfigurableApplicationContext start(String service, WebApplicationType type) {
		Stack stack = (type == WebApplicationType.SERVLET) ? Stack.TOMCAT : Stack.NETTY;
		return MeshApplications.start(stack, consul, service, MeshApplications.NO_REGISTRATION).getContext();
	}

}
