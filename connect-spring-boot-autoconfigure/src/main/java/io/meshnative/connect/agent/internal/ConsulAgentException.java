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

package io.meshnative.connect.agent.internal;

import org.jspecify.annotations.Nullable;

/**
 * Thrown when a call to the Consul agent fails: the agent is unreachable, answers too
 * late, answers with an error status, or sends a body that cannot be decoded. The message
 * names the endpoint, the agent address, the HTTP status and Consul's own message, and
 * says how to fix the problem where that is known. It never contains the token. In
 * agentless mode the address is a Consul server's, and the message says so
 * ({@link #isServer()}).
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public class ConsulAgentException extends RuntimeException {

	private final String endpoint;

	private final String agentAddress;

	private final int status;

	private final String consulMessage;

	private final @Nullable String fix;

	private final boolean server;

	/**
	 * Create a new instance for a call to a Consul agent.
	 * @param endpoint the endpoint, for example {@code GET /v1/agent/connect/ca/roots}
	 * @param agentAddress the agent address
	 * @param status the HTTP status, {@code 0} when no answer arrived
	 * @param consulMessage the message Consul sent, or the transport error
	 * @param fix what to do about it, or {@code null} when unknown
	 * @param cause the cause, or {@code null}
	 */
	public ConsulAgentException(String endpoint, String agentAddress, int status, String consulMessage,
			@Nullable String fix, @Nullable Throwable cause) {
		this(endpoint, agentAddress, status, consulMessage, fix, false, cause);
	}

	/**
	 * Create a new instance.
	 * @param endpoint the endpoint, for example {@code GET /v1/catalog/datacenters}
	 * @param agentAddress the address of the agent, or of the server when {@code server}
	 * @param status the HTTP status, {@code 0} when no answer arrived
	 * @param consulMessage the message Consul sent, or the transport error
	 * @param fix what to do about it, or {@code null} when unknown
	 * @param server whether the call went to a Consul server (agentless mode) rather than
	 * a client agent
	 * @param cause the cause, or {@code null}
	 */
	public ConsulAgentException(String endpoint, String agentAddress, int status, String consulMessage,
			@Nullable String fix, boolean server, @Nullable Throwable cause) {
		super(buildMessage(endpoint, agentAddress, status, consulMessage, fix, server), cause);
		this.endpoint = endpoint;
		this.agentAddress = agentAddress;
		this.status = status;
		this.consulMessage = consulMessage;
		this.fix = fix;
		this.server = server;
	}

	private static String buildMessage(String endpoint, String agentAddress, int status, String consulMessage,
			@Nullable String fix, boolean server) {
		StringBuilder message = new StringBuilder();
		String consul = server ? "Consul server at " : "Consul agent at ";
		if (status == 0) {
			message.append(consul)
				.append(agentAddress)
				.append(" did not answer ")
				.append(endpoint)
				.append(": ")
				.append(consulMessage);
		}
		else {
			message.append(consul)
				.append(agentAddress)
				.append(" answered ")
				.append(endpoint)
				.append(" with HTTP ")
				.append(status)
				.append(": ")
				.append(consulMessage.isBlank() ? "(no message)" : consulMessage.trim());
		}
		if (fix != null) {
			message.append(". Fix: ").append(fix);
		}
		return message.toString();
	}

	/**
	 * Return the endpoint, for example {@code GET /v1/agent/connect/ca/roots}.
	 * @return the endpoint
	 */
	public String getEndpoint() {
		return this.endpoint;
	}

	/**
	 * Return the agent address, or the server's address when {@link #isServer()}.
	 * @return the agent address
	 */
	public String getAgentAddress() {
		return this.agentAddress;
	}

	/**
	 * Return whether the call went to a Consul server (agentless mode,
	 * {@code connect.consul.mode=agentless}) rather than a client agent.
	 * @return whether the address is a Consul server's
	 */
	public boolean isServer() {
		return this.server;
	}

	/**
	 * Return what the address belongs to, for messages: {@code "Consul agent at "} and
	 * the address or, in agentless mode, {@code "Consul server at "} and the address.
	 * @return the description
	 */
	public String describeConsul() {
		return (this.server ? "Consul server at " : "Consul agent at ") + this.agentAddress;
	}

	/**
	 * Return the HTTP status, or {@code 0} when no answer arrived.
	 * @return the HTTP status
	 */
	public int getStatus() {
		return this.status;
	}

	/**
	 * Return Consul's message (the plain-text error body), or the transport error.
	 * @return the message
	 */
	public String getConsulMessage() {
		return this.consulMessage;
	}

	/**
	 * Return what to do about the problem, when known.
	 * @return the fix or {@code null}
	 */
	public @Nullable String getFix() {
		return this.fix;
	}

	/**
	 * Return whether the agent could not be reached or did not answer in time.
	 * @return whether no answer arrived
	 */
	public boolean isUnreachable() {
		return this.status == 0;
	}

}
