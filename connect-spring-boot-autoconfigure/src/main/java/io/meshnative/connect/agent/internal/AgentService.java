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
 * A service instance as the agent and the health endpoints describe it
 * ({@code GET /v1/agent/service/:id}, the {@code Service} of
 * {@code /v1/health/connect/:service}).
 *
 * @param kind empty for a normal or Connect-native service, {@code connect-proxy} for a
 * sidecar, or a gateway kind
 * @param id the instance ID
 * @param service the service name
 * @param tags the tags
 * @param meta the metadata
 * @param port the port
 * @param address the address, empty when the node address applies
 * @param taggedAddresses addresses by tag ({@code lan}, {@code wan}, ...)
 * @param connect the Connect settings, {@code null} when absent
 * @param proxy the proxy settings of a {@code connect-proxy}, {@code null} otherwise
 * @param contentHash the content hash (agent endpoint only)
 * @param datacenter the datacenter (agent endpoint only)
 * @param namespace the namespace (Enterprise)
 * @param partition the partition (Enterprise)
 * @param createIndex Raft index of creation
 * @param modifyIndex Raft index of the last change
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public record AgentService(String kind, @JsonProperty("ID") String id, String service, List<String> tags,
		Map<String, String> meta, int port, String address, Map<String, TaggedAddress> taggedAddresses,
		@Nullable Connect connect, @Nullable Proxy proxy, @Nullable String contentHash, @Nullable String datacenter,
		@Nullable String namespace, @Nullable String partition, long createIndex, long modifyIndex) {

	public AgentService {
		kind = Values.string(kind);
		id = Values.string(id);
		service = Values.string(service);
		tags = Values.list(tags);
		meta = Values.map(meta);
		address = Values.string(address);
		taggedAddresses = Values.map(taggedAddresses);
	}

	/**
	 * Return whether this instance is a Connect-native service.
	 * @return whether it is native
	 */
	public boolean isConnectNative() {
		Connect settings = this.connect;
		return settings != null && Boolean.TRUE.equals(settings.nativeService());
	}

	/**
	 * Return whether this instance is a Connect sidecar proxy.
	 * @return whether it is a sidecar
	 */
	public boolean isConnectProxy() {
		return "connect-proxy".equals(this.kind);
	}

	/**
	 * An address with a port.
	 *
	 * @param address the address
	 * @param port the port
	 */
	public record TaggedAddress(String address, int port) {

		public TaggedAddress {
			address = Values.string(address);
		}

	}

	/**
	 * Connect settings of a service.
	 *
	 * @param nativeService whether the service speaks Connect mTLS itself
	 * @param sidecarService a sidecar to register with the service (registration only)
	 */
	public record Connect(@JsonProperty("Native") @Nullable Boolean nativeService,
			@Nullable Map<String, Object> sidecarService) {

	}

	/**
	 * Settings of a {@code connect-proxy}.
	 *
	 * @param destinationServiceName the service the proxy fronts
	 * @param destinationServiceId the instance the proxy fronts
	 * @param localServiceAddress address of the local application
	 * @param localServicePort port of the local application
	 * @param localServiceSocketPath Unix socket of the local application
	 * @param mode {@code ""}, {@code direct} or {@code transparent}
	 * @param config opaque proxy configuration
	 * @param upstreams the upstreams
	 */
	public record Proxy(@Nullable String destinationServiceName,
			@JsonProperty("DestinationServiceID") @Nullable String destinationServiceId,
			@Nullable String localServiceAddress, @Nullable Integer localServicePort,
			@Nullable String localServiceSocketPath, @Nullable String mode, @Nullable Map<String, Object> config,
			@Nullable List<Upstream> upstreams) {

	}

	/**
	 * An upstream of a {@code connect-proxy}.
	 *
	 * @param destinationType {@code service} or {@code prepared_query}
	 * @param destinationName the upstream service or query name
	 * @param destinationNamespace the upstream namespace (Enterprise)
	 * @param destinationPartition the upstream partition (Enterprise)
	 * @param destinationPeer the upstream peer
	 * @param datacenter the upstream datacenter
	 * @param localBindAddress the local listener address
	 * @param localBindPort the local listener port
	 * @param localBindSocketPath the local listener Unix socket
	 * @param config opaque upstream configuration
	 */
	public record Upstream(@Nullable String destinationType, String destinationName,
			@Nullable String destinationNamespace, @Nullable String destinationPartition,
			@Nullable String destinationPeer, @Nullable String datacenter, @Nullable String localBindAddress,
			@Nullable Integer localBindPort, @Nullable String localBindSocketPath,
			@Nullable Map<String, Object> config) {

		public Upstream {
			destinationName = Values.string(destinationName);
		}

	}

}
