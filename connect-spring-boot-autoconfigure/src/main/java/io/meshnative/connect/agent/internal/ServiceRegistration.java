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

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;

/**
 * Body of {@code PUT /v1/agent/service/register}. Only fields Consul CE accepts are sent;
 * absent ({@code null}) fields are left out.
 *
 * @param id the instance ID (defaults to the name)
 * @param name the service name
 * @param kind the kind, {@code null} for a normal or native service
 * @param tags the tags
 * @param address the address; must not be a wildcard address such as {@code 0.0.0.0}
 * @param port the port
 * @param meta the metadata
 * @param connect the Connect settings, for example {@code new Connect(true, null)} for a
 * native service
 * @param proxy the proxy settings of a {@code connect-proxy}
 * @param check a health check
 * @param checks further health checks
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public record ServiceRegistration(@JsonProperty("ID") @Nullable String id, String name, @Nullable String kind,
		@Nullable List<String> tags, @Nullable String address, @Nullable Integer port,
		@Nullable Map<String, String> meta, AgentService.@Nullable Connect connect, AgentService.@Nullable Proxy proxy,
		@Nullable Check check, @Nullable List<Check> checks) {

	/**
	 * Create the registration of a Connect-native instance with a TCP health check on its
	 * port.
	 * @param id the instance ID
	 * @param name the service name
	 * @param address the address
	 * @param port the port
	 * @param meta the metadata
	 * @return the registration
	 */
	public static ServiceRegistration connectNative(String id, String name, String address, int port,
			Map<String, String> meta) {
		return new ServiceRegistration(id, name, null, null, address, port, meta, new AgentService.Connect(true, null),
				null, Check.tcp(address + ":" + port, "10s"), null);
	}

	/**
	 * A health check definition.
	 *
	 * @param checkId the check ID
	 * @param name the check name
	 * @param tcp a {@code host:port} to connect to
	 * @param http a URL to call
	 * @param ttl a TTL for a check the service updates itself
	 * @param interval the interval of TCP and HTTP checks, a Go duration such as
	 * {@code 10s}
	 * @param timeout the timeout of TCP and HTTP checks
	 * @param deregisterCriticalServiceAfter remove the service when critical this long
	 * @param status the initial status
	 */
	public record Check(@JsonProperty("CheckID") @Nullable String checkId, @Nullable String name,
			@JsonProperty("TCP") @Nullable String tcp, @JsonProperty("HTTP") @Nullable String http,
			@JsonProperty("TTL") @Nullable String ttl, @Nullable String interval, @Nullable String timeout,
			@Nullable String deregisterCriticalServiceAfter, @Nullable String status) {

		/**
		 * Create a TCP check.
		 * @param address the {@code host:port} to connect to
		 * @param interval the interval, a Go duration
		 * @return the check
		 */
		public static Check tcp(String address, String interval) {
			return new Check(null, null, address, null, null, interval, null, null, null);
		}

		/**
		 * Create a TTL check that starts passing.
		 * @param ttl the TTL, a Go duration
		 * @return the check
		 */
		public static Check passingTtl(String ttl) {
			return new Check(null, null, null, null, ttl, null, null, null, "passing");
		}

	}

}
