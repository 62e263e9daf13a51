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

package io.meshnative.connect.registration.internal;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.test.FakeConsulAgent;
import io.meshnative.connect.test.FakeResponse;
import io.meshnative.connect.test.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.client.discovery.event.InstanceRegisteredEvent;
import org.springframework.cloud.consul.model.http.agent.NewService;
import org.springframework.cloud.consul.serviceregistry.ConsulAutoRegistration;
import org.springframework.cloud.consul.serviceregistry.ConsulAutoServiceRegistration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

/**
 * Tests for {@link ConnectNativeRegistrar}: the instance is registered again, still
 * Connect-native, when the agent comes back without it.
 *
 * @author connect-spring-boot authors
 */
class ConnectNativeRegistrarTests {

	private final AtomicBoolean known = new AtomicBoolean();

	private final AtomicBoolean running = new AtomicBoolean(true);

	private final AtomicInteger refusals = new AtomicInteger();

	private FakeConsulAgent agent;

	private ConsulAgentClient client;

	private ConnectNativeRegistrar registrar;

	@BeforeEach
	void start() {
		this.agent = FakeConsulAgent.start().setDispatcher((request) -> {
			if (request.path().equals("/v1/agent/service/register")) {
				if (this.refusals.getAndDecrement() > 0) {
					return FakeResponse.status(500, "rpc error: No cluster leader");
				}
				this.known.set(true);
				return FakeResponse.status(200, "");
			}
			if (request.path().equals("/v1/agent/service/deregister/web-1")) {
				this.known.set(false);
				return FakeResponse.status(200, "");
			}
			if (request.path().equals("/v1/agent/service/web-1")) {
				return this.known.get()
						? FakeResponse.json("{\"ID\":\"web-1\",\"Service\":\"web\",\"Port\":8443}").contentHash("h1")
						: FakeResponse.status(404, "unknown service ID: web-1");
			}
			return FakeResponse.status(404, "not found");
		});
		this.client = ConsulAgentClient.builder(URI.create(this.agent.getHttpAddress())).build();
		NewService service = new NewService();
		service.setId("web-1");
		service.setName("web");
		service.setAddress("127.0.0.1");
		service.setPort(8443);
		ConsulAutoRegistration registration = mock(ConsulAutoRegistration.class);
		given(registration.getService()).willReturn(service);
		ConsulAutoServiceRegistration lifecycle = mock(ConsulAutoServiceRegistration.class);
		given(lifecycle.isRunning()).willAnswer((invocation) -> this.running.get());
		this.registrar = new ConnectNativeRegistrar(this.client, provider(registration), provider(lifecycle));
		this.registrar.onApplicationEvent(new InstanceRegisteredEvent<>(this, service));
	}

	@AfterEach
	void stop() {
		this.registrar.destroy();
		this.client.close();
		this.agent.close();
	}

	@Test
	void registersAgainAsConnectNativeWhenTheAgentComesBackWithoutTheInstance() {
		assertThat(registrations()).hasSize(1);
		this.known.set(false);
		this.registrar.agentRecovered();
		await().atMost(Duration.ofSeconds(10)).until(this.known::get);
		assertThat(registrations()).hasSize(2)
			.allSatisfy((request) -> assertThat(request.body()).contains("\"Native\":true").contains("\"web-1\""));
	}

	@Test
	void keepsTryingWhileTheAgentRefusesTheRegistration() {
		this.known.set(false);
		this.refusals.set(2);
		this.registrar.agentRecovered();
		await().atMost(Duration.ofSeconds(20)).until(this.known::get);
		assertThat(registrations()).hasSize(4);
	}

	@Test
	void doesNotRegisterAgainWhileTheAgentKnowsTheInstance() {
		assertThat(this.registrar.reregisterIfLost()).isTrue();
		assertThat(registrations()).hasSize(1);
	}

	@Test
	void doesNotRegisterAgainOnceTheApplicationHasDeregistered() {
		this.running.set(false);
		this.known.set(false);
		assertThat(this.registrar.reregisterIfLost()).isTrue();
		assertThat(registrations()).hasSize(1);
		assertThat(this.known).isFalse();
	}

	private List<RecordedRequest> registrations() {
		return this.agent.getRequests()
			.stream()
			.filter((request) -> request.path().equals("/v1/agent/service/register"))
			.toList();
	}

	@SuppressWarnings("unchecked")
	private static <T> ObjectProvider<T> provider(T value) {
		ObjectProvider<T> provider = mock(ObjectProvider.class);
		given(provider.getIfAvailable()).willReturn(value);
		return provider;
	}

}
