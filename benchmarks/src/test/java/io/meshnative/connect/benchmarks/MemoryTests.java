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

import java.util.List;

import org.junit.jupiter.api.Test;

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
	void samplesThisJvm() {
		long pid = ProcessHandle.current().pid();
		Memory.Sample sample = Memory.sample(List.of(pid), System.getProperty("java.home"));
		assertThat(sample.rssMb()).isGreaterThan(10);
		assertThat(sample.liveHeapMb()).isGreaterThan(0).isLessThan(sample.rssMb());
	}

}
