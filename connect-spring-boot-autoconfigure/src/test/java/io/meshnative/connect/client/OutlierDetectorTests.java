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

package io.meshnative.connect.client;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.meshnative.connect.client.internal.UpstreamPolicy;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link OutlierDetector}.
 *
 * @author connect-spring-boot authors
 */
class OutlierDetectorTests {

	private final AtomicLong now = new AtomicLong(1_000_000_000L);

	private final OutlierDetector detector = new OutlierDetector(this.now::get);

	private static final UpstreamPolicy.PassiveHealth DEFAULTS = UpstreamPolicy.DEFAULT.passiveHealth();

	@Test
	void anEndpointIsEjectedAfterMaxFailuresConsecutiveFailures() {
		for (int i = 1; i < 5; i++) {
			assertThat(this.detector.record("a", true, DEFAULTS, 3)).isFalse();
		}
		assertThat(this.detector.isEjected("a", DEFAULTS)).isFalse();
		assertThat(this.detector.record("a", true, DEFAULTS, 3)).isTrue();
		assertThat(this.detector.isEjected("a", DEFAULTS)).isTrue();
		assertThat(this.detector.ejectedCount(DEFAULTS)).isEqualTo(1);
	}

	@Test
	void aSuccessResetsTheCount() {
		for (int i = 0; i < 4; i++) {
			this.detector.record("a", true, DEFAULTS, 3);
		}
		this.detector.record("a", false, DEFAULTS, 3);
		for (int i = 0; i < 4; i++) {
			assertThat(this.detector.record("a", true, DEFAULTS, 3)).isFalse();
		}
		assertThat(this.detector.isEjected("a", DEFAULTS)).isFalse();
	}

	@Test
	void anEjectedEndpointReturnsAfterBaseEjectionTimeTimesItsEjections() {
		eject("a");
		advance(Duration.ofSeconds(29));
		assertThat(this.detector.isEjected("a", DEFAULTS)).isTrue();
		advance(Duration.ofSeconds(1));
		assertThat(this.detector.isEjected("a", DEFAULTS)).isFalse();
		eject("a");
		advance(Duration.ofSeconds(59));
		assertThat(this.detector.isEjected("a", DEFAULTS)).isTrue();
		advance(Duration.ofSeconds(1));
		assertThat(this.detector.isEjected("a", DEFAULTS)).isFalse();
	}

	@Test
	void theEjectionMultiplierDecaysByOnePerHealthyInterval() {
		eject("a");
		advance(Duration.ofSeconds(30));
		eject("a");
		advance(Duration.ofSeconds(60));
		// back for 2 intervals (20 s): the multiplier drops from 2 to 0, the next
		// ejection lasts one base ejection time
		advance(Duration.ofSeconds(20));
		eject("a");
		advance(Duration.ofSeconds(30));
		assertThat(this.detector.isEjected("a", DEFAULTS)).isFalse();
	}

	@Test
	void maxEjectionPercentHoldsWhenEveryEndpointFails() {
		for (String endpoint : List.of("a", "b", "c")) {
			for (int i = 0; i < 20; i++) {
				this.detector.record(endpoint, true, DEFAULTS, 3);
			}
		}
		assertThat(this.detector.ejectedCount(DEFAULTS)).isEqualTo(1);
		UpstreamPolicy.PassiveHealth half = new UpstreamPolicy.PassiveHealth(Duration.ofSeconds(10), 5, 100, 50,
				Duration.ofSeconds(30));
		OutlierDetector detector = new OutlierDetector(this.now::get);
		for (String endpoint : List.of("a", "b", "c", "d")) {
			for (int i = 0; i < 20; i++) {
				detector.record(endpoint, true, half, 4);
			}
		}
		assertThat(detector.ejectedCount(half)).isEqualTo(2);
		UpstreamPolicy.PassiveHealth third = new UpstreamPolicy.PassiveHealth(Duration.ofSeconds(10), 5, 100, 34,
				Duration.ofSeconds(30));
		OutlierDetector three = new OutlierDetector(this.now::get);
		for (String endpoint : List.of("a", "b", "c")) {
			for (int i = 0; i < 20; i++) {
				three.record(endpoint, true, third, 3);
			}
		}
		assertThat(three.ejectedCount(third)).as("never more than 34 % of 3 once one is out").isEqualTo(1);
	}

	@Test
	void enforcingZeroNeverEjects() {
		UpstreamPolicy.PassiveHealth never = new UpstreamPolicy.PassiveHealth(Duration.ofSeconds(10), 1, 0, 100,
				Duration.ofSeconds(30));
		for (int i = 0; i < 50; i++) {
			assertThat(this.detector.record("a", true, never, 1)).isFalse();
		}
	}

	@Test
	void forgottenEndpointsLoseTheirState() {
		eject("a");
		this.detector.retain(List.of("b"));
		assertThat(this.detector.isEjected("a", DEFAULTS)).isFalse();
	}

	private void eject(String endpoint) {
		boolean ejected = false;
		for (int i = 0; i < 5; i++) {
			ejected = this.detector.record(endpoint, true, DEFAULTS, 3);
		}
		assertThat(ejected).isTrue();
	}

	private void advance(Duration duration) {
		this.now.addAndGet(duration.toNanos());
	}

}
