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
 * Tests for {@link BenchRunner}.
 *
 * @author connect-spring-boot authors
 */
class BenchRunnerTests {

	@Test
	void warmUpIsSteadyWhenTheLastTwoRunsAreWithinThreePercent() {
		assertThat(BenchRunner.steady(List.of(3041.0, 7238.0, 17577.0, 23453.0, 29346.0))).isFalse();
		assertThat(BenchRunner.steady(List.of(17577.0, 29346.0, 30100.0))).isTrue();
		assertThat(BenchRunner.steady(List.of(30100.0, 29200.0))).isTrue();
		assertThat(BenchRunner.steady(List.of(30100.0, 28000.0))).isFalse();
		assertThat(BenchRunner.steady(List.of(30100.0))).isFalse();
		assertThat(BenchRunner.steady(List.of(0.0, 0.0))).isFalse();
	}

}
