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
import java.util.Collections;
import java.util.List;

import javax.net.ssl.SSLContext;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.authz.ConnectAuthorizer;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proxy half of the differential test (see {@link DifferentialRun}): the full seeded
 * corpus of {@link RequestTargetCorpus} through a proxy in this JVM against a real agent,
 * its decisions observed through the authorizer.
 *
 * @author connect-spring-boot authors
 */
class ProxyDifferentialIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	@Test
	void everyTargetReachesTheApplicationExactlyAsDecidedOrNotAtAll() throws Exception {
		try (ConsulAgentClient client = ConsulAgentClient
			.builder(URI.create(consul.getAgent().start().getHttpAddress()))
			.build(); RecordingApp app = RecordingApp.plain(); RecordingApp trap = RecordingApp.plain()) {
			ProxyMesh.httpServiceDenyingAdmin(consul.getOperator(), "diff-app", "diff-caller");
			int publicPort = ProxyMesh.freePort();
			ProxyMesh.registerProxy(client, "diff-app-proxy", "diff-app", publicPort, app.port(),
					Collections.emptyList());
			try (ConfigurableApplicationContext proxy = ProxyMesh.startProxy(consul.getAgent(), "diff-app-proxy")) {
				SSLContext caller = ProxyMesh.meshContext(client, "diff-caller");
				ProxyMesh.awaitHttpWithIntentions(caller, publicPort);
				DifferentialRun.Decisions decisions = new DifferentialRun.Decisions();
				proxy.getBean(ConnectAuthorizer.class).addListener(decisions);
				List<RequestTargetCorpus.Target> corpus = RequestTargetCorpus.generate(RequestTargetCorpus.SEED, 2000,
						trap.port());
				long start = System.nanoTime();
				DifferentialRun run = DifferentialRun.run(corpus, caller, publicPort, app, decisions);
				System.out.print(run.summary("proxy", RequestTargetCorpus.SEED));
				System.out.printf("[differential]   %d ms, %d TLS connections%n",
						(System.nanoTime() - start) / 1_000_000, run.connections());
				assertThat(corpus).hasSizeGreaterThanOrEqualTo(2000);
				assertThat(run.violations()).isEmpty();
				assertThat(run.count("forwarded")).isPositive();
				assertThat(run.count("refused 400")).isPositive();
				assertThat(run.count("denied 403")).isPositive();
				assertThat(run.count("414")).as("request lines over Reactor Netty's limit").isPositive();
				assertThat(run.count("absolute-form", "forwarded") + run.count("authority-form", "forwarded")).isZero();
				assertThat(trap.connections()).as("connections to the host named in absolute and authority forms")
					.isZero();
				assertThat(app.failures()).isEmpty();
			}
			finally {
				client.deregisterService("diff-app-proxy");
			}
		}
	}

}
