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

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that runs a real Consul dev agent ({@link ConsulAgent}) for the tests
 * of one class.
 * <p>
 * Register it on a static field; the agent starts before the first test and is stopped,
 * with its data deleted, after the last one. Test methods and constructors may declare a
 * {@link ConsulAgent} parameter: <pre class="code">
 * &#64;RegisterExtension
 * static final ConsulAgentExtension consul = ConsulAgentExtension.dev(
 *         "connect { test_ca_leaf_root_change_spread = \"1ns\" }");
 *
 * &#64;Test
 * void leaf(ConsulAgent agent) { ... agent.getHttpAddress() ... }
 * </pre> A missing Consul binary fails the tests; it never skips them.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConsulAgentExtension
		implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback, ParameterResolver {

	private final ConsulAgent agent;

	private ConsulAgentExtension(ConsulAgent agent) {
		this.agent = agent;
	}

	/**
	 * Create an extension for a dev agent with ACLs disabled.
	 * @param hcl extra HCL fragments passed to the agent with {@code -hcl}
	 * @return the extension
	 */
	public static ConsulAgentExtension dev(String... hcl) {
		return new ConsulAgentExtension(ConsulAgent.dev(hcl));
	}

	/**
	 * Create an extension for a dev agent with ACLs enabled, default policy {@code deny}
	 * and a management token ({@link ConsulAgent#getManagementToken()}).
	 * @param hcl extra HCL fragments passed to the agent with {@code -hcl}
	 * @return the extension
	 */
	public static ConsulAgentExtension devWithAcl(String... hcl) {
		return new ConsulAgentExtension(ConsulAgent.devWithAcl(hcl));
	}

	/**
	 * Return the agent, started once the first test of the class runs.
	 * @return the agent
	 */
	public ConsulAgent getAgent() {
		return this.agent;
	}

	@Override
	public void beforeAll(ExtensionContext context) {
		this.agent.start();
	}

	@Override
	public void beforeEach(ExtensionContext context) {
		this.agent.start();
	}

	@Override
	public void afterAll(ExtensionContext context) {
		this.agent.stop();
	}

	@Override
	public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
		return parameterContext.getParameter().getType() == ConsulAgent.class;
	}

	@Override
	public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
		return this.agent.start();
	}

}
