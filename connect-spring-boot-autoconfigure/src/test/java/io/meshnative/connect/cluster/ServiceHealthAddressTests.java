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

package io.meshnative.connect.cluster;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.AgentService.TaggedAddress;
import io.meshnative.connect.agent.internal.ServiceHealth;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests of {@link ServiceHealth#bestAddress(String)}: the address and port an endpoint is
 * dialled at follow Consul's {@code CheckServiceNode.BestAddress(wan)}
 * ({@code agent/structs/structs.go}), with {@code wan} set as
 * {@code agent/xds/endpoints.go} {@code makeLoadAssignment} sets it: when the endpoint's
 * node is in another datacenter than the local one.
 *
 * @author connect-spring-boot authors
 */
class ServiceHealthAddressTests {

	private static final String LOCAL = "dc1";

	private static final String REMOTE = "dc2";

	@Test
	void serviceAddressIsDialled() {
		ServiceHealth entry = entry(LOCAL, "10.0.0.1", Collections.emptyMap(), "10.1.1.1", Collections.emptyMap());
		assertThat(entry.bestAddress(LOCAL)).isEqualTo(new TaggedAddress("10.1.1.1", 8443));
		assertThat(entry.dialAddress()).isEqualTo("10.1.1.1");
	}

	@Test
	void nodeAddressIsDialledWhenTheServiceHasNone() {
		ServiceHealth entry = entry(LOCAL, "10.0.0.1", Collections.emptyMap(), "", Collections.emptyMap());
		assertThat(entry.bestAddress(LOCAL)).isEqualTo(new TaggedAddress("10.0.0.1", 8443));
		assertThat(entry.dialAddress()).isEqualTo("10.0.0.1");
	}

	@Test
	void lanTaggedAddressesAreNotConsultedInTheLocalDatacenter() {
		ServiceHealth withServiceAddress = entry(LOCAL, "10.0.0.1", Map.of("lan", "10.0.0.2", "wan", "203.0.113.1"),
				"10.1.1.1",
				Map.of("lan", new TaggedAddress("10.1.1.2", 9000), "wan", new TaggedAddress("203.0.113.2", 9001)));
		assertThat(withServiceAddress.bestAddress(LOCAL)).isEqualTo(new TaggedAddress("10.1.1.1", 8443));
		ServiceHealth withoutServiceAddress = entry(LOCAL, "10.0.0.1", Map.of("lan", "10.0.0.2", "wan", "203.0.113.1"),
				"", Map.of("lan", new TaggedAddress("10.1.1.2", 9000)));
		assertThat(withoutServiceAddress.bestAddress(LOCAL)).isEqualTo(new TaggedAddress("10.0.0.1", 8443));
	}

	@Test
	void remoteDatacenterTargetUsesTheServiceWanTaggedAddressAndPort() {
		ServiceHealth entry = entry(REMOTE, "10.0.0.1", Map.of("wan", "203.0.113.1"), "10.1.1.1",
				Map.of("lan", new TaggedAddress("10.1.1.2", 9000), "wan", new TaggedAddress("203.0.113.2", 9001)));
		assertThat(entry.bestAddress(LOCAL)).isEqualTo(new TaggedAddress("203.0.113.2", 9001));
		assertThat(entry.bestAddress(REMOTE)).isEqualTo(new TaggedAddress("10.1.1.1", 8443));
	}

	@Test
	void serviceWanTaggedAddressWithoutPortKeepsTheServicePort() {
		ServiceHealth entry = entry(REMOTE, "10.0.0.1", Collections.emptyMap(), "10.1.1.1",
				Map.of("wan", new TaggedAddress("203.0.113.2", 0)));
		assertThat(entry.bestAddress(LOCAL)).isEqualTo(new TaggedAddress("203.0.113.2", 8443));
	}

	@Test
	void remoteDatacenterTargetWithoutServiceWanTagUsesTheServiceAddressBeforeTheNodeWanTag() {
		ServiceHealth entry = entry(REMOTE, "10.0.0.1", Map.of("wan", "203.0.113.1"), "10.1.1.1",
				Collections.emptyMap());
		assertThat(entry.bestAddress(LOCAL)).isEqualTo(new TaggedAddress("10.1.1.1", 8443));
	}

	@Test
	void remoteDatacenterTargetWithoutServiceAddressUsesTheNodeWanTaggedAddress() {
		ServiceHealth entry = entry(REMOTE, "10.0.0.1", Map.of("lan", "10.0.0.2", "wan", "203.0.113.1"), "",
				Map.of("lan", new TaggedAddress("10.1.1.2", 9000)));
		assertThat(entry.bestAddress(LOCAL)).isEqualTo(new TaggedAddress("203.0.113.1", 8443));
	}

	@Test
	void remoteDatacenterTargetWithoutAnyWanTagFallsBackToTheNodeAddress() {
		ServiceHealth entry = entry(REMOTE, "10.0.0.1", Map.of("lan", "10.0.0.2"), "", Collections.emptyMap());
		assertThat(entry.bestAddress(LOCAL)).isEqualTo(new TaggedAddress("10.0.0.1", 8443));
	}

	@Test
	void unknownDatacenterCountsAsLocal() {
		ServiceHealth entry = entry("", "10.0.0.1", Map.of("wan", "203.0.113.1"), "", Collections.emptyMap());
		assertThat(entry.bestAddress(LOCAL)).isEqualTo(new TaggedAddress("10.0.0.1", 8443));
	}

	private static ServiceHealth entry(String datacenter, String nodeAddress, Map<String, String> nodeTags,
			String serviceAddress, Map<String, TaggedAddress> serviceTags) {
		ServiceHealth.Node node = new ServiceHealth.Node("node-id", "node-1", nodeAddress, datacenter,
				new LinkedHashMap<>(nodeTags), Collections.emptyMap());
		AgentService service = new AgentService("", "backend-1", "backend", Collections.emptyList(),
				Collections.emptyMap(), 8443, serviceAddress, new LinkedHashMap<>(serviceTags),
				new AgentService.Connect(true, null), null, null, datacenter, null, null, 0, 0);
		return new ServiceHealth(node, service, Collections.emptyList());
	}

}
