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
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.autoconfigure.MeshApplications.MeshApplication;
import io.meshnative.connect.autoconfigure.MeshApplications.Stack;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Graceful shutdown of a registered application on Tomcat and on Netty: the instance
 * leaves the agent's catalogue as soon as the context starts to close, while a request
 * still runs; the server then stops accepting connections, and the request in flight
 * completes.
 *
 * @author connect-spring-boot authors
 */
class GracefulShutdownIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	static final CountDownLatch entered = new CountDownLatch(2);

	static volatile CountDownLatch release = new CountDownLatch(1);

	private static final ConsulAgentClient client = TestConsulAgentConnectionDetails.client(consul);

	@ParameterizedTest
	@EnumSource(Stack.class)
	void instanceDeregistersFirstThenStopsAcceptingAndTheRequestInFlightCompletes(Stack stack) throws Exception {
		String service = "grace-" + stack.name().toLowerCase(Locale.ROOT);
		String instance = service + "-1";
		release = new CountDownLatch(1);
		long enteredBefore = entered.getCount();
		MeshApplication app = MeshApplications.start(stack, stack.select(ServletApp.class, ReactiveApp.class), consul,
				service, "spring.cloud.consul.discovery.instance-id=" + instance);
		Thread closer = new Thread(app::close, "close-" + service);
		try {
			int port = app.getPort();
			await().atMost(Duration.ofSeconds(30)).until(() -> registered(instance));
			MeshTestClient caller = MeshTestClient.of(client.getLeafCertificate("grace-caller"), client.getCaRoots());
			assertThat(caller.get(port, "/hello").status()).isEqualTo(200);
			CompletableFuture<MeshTestClient.Response> inFlight = CompletableFuture.supplyAsync(() -> {
				try (MeshTestClient.Connection connection = caller.open(port)) {
					connection.getSocket().setSoTimeout(60_000);
					return connection.get("/slow");
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			});
			await().atMost(Duration.ofSeconds(30)).until(() -> entered.getCount() < enteredBefore);
			closer.start();
			await().atMost(Duration.ofSeconds(30)).until(() -> !registered(instance));
			assertThat(inFlight).as("request in flight when the instance left the catalogue").isNotDone();
			await().atMost(Duration.ofSeconds(30))
				.untilAsserted(() -> assertThatExceptionOfType(IOException.class)
					.isThrownBy(() -> caller.get(port, "/hello")));
			assertThat(inFlight).as("request in flight once the server stopped accepting").isNotDone();
			release.countDown();
			MeshTestClient.Response response = inFlight.get(30, TimeUnit.SECONDS);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("done");
			closer.join(30_000);
			assertThat(closer.isAlive()).as("context still closing").isFalse();
		}
		finally {
			release.countDown();
			if (!closer.isAlive()) {
				app.close();
			}
		}
	}

	private static boolean registered(String instance) {
		return consul.getAgent().request("GET", "/v1/agent/services", null).contains("\"" + instance + "\"");
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@RestController
	static class ServletApp {

		@GetMapping("/hello")
		String hello() {
			return "hello";
		}

		@GetMapping("/slow")
		String slow() throws InterruptedException {
			entered.countDown();
			return release.await(60, TimeUnit.SECONDS) ? "done" : "not released";
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(InboundTestApplications.OwnReactorResources.class)
	@RestController
	static class ReactiveApp {

		@GetMapping("/hello")
		Mono<String> hello() {
			return Mono.just("hello");
		}

		@GetMapping("/slow")
		Mono<String> slow() {
			return Mono.fromCallable(() -> {
				entered.countDown();
				return release.await(60, TimeUnit.SECONDS) ? "done" : "not released";
			}).subscribeOn(Schedulers.boundedElastic());
		}

	}

}
