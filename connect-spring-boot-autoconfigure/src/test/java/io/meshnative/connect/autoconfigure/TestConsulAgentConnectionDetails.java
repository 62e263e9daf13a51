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

import java.net.URI;
import java.util.function.Supplier;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.jspecify.annotations.Nullable;

/**
 * {@link ConsulAgentConnectionDetails} of a test agent: adapts the address and token that
 * {@link ConsulAgentExtension} (or a {@code FakeConsulAgent}) offers to the starter's
 * connection details, and builds {@link ConsulAgentClient clients} from them.
 * <p>
 * {@code connect-spring-boot-test} offers only the address and the token: it cannot
 * depend on this module, whose tests depend on it.
 *
 * @author connect-spring-boot authors
 */
public final class TestConsulAgentConnectionDetails implements ConsulAgentConnectionDetails {

	private final Supplier<URI> address;

	private final Supplier<@Nullable String> token;

	private TestConsulAgentConnectionDetails(Supplier<URI> address, Supplier<@Nullable String> token) {
		this.address = address;
		this.token = token;
	}

	/**
	 * Return the connection details of the agent of an extension; the agent starts when
	 * the address is first asked for.
	 * @param consul the extension
	 * @return the connection details
	 */
	public static TestConsulAgentConnectionDetails of(ConsulAgentExtension consul) {
		return new TestConsulAgentConnectionDetails(consul::getAddress, consul::getToken);
	}

	/**
	 * Return the connection details of an agent at an address.
	 * @param address the agent address, {@code http://host:port}
	 * @param token the token or {@code null}
	 * @return the connection details
	 */
	public static TestConsulAgentConnectionDetails of(String address, @Nullable String token) {
		URI uri = URI.create(address);
		return new TestConsulAgentConnectionDetails(() -> uri, () -> token);
	}

	/**
	 * Return a client of the agent of an extension, sending the extension's token, that
	 * the extension closes after the last test of the class.
	 * @param consul the extension
	 * @return the client
	 */
	public static ConsulAgentClient client(ConsulAgentExtension consul) {
		return consul.closeAfterAll(of(consul).createClient());
	}

	@Override
	public URI getAddress() {
		return this.address.get();
	}

	@Override
	public @Nullable String getToken() {
		return this.token.get();
	}

	/**
	 * Build a client of the agent that sends the token; the caller closes it.
	 * @return the client
	 */
	public ConsulAgentClient createClient() {
		return ConsulAgentClient.builder(getAddress()).token(getToken()).build();
	}

}
