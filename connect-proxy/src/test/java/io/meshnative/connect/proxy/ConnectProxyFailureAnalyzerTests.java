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

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.diagnostics.FailureAnalysis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ConnectProxyFailureAnalyzer}.
 *
 * @author connect-spring-boot authors
 */
class ConnectProxyFailureAnalyzerTests {

	@Test
	void explainsTheMissingRegistrationAndWhatToDo() {
		ConnectProxyException cause = new ConnectProxyException("the agent has no service with ID 'web-proxy'");
		FailureAnalysis analysis = new ConnectProxyFailureAnalyzer()
			.analyze(new BeanCreationException("proxyRegistration", "failed", cause));
		assertThat(analysis).isNotNull();
		assertThat(analysis.getDescription()).contains("no service with ID 'web-proxy'");
		assertThat(analysis.getAction()).contains("--proxy-id=")
			.contains("--sidecar-for=")
			.contains("Kind connect-proxy");
	}

}
