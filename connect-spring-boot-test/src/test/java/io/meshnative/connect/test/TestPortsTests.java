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

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link TestPorts}.
 *
 * @author connect-spring-boot authors
 */
class TestPortsTests {

	@Test
	void portsAreDistinctAndBindable() throws Exception {
		Set<Integer> seen = new HashSet<>();
		for (int i = 0; i < 50; i++) {
			for (int port : TestPorts.next(4)) {
				assertThat(seen.add(port)).as("port %d handed out twice", port).isTrue();
			}
		}
		int port = TestPorts.next();
		try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
			assertThat(socket.getLocalPort()).isEqualTo(port);
		}
	}

	@Test
	void serversOnPortZeroAreNeverGivenAPortHandedOut() throws Exception {
		Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
		int low = Files.isReadable(range) ? Integer.parseInt(Files.readAllLines(range).get(0).trim().split("\\s+")[0])
				: 32768;
		int[] ports = TestPorts.next(20);
		List<ServerSocket> ephemeral = new ArrayList<>();
		try {
			for (int i = 0; i < 20; i++) {
				ephemeral.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
			}
			for (ServerSocket socket : ephemeral) {
				assertThat(ports).doesNotContain(socket.getLocalPort());
			}
		}
		finally {
			for (ServerSocket socket : ephemeral) {
				socket.close();
			}
		}
		for (int port : ports) {
			assertThat(port).isLessThan(low).isGreaterThanOrEqualTo(10000);
		}
	}

}
