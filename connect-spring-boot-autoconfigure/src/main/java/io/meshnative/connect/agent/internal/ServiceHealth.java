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

/**
 * One entry of {@code GET /v1/health/connect/:service}: a Connect-capable instance
 * (native, or a sidecar proxy in front of one) with its node and health checks.
 *
 * @param node the node
 * @param service the instance
 * @param checks the node and service health checks
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public record ServiceHealth(Node node, AgentService service, List<Check> checks) {

	public ServiceHealth {
		checks = Values.list(checks);
	}

	/**
	 * Return the address to dial from the instance's own datacenter: the service address,
	 * else the node address.
	 * @return the address
	 * @see #bestAddress(boolean)
	 */
	public String dialAddress() {
		return bestAddress(false).address();
	}

	/**
	 * Return the address and port to dial from a given datacenter, as Consul's Envoy
	 * configuration does: the WAN addresses when the instance's node is in another
	 * datacenter, the LAN ones otherwise.
	 * @param localDatacenter the datacenter of the caller (its local agent's)
	 * @return the address and port
	 * @see #bestAddress(boolean)
	 */
	public AgentService.TaggedAddress bestAddress(String localDatacenter) {
		boolean remote = !this.node.datacenter().isEmpty() && !localDatacenter.isEmpty()
				&& !this.node.datacenter().equals(localDatacenter);
		return bestAddress(remote);
	}

	/**
	 * Return the address and port to dial, in the order of Consul's
	 * {@code CheckServiceNode.BestAddress}: for the WAN the service's {@code wan} tagged
	 * address (and its port, unless 0), then the service address, then the node's
	 * {@code wan} tagged address, then the node address; for the LAN the service address,
	 * then the node address. A {@code lan} tagged address is not consulted (Consul does
	 * not either); the port is the service port unless a {@code wan} tagged address with
	 * a port applies.
	 * @param wan whether the caller is in another datacenter than the instance
	 * @return the address and port
	 */
	public AgentService.TaggedAddress bestAddress(boolean wan) {
		String address = this.service.address();
		int port = this.service.port();
		AgentService.TaggedAddress serviceWan = this.service.taggedAddresses().get("wan");
		if (wan && serviceWan != null) {
			address = serviceWan.address();
			if (serviceWan.port() != 0) {
				port = serviceWan.port();
			}
		}
		if (address.isEmpty()) {
			String nodeWan = this.node.taggedAddresses().get("wan");
			address = (wan && nodeWan != null) ? nodeWan : this.node.address();
		}
		return new AgentService.TaggedAddress(address, port);
	}

	/**
	 * Return the service name expected in the SPIFFE ID of whoever answers at
	 * {@link #dialAddress()}: the proxied service for a sidecar, the instance's own name
	 * for a native service.
	 * @return the expected service name
	 */
	public String expectedServiceName() {
		AgentService.Proxy proxy = this.service.proxy();
		if (this.service.isConnectProxy() && proxy != null && proxy.destinationServiceName() != null) {
			return proxy.destinationServiceName();
		}
		return this.service.service();
	}

	/**
	 * Return whether every check is {@code passing}.
	 * @return whether the entry is healthy
	 */
	public boolean isPassing() {
		return this.checks.stream().allMatch((check) -> "passing".equals(check.status()));
	}

	/**
	 * A node.
	 *
	 * @param id the node ID
	 * @param node the node name
	 * @param address the node address
	 * @param datacenter the datacenter
	 * @param taggedAddresses addresses by tag
	 * @param meta the node metadata
	 */
	public record Node(@JsonProperty("ID") String id, String node, String address, String datacenter,
			Map<String, String> taggedAddresses, Map<String, String> meta) {

		public Node {
			id = Values.string(id);
			node = Values.string(node);
			address = Values.string(address);
			datacenter = Values.string(datacenter);
			taggedAddresses = Values.map(taggedAddresses);
			meta = Values.map(meta);
		}

	}

	/**
	 * A health check.
	 *
	 * @param node the node name
	 * @param checkId the check ID
	 * @param name the check name
	 * @param status {@code passing}, {@code warning} or {@code critical}
	 * @param output the last output
	 * @param serviceId the instance ID, empty for a node check
	 * @param serviceName the service name, empty for a node check
	 * @param type the check type
	 */
	public record Check(String node, @JsonProperty("CheckID") String checkId, String name, String status, String output,
			@JsonProperty("ServiceID") String serviceId, String serviceName, String type) {

		public Check {
			node = Values.string(node);
			checkId = Values.string(checkId);
			name = Values.string(name);
			status = Values.string(status);
			output = Values.string(output);
			serviceId = Values.string(serviceId);
			serviceName = Values.string(serviceName);
			type = Values.string(type);
		}

	}

}
