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
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The connections the watches of one agent client may hold at once over HTTP/1.1, where
 * every blocking query needs a connection of its own and the agent accepts
 * {@code limits.http_max_conns_per_client} (200 by default) from one address, answering
 * the others with {@code 429}.
 * <p>
 * Half of the slots may carry long blocking queries (the watch's own {@code wait}); the
 * queries on the other half wait at most {@link #TURN_WAIT}, so that when there are more
 * watches than slots the watches beyond the first half take turns on them and each still
 * sees a change within seconds. Nothing is ever cancelled to make room: the agent counts
 * a connection until the query it carries ends, even after the client closed it (checked
 * with Consul 1.16.1), so a cancelled long query would still hold its place in the
 * agent's budget. Slots are granted in the order they were asked for.
 *
 * @author connect-spring-boot authors
 */
final class WatchSlots {

	private static final Log logger = LogFactory.getLog(WatchSlots.class);

	/**
	 * The {@code wait} of the blocking queries beyond the long half of the slots.
	 */
	static final Duration TURN_WAIT = Duration.ofSeconds(1);

	private final int capacity;

	private final int longCapacity;

	private final Deque<CompletableFuture<Slot>> waiting = new ArrayDeque<>();

	private int held;

	private int longHeld;

	private boolean warned;

	WatchSlots(int capacity) {
		this.capacity = capacity;
		this.longCapacity = Math.max(1, capacity / 2);
	}

	/**
	 * Ask for a slot.
	 * @return the slot, once granted
	 */
	CompletableFuture<Slot> acquire() {
		CompletableFuture<Slot> granted = new CompletableFuture<>();
		synchronized (this) {
			if (this.held < this.capacity && this.waiting.isEmpty()) {
				this.held++;
				granted.complete(new Slot());
				return granted;
			}
			this.waiting.add(granted);
			if (this.warned) {
				return granted;
			}
			this.warned = true;
		}
		logger.warn("The watches of this application want more than the " + this.capacity
				+ " connections to the Consul agent they may hold at once over HTTP/1.1; they now take turns, "
				+ "so a change can take a few seconds to arrive. Reach the agent over HTTPS (HTTP/2 carries "
				+ "every watch on one connection) or raise connect.agent.max-watch-connections together "
				+ "with the agent's limits.http_max_conns_per_client");
		return granted;
	}

	/**
	 * Return the {@code wait} a blocking query may use in a slot: its own while fewer
	 * than half of the slots carry long queries, else at most {@link #TURN_WAIT}.
	 * @param wait the watch's own wait
	 * @param slot the slot the query holds
	 * @return the wait to send
	 */
	synchronized Duration waitFor(Duration wait, Slot slot) {
		if (wait.compareTo(TURN_WAIT) <= 0 || slot.longWait) {
			return wait;
		}
		if (this.longHeld < this.longCapacity) {
			this.longHeld++;
			slot.longWait = true;
			return wait;
		}
		return TURN_WAIT;
	}

	/**
	 * Give a slot back once its query ended; the next waiting watch gets it.
	 * @param slot the slot
	 */
	void release(Slot slot) {
		CompletableFuture<Slot> next = null;
		synchronized (this) {
			if (slot.released) {
				return;
			}
			slot.released = true;
			if (slot.longWait) {
				this.longHeld--;
			}
			while (!this.waiting.isEmpty() && next == null) {
				CompletableFuture<Slot> candidate = this.waiting.poll();
				if (!candidate.isDone()) {
					next = candidate;
				}
			}
			if (next == null) {
				this.held--;
			}
		}
		if (next != null && !next.complete(new Slot())) {
			release(new Slot());
		}
	}

	/**
	 * Return the number of slots held.
	 * @return the slots held
	 */
	synchronized int held() {
		return this.held;
	}

	/**
	 * A granted slot.
	 */
	static final class Slot {

		private boolean longWait;

		private boolean released;

	}

}
