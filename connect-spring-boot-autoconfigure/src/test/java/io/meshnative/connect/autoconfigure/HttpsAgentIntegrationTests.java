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

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ConsulAgentException;
import io.meshnative.connect.test.ConsulAgent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for the agent client over HTTPS, configured by
 * {@link ConsulConnectAutoConfiguration}, against real agents.
 *
 * @author connect-spring-boot authors
 */
class HttpsAgentIntegrationTests {

	private static final ConsulAgent agent = ConsulAgent.devWithHttps(false);

	private static final ConsulAgent verifyingAgent = ConsulAgent.devWithHttps(true);

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ConsulConnectAutoConfiguration.class));

	@BeforeAll
	static void startAgents() {
		agent.start();
		verifyingAgent.start();
	}

	@AfterAll
	static void stopAgents() {
		agent.stop();
		verifyingAgent.stop();
	}

	@Test
	void httpsWithTheAgentCaFromProperties() {
		this.contextRunner
			.withPropertyValues("connect.agent.address=" + agent.getHttpsAddress(),
					"connect.agent.tls.ca-file=" + agent.getCaFile())
			.run((context) -> assertThat(context.getBean(ConsulAgentClient.class).getCaRoots().trustDomain())
				.isEqualTo(agent.getTrustDomain()));
	}

	@Test
	void httpsWithConsulEnvironmentVariables() {
		String hostAndPort = agent.getHttpsAddress().substring("https://".length());
		this.contextRunner
			.withPropertyValues("CONSUL_HTTP_ADDR=" + hostAndPort, "CONSUL_HTTP_SSL=true",
					"CONSUL_CACERT=" + agent.getCaFile())
			.run((context) -> assertThat(context.getBean(ConsulAgentClient.class).getCaRoots().roots()).isNotEmpty());
	}

	@Test
	void httpsWithoutTheAgentCaFailsWithATlsMessage() {
		this.contextRunner.withPropertyValues("connect.agent.address=" + agent.getHttpsAddress())
			.run((context) -> assertThatExceptionOfType(ConsulAgentException.class)
				.isThrownBy(() -> context.getBean(ConsulAgentClient.class).getCaRoots())
				.withMessageContaining("TLS")
				.withMessageContaining("CONSUL_CACERT"));
	}

	@Test
	void clientCertificateForAnAgentThatVerifiesIncomingConnections() {
		this.contextRunner
			.withPropertyValues("connect.agent.address=" + verifyingAgent.getHttpsAddress(),
					"connect.agent.tls.ca-file=" + verifyingAgent.getCaFile(),
					"connect.agent.tls.cert-file=" + verifyingAgent.getClientCertFile(),
					"connect.agent.tls.key-file=" + verifyingAgent.getClientKeyFile())
			.run((context) -> assertThat(context.getBean(ConsulAgentClient.class).getCaRoots().roots()).isNotEmpty());
	}

	@Test
	void missingClientCertificateIsRefusedByAVerifyingAgent() {
		this.contextRunner
			.withPropertyValues("connect.agent.address=" + verifyingAgent.getHttpsAddress(),
					"connect.agent.tls.ca-file=" + verifyingAgent.getCaFile())
			.run((context) -> assertThatExceptionOfType(ConsulAgentException.class)
				.isThrownBy(() -> context.getBean(ConsulAgentClient.class).getCaRoots())
				.satisfies((ex) -> assertThat(ex.isUnreachable()).isTrue()));
	}

	@Test
	void certificateWithoutKeyFailsAtStartUp() {
		this.contextRunner
			.withPropertyValues("connect.agent.address=" + verifyingAgent.getHttpsAddress(),
					"connect.agent.tls.cert-file=" + verifyingAgent.getClientCertFile())
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("must be set together"));
	}

}
