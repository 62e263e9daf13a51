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

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.mockito.Mockito.mock;

/**
 * Tests for {@link ConsulAgentExtension}.
 *
 * @author connect-spring-boot authors
 */
class ConsulAgentExtensionIntegrationTests {

	@Test
	void addressTokenAndOperatorReachTheAgentAndAllStopAfterAll() throws Exception {
		ConsulAgentExtension extension = ConsulAgentExtension.devWithAcl();
		List<String> closed = new ArrayList<>();
		extension.beforeAll(mock(ExtensionContext.class));
		try {
			assertThat(extension.getAddress()).hasScheme("http").hasHost("127.0.0.1");
			assertThat(extension.getAddress().getPort()).isEqualTo(extension.getAgent().getHttpPort());
			assertThat(extension.getToken()).isNotBlank().isEqualTo(extension.getAgent().getManagementToken());
			assertThat(extension.getOperator()).isSameAs(extension.getOperator());
			assertThat(extension.getOperator().getAddress()).isEqualTo(extension.getAddress().toString());
			assertThat(extension.getOperator().getCaConfiguration().provider()).as("sent with the token")
				.isEqualTo("consul");
			assertThat(ConsulOperator.of(extension.getAddress().toString(), null))
				.satisfies((anonymous) -> assertThatException().isThrownBy(anonymous::getCaConfiguration)
					.withMessageContaining("HTTP 403"));
			AutoCloseable first = () -> closed.add("first");
			assertThat(extension.closeAfterAll(first)).isSameAs(first);
			extension.closeAfterAll(() -> closed.add("second"));
			extension.closeAfterAll(() -> assertThat(extension.getAgent().isRunning()).isTrue());
		}
		finally {
			extension.afterAll(mock(ExtensionContext.class));
		}
		assertThat(closed).containsExactly("second", "first");
		assertThat(extension.getAgent().isRunning()).isFalse();
	}

	@Test
	void aFailingCloseStillStopsTheAgentAndIsReported() throws Exception {
		ConsulAgentExtension extension = ConsulAgentExtension.dev();
		List<String> closed = new ArrayList<>();
		extension.beforeAll(mock(ExtensionContext.class));
		extension.closeAfterAll(() -> closed.add("closed"));
		extension.closeAfterAll(() -> {
			throw new IllegalStateException("boom");
		});
		assertThatException().isThrownBy(() -> extension.afterAll(mock(ExtensionContext.class))).withMessage("boom");
		assertThat(closed).containsExactly("closed");
		assertThat(extension.getAgent().isRunning()).isFalse();
	}

}
