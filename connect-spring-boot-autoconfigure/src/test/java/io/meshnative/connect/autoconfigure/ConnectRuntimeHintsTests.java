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

import io.meshnative.connect.agent.internal.DiscoveryChain;
import io.meshnative.connect.agent.internal.Intention;
import io.meshnative.connect.agent.internal.LeafCertificate;
import io.meshnative.connect.agent.internal.ServiceHealth;
import org.junit.jupiter.api.Test;

import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.predicate.ReflectionHintsPredicates;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.context.annotation.ImportRuntimeHints;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ConnectRuntimeHints}: the agent's JSON types, their nested records and
 * their record accessors are open to reflection for Jackson, and the registrar is
 * imported by {@link ConsulConnectAutoConfiguration}.
 *
 * @author connect-spring-boot authors
 */
class ConnectRuntimeHintsTests {

	private final RuntimeHints hints = new RuntimeHints();

	private final ReflectionHintsPredicates reflection = RuntimeHintsPredicates.reflection();

	ConnectRuntimeHintsTests() {
		new ConnectRuntimeHints().registerHints(this.hints, getClass().getClassLoader());
	}

	@Test
	void agentJsonTypesAndTheirNestedRecordsAreOpenToReflection() {
		for (Class<?> type : ConnectRuntimeHints.AGENT_JSON_TYPES) {
			assertThat(this.reflection.onType(type).withMemberCategory(MemberCategory.INVOKE_DECLARED_CONSTRUCTORS))
				.as(type.getName())
				.accepts(this.hints);
		}
		for (Class<?> nested : new Class<?>[] { DiscoveryChain.Node.class, DiscoveryChain.Target.class,
				DiscoveryChain.Resolver.class, DiscoveryChain.Failover.class, DiscoveryChain.RouteDefinition.class,
				Intention.Permission.class, Intention.HeaderPermission.class, ServiceHealth.Check.class }) {
			assertThat(this.reflection.onType(nested).withMemberCategory(MemberCategory.INVOKE_DECLARED_CONSTRUCTORS))
				.as(nested.getName())
				.accepts(this.hints);
		}
	}

	@Test
	void recordAccessorsAndTheJsonCreatorAreOpenToReflection() throws NoSuchMethodException {
		assertThat(this.reflection.onMethodInvocation(DiscoveryChain.Target.class.getMethod("service")))
			.accepts(this.hints);
		assertThat(this.reflection.onType(LeafCertificate.class)).accepts(this.hints);
	}

	@Test
	void registrarIsImportedByTheAutoConfiguration() {
		assertThat(ConsulConnectAutoConfiguration.class.getAnnotation(ImportRuntimeHints.class).value())
			.contains(ConnectRuntimeHints.class);
	}

}
