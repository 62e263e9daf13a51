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

package io.meshnative.connect.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link Memory}.
 *
 * @author connect-spring-boot authors
 */
class MemoryTests {

	@Test
	void readsTheResidentSetSizeFromProcStatus() {
		assertThat(Memory
			.parseRssKb(List.of("Name:\tjava", "VmPeak:\t 4000000 kB", "VmRSS:\t  215432 kB", "RssAnon:\t  150000 kB")))
			.isEqualTo(215432);
		assertThat(Memory.parseRssKb(List.of("Name:\tkthreadd"))).isZero();
	}

	@Test
	void readsTheUsedHeapFromJcmdHeapInfo() {
		String g1 = """
				12345:
				 garbage-first heap   total 262144K, used 23456K [0x00000000e0000000, 0x0000000100000000)
				  region size 1024K, 1 young (1024K), 0 survivors (0K)
				 Metaspace       used 45000K, committed 45500K, reserved 1114112K
				""";
		assertThat(Memory.parseHeapUsedKb(g1)).isEqualTo(23456);
		assertThat(Memory.parseHeapUsedKb("12345:\nAttach failed")).isEqualTo(-1);
	}

	@Test
	void readsTheUsedHeapFromJdk17HeapInfoOfG1() throws IOException {
		// jcmd <pid> GC.heap_info of OpenJDK 17.0.15, -Xms256m -Xmx512m -XX:+UseG1GC
		assertThat(Memory.parseHeapUsedKb(fixture("heap-info-jdk17-g1.txt"))).isEqualTo(2919);
	}

	@Test
	void readsTheUsedHeapFromJdk25HeapInfoOfG1() throws IOException {
		// jcmd <pid> GC.heap_info of Temurin 25.0.3, -Xms256m -Xmx512m -XX:+UseG1GC:
		// "total
		// reserved ..., committed ..., used ...", where JDK 17 writes "total ..., used
		// ..."
		assertThat(Memory.parseHeapUsedKb(fixture("heap-info-jdk25-g1.txt"))).isEqualTo(2913);
	}

	@Test
	void samplesAJdk25Jvm(@TempDir Path directory) throws Exception {
		String home = System.getenv("JDK25_HOME");
		Path jdk25 = Path.of((home != null && !home.isEmpty()) ? home : "/usr/lib/jvm/temurin-25-jdk-amd64");
		assertThat(Files.isExecutable(jdk25.resolve("bin/jcmd")))
			.as("no JDK 25 at %s: install it or set JDK25_HOME (scripts/test needs it for its jdk25 leg too)", jdk25)
			.isTrue();
		Path source = directory.resolve("Ready.java");
		Files.writeString(source, """
				public class Ready {
					public static void main(String[] args) throws Exception {
						byte[] live = new byte[8 * 1024 * 1024];
						System.out.println("ready " + live.length);
						System.in.read();
						System.out.println("done " + live.length);
					}
				}
				""");
		Process process = new ProcessBuilder(jdk25.resolve("bin/java").toString(), "-Xms256m", "-Xmx512m",
				"-XX:+UseG1GC", source.toString())
			.redirectErrorStream(true)
			.start();
		try (BufferedReader output = new BufferedReader(
				new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
			assertThat(output.readLine()).startsWith("ready");
			Memory.Sample sample = Memory.sample(List.of(process.pid()), jdk25.toString());
			// the 8 MB array is still referenced while the JVM waits for input
			assertThat(sample.liveHeapMb()).isGreaterThan(8).isLessThan(sample.rssMb());
		}
		finally {
			process.getOutputStream().close();
			if (!process.waitFor(30, TimeUnit.SECONDS)) {
				process.destroyForcibly();
			}
		}
	}

	@Test
	void samplesThisJvm() {
		long pid = ProcessHandle.current().pid();
		Memory.Sample sample = Memory.sample(List.of(pid), System.getProperty("java.home"));
		assertThat(sample.rssMb()).isGreaterThan(10);
		assertThat(sample.liveHeapMb()).isGreaterThan(0).isLessThan(sample.rssMb());
	}

	private static String fixture(String name) throws IOException {
		try (InputStream input = MemoryTests.class.getResourceAsStream(name)) {
			assertThat(input).as(name).isNotNull();
			return new String(input.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

}
