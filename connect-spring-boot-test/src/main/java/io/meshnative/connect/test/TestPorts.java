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

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for test servers that must be known before they bind (a Consul agent's ports, a
 * registration's port, a proxy's listener). A port found by binding port 0 and closing
 * the socket comes from the operating system's ephemeral range, so the next server
 * started on port 0, or the next outgoing connection, may be given the same port before
 * the test binds it: a test then talks to the wrong server. The ports handed out here lie
 * below the ephemeral range, are never handed out twice by one JVM (until the range is
 * exhausted and wraps), start at a random point so that concurrent JVMs rarely meet, and
 * are checked free on every address for TCP and UDP.
 *
 * @author connect-spring-boot authors
 */
public final class TestPorts {

	private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

	private static final int FIRST = 10000;

	private static final int LAST = lastBelowEphemeralRange();

	private static int next = FIRST + ThreadLocalRandom.current().nextInt(LAST - FIRST);

	private TestPorts() {
	}

	/**
	 * A port free on every address for TCP and UDP, outside the ephemeral range.
	 * @return the port
	 */
	public static int next() {
		return next(1)[0];
	}

	/**
	 * Distinct ports, each free on every address for TCP and UDP, outside the ephemeral
	 * range.
	 * @param count how many
	 * @return the ports
	 */
	public static synchronized int[] next(int count) {
		int[] ports = new int[count];
		int found = 0;
		for (int tried = 0; found < count && tried <= LAST - FIRST; tried++) {
			int candidate = next;
			next = (next >= LAST) ? FIRST : next + 1;
			if (isFree(candidate)) {
				ports[found++] = candidate;
			}
		}
		if (found < count) {
			throw new IllegalStateException("No " + count + " free ports between " + FIRST + " and " + LAST);
		}
		return ports;
	}

	private static boolean isFree(int port) {
		try (ServerSocket tcp = new ServerSocket()) {
			tcp.setReuseAddress(true);
			tcp.bind(new InetSocketAddress(port), 1);
			try (DatagramSocket udp = new DatagramSocket(port)) {
				return udp.getLocalPort() == port;
			}
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static int lastBelowEphemeralRange() {
		int low = 32768;
		try {
			if (Files.isReadable(EPHEMERAL_RANGE)) {
				// One line, "low high"; read it by lines: procfs reports a size of 0.
				String range = Files.readAllLines(EPHEMERAL_RANGE, StandardCharsets.US_ASCII).get(0).trim();
				low = Integer.parseInt(range.split("\\s+")[0]);
			}
		}
		catch (IOException | RuntimeException ex) {
			// Keep the usual Linux lower bound.
		}
		return Math.max(FIRST + 1000, Math.min(low, 49152) - 1);
	}

}
