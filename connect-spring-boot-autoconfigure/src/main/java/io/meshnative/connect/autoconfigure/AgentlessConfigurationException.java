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

/**
 * Thrown at start-up when agentless mode ({@code connect.consul.mode=agentless}) cannot
 * work as configured: no servers, a malformed address, gRPC missing from the class path,
 * or Spring Cloud Consul set to register through the agent. Carries what Spring Boot's
 * failure report shows.
 *
 * @author connect-spring-boot authors
 */
class AgentlessConfigurationException extends RuntimeException {

	/**
	 * The dependencies agentless mode needs, for the failure report and the docs.
	 */
	static final String GRPC_DEPENDENCIES = "io.grpc:grpc-netty, io.grpc:grpc-protobuf, io.grpc:grpc-stub "
			+ "(1.85.x) and com.google.protobuf:protobuf-java (4.x)";

	private final String action;

	AgentlessConfigurationException(String description, String action) {
		super(description);
		this.action = action;
	}

	String getAction() {
		return this.action;
	}

	static AgentlessConfigurationException grpcMissing() {
		return new AgentlessConfigurationException(
				"connect.consul.mode=agentless needs gRPC on the class path to reach the Consul servers' "
						+ "ConnectCAService, and it is missing",
				"Add the dependencies " + GRPC_DEPENDENCIES
						+ ", or set connect.consul.mode=agent to use the local Consul agent.");
	}

}
