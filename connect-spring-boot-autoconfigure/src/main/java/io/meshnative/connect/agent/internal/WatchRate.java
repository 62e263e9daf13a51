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

import org.springframework.util.Assert;

/**
 * The token bucket that limits how often a {@link Watch} calls the agent: {@code burst}
 * calls may follow each other without waiting, then one more becomes available every
 * {@code refill}. A blocking query that is held open costs nothing, so the limit only
 * matters while a value churns: each answer is followed at once by the next call while
 * tokens remain, and once they are used up every further call (the one that would fetch
 * the next change) waits at most {@code refill}.
 * <p>
 * The rates per kind of data, the one place they are chosen:
 * <ul>
 * <li>{@link #CONFIG} for configuration that callers must apply within about two seconds
 * of the write, however many writes come in a row: discovery chains (routers, splitters,
 * resolvers, service-defaults), the healthy endpoints of each target, intentions, and the
 * proxy's own registration in {@code connect-proxy};</li>
 * <li>{@link #IDENTITY} for CA roots and the leaf certificate, which change only on
 * rotation (a few answers in a row at most: a new root, the re-signed leaf, the old
 * root's removal) and whose every change rebuilds TLS contexts.</li>
 * </ul>
 * Each was 2 calls then one per 15 s before (the {@link Watch} default for the chain and
 * identity, 3 then one per second for endpoints and intentions): the third change written
 * in a row reached callers 15 s late, where Envoy fed by the same agent applies it in
 * about a second.
 *
 * @param burst the number of calls that may follow each other without waiting
 * @param refill the time in which one more call becomes available ({@link Duration#ZERO}
 * for no limit)
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public record WatchRate(int burst, Duration refill) {

	/**
	 * Configuration data (chain, endpoints, intentions, a proxy's registration): a burst
	 * of 5, then one call per 500 ms. Under sustained churn a watch makes at most about 2
	 * calls a second, and a change that arrives while its call is held back waits at most
	 * 500 ms, so with the agent's own answer and the handler it is applied well within 2
	 * s. Consul's proxycfg, which feeds Envoy, coalesces updates for 200 ms before it
	 * pushes a snapshot ({@code coalesceTimeout = 200 * time.Millisecond} in
	 * {@code agent/proxycfg/state.go} of Consul 1.16.1, used by {@code scheduleUpdate},
	 * {@code MAX(<rate limiter delay>, coalesceTimeout)}; the
	 * {@code xds.update_max_per_second} limiter behind it defaults to 250 per second): a
	 * sidecar applies a burst of writes within a few hundred milliseconds and protects
	 * the agent by coalescing, which a refill of 500 ms matches to within a factor of
	 * about two while costing the agent at most 2 calls a second per watch.
	 */
	public static final WatchRate CONFIG = new WatchRate(5, Duration.ofMillis(500));

	/**
	 * CA roots and the leaf certificate: a burst of 3, then one call per second. A
	 * rotation is a handful of answers, all applied at once; a change held back waits at
	 * most a second.
	 */
	public static final WatchRate IDENTITY = new WatchRate(3, Duration.ofSeconds(1));

	/**
	 * The rate of a watch that is given none: {@link #CONFIG}, so that no watch holds a
	 * change back for long by accident.
	 */
	public static final WatchRate DEFAULT = CONFIG;

	/**
	 * Create a new instance.
	 * @param burst the number of calls that may follow each other without waiting
	 * @param refill the time in which one more call becomes available
	 */
	public WatchRate {
		Assert.isTrue(burst >= 1, "'burst' must be at least 1");
		Assert.isTrue(!refill.isNegative(), "'refill' must not be negative");
	}

}
