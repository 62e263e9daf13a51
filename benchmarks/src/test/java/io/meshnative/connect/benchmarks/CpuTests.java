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
 * Tests for {@link Cpu}.
 *
 * @author connect-spring-boot authors
 */
class CpuTests {

	@Test
	void busyTimeCountsUserNiceSystemAndStealButNotIdleIowaitOrInterrupts() {
		List<String> stat = List.of("cpu  2328930 7 327244 8203581 2852 11 96129 121187 0 0",
				"cpu0 1164465 3 163622 4101790 1426 5 48064 60593 0 0",
				"cpu1 1164465 4 163622 4101791 1426 6 48065 60594 0 0", "intr 123 4 5", "ctxt 99");
		long[] busy = Cpu.busyTicks(stat, 2);
		assertThat(busy).containsExactly(2328930L + 7 + 327244 + 121187, 1164465L + 3 + 163622 + 60593,
				1164465L + 4 + 163622 + 60594);
	}

	@Test
	void kernelsWithoutStealFieldAreRead() {
		assertThat(Cpu.busyTicks(List.of("cpu  10 1 2 300 4 5 6"), 1)).containsExactly(13L, 0L);
	}

}
