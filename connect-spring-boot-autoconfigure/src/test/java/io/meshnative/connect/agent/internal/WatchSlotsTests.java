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

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link WatchSlots}.
 *
 * @author connect-spring-boot authors
 */
class WatchSlotsTests {

	private static final Duration LONG_WAIT = Duration.ofMinutes(5);

	@Test
	void halfOfTheSlotsCarryLongQueriesAndTheOthersShortOnes() {
		WatchSlots slots = new WatchSlots(4);
		WatchSlots.Slot a = slots.acquire().join();
		WatchSlots.Slot b = slots.acquire().join();
		WatchSlots.Slot c = slots.acquire().join();
		assertThat(slots.waitFor(LONG_WAIT, a)).isEqualTo(LONG_WAIT);
		assertThat(slots.waitFor(LONG_WAIT, b)).isEqualTo(LONG_WAIT);
		assertThat(slots.waitFor(LONG_WAIT, c)).isEqualTo(WatchSlots.TURN_WAIT);
		assertThat(slots.waitFor(Duration.ofMillis(500), c)).isEqualTo(Duration.ofMillis(500));
		slots.release(a);
		WatchSlots.Slot d = slots.acquire().join();
		assertThat(slots.waitFor(LONG_WAIT, d)).isEqualTo(LONG_WAIT);
	}

	@Test
	void watchesBeyondTheSlotsWaitInTurn() {
		WatchSlots slots = new WatchSlots(2);
		WatchSlots.Slot a = slots.acquire().join();
		WatchSlots.Slot b = slots.acquire().join();
		CompletableFuture<WatchSlots.Slot> c = slots.acquire();
		CompletableFuture<WatchSlots.Slot> d = slots.acquire();
		assertThat(c).isNotDone();
		slots.release(a);
		assertThat(c).isCompleted();
		assertThat(d).isNotDone();
		slots.release(b);
		assertThat(d).isCompleted();
		assertThat(slots.held()).isEqualTo(2);
		slots.release(c.join());
		slots.release(d.join());
		assertThat(slots.held()).isZero();
	}

	@Test
	void aWatchThatStoppedWaitingIsSkipped() {
		WatchSlots slots = new WatchSlots(1);
		WatchSlots.Slot a = slots.acquire().join();
		CompletableFuture<WatchSlots.Slot> gone = slots.acquire();
		CompletableFuture<WatchSlots.Slot> next = slots.acquire();
		gone.cancel(false);
		slots.release(a);
		assertThat(next).isCompleted();
		assertThat(slots.held()).isEqualTo(1);
	}

	@Test
	void releasingTwiceFreesOneSlot() {
		WatchSlots slots = new WatchSlots(2);
		WatchSlots.Slot a = slots.acquire().join();
		slots.acquire().join();
		slots.release(a);
		slots.release(a);
		assertThat(slots.held()).isEqualTo(1);
	}

}
