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

import java.net.URI;
import java.util.ArrayDeque;
import java.util.Deque;

import org.jspecify.annotations.Nullable;
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
 * {@link ConsulAgent} or {@link ConsulOperator} parameter: <pre class="code">
 * &#64;RegisterExtension
 * static final ConsulAgentExtension consul = ConsulAgentExtension.dev(
 *         "connect { test_ca_leaf_root_change_spread = \"1ns\" }");
 *
 * &#64;Test
 * void leaf(ConsulAgent agent) { ... agent.getHttpAddress() ... }
 * </pre> A missing Consul binary fails the tests; it never skips them.
 * <p>
 * {@link #getAddress()} and {@link #getToken()} are what a client of the agent needs (for
 * example the starter's {@code ConsulAgentConnectionDetails}), {@link #getOperator()}
 * makes the operator calls tests need, and {@link #closeAfterAll(AutoCloseable)} ties a
 * client built on the agent to the agent's lifecycle.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConsulAgentExtension
		implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback, ParameterResolver {

	private final ConsulAgent agent;

	private final Deque<AutoCloseable> closeables = new ArrayDeque<>();

	private @Nullable ConsulOperator operator;

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

	/**
	 * Return the agent's HTTP address, starting the agent if needed.
	 * @return the address, {@code http://127.0.0.1:port}
	 */
	public URI getAddress() {
		return URI.create(this.agent.start().getHttpAddress());
	}

	/**
	 * Return the token a client of the agent should send: the management token of an
	 * agent with ACLs, {@code null} for one without.
	 * @return the token or {@code null}
	 */
	public @Nullable String getToken() {
		return this.agent.getManagementToken();
	}

	/**
	 * Return an operator for the agent that sends {@link #getToken() the token}, starting
	 * the agent if needed.
	 * @return the operator
	 */
	public synchronized ConsulOperator getOperator() {
		if (this.operator == null) {
			this.operator = ConsulOperator.of(getAddress().toString(), getToken());
		}
		return this.operator;
	}

	/**
	 * Close a resource, such as a client of the agent, after the last test of the class,
	 * before the agent stops. Resources close in the reverse order of registration.
	 * @param <T> the type of the resource
	 * @param closeable the resource
	 * @return the resource
	 */
	public synchronized <T extends AutoCloseable> T closeAfterAll(T closeable) {
		this.closeables.push(closeable);
		return closeable;
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
	public void afterAll(ExtensionContext context) throws Exception {
		try {
			closeAll();
		}
		finally {
			synchronized (this) {
				this.operator = null;
			}
			this.agent.stop();
		}
	}

	private synchronized void closeAll() throws Exception {
		Exception failure = null;
		while (!this.closeables.isEmpty()) {
			try {
				this.closeables.pop().close();
			}
			catch (Exception ex) {
				if (failure == null) {
					failure = ex;
				}
				else {
					failure.addSuppressed(ex);
				}
			}
		}
		if (failure != null) {
			throw failure;
		}
	}

	@Override
	public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
		Class<?> type = parameterContext.getParameter().getType();
		return type == ConsulAgent.class || type == ConsulOperator.class;
	}

	@Override
	public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
		if (parameterContext.getParameter().getType() == ConsulOperator.class) {
			return getOperator();
		}
		return this.agent.start();
	}

}
