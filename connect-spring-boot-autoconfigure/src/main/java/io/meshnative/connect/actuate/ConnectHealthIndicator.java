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

package io.meshnative.connect.actuate;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.Watch;
import io.meshnative.connect.identity.ConnectIdentity;
import io.meshnative.connect.identity.ConnectIdentityManager;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * {@link HealthIndicator} for the service's Connect identity.
 * <ul>
 * <li>{@code DOWN} when the identity was never loaded or the leaf certificate has
 * expired: no peer can accept it.</li>
 * <li>{@code OUT_OF_SERVICE} when the leaf expires within the warning window: the agent
 * renews leaves between 60 % and 90 % of their lifetime, so a leaf this close to expiry
 * means renewal is failing.</li>
 * <li>{@code UP} otherwise. When every call to the agent has failed for longer than the
 * unreachable threshold, the status stays {@code UP} (the last good identity keeps
 * serving) and the detail {@code agent} says since when the agent has not answered.</li>
 * </ul>
 * Details: trust domain, SPIFFE ID, leaf serial number and expiry, and the last
 * successful answer of each watch; never a key or a token.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConnectHealthIndicator implements HealthIndicator {

	private final ConnectIdentityManager identityManager;

	private final ConsulAgentClient agentClient;

	private final Duration leafExpiryWarning;

	private final Duration agentUnreachableThreshold;

	private final Clock clock;

	/**
	 * Create a new instance.
	 * @param identityManager the service's identity
	 * @param agentClient the agent client whose watches are reported
	 * @param leafExpiryWarning how close to its expiry the leaf makes the service
	 * {@code OUT_OF_SERVICE}
	 * @param agentUnreachableThreshold how long the agent may fail every call before the
	 * health says so
	 * @param clock the clock
	 */
	public ConnectHealthIndicator(ConnectIdentityManager identityManager, ConsulAgentClient agentClient,
			Duration leafExpiryWarning, Duration agentUnreachableThreshold, Clock clock) {
		this.identityManager = identityManager;
		this.agentClient = agentClient;
		this.leafExpiryWarning = leafExpiryWarning;
		this.agentUnreachableThreshold = agentUnreachableThreshold;
		this.clock = clock;
	}

	@Override
	public Health health() {
		ConnectIdentity identity;
		try {
			identity = this.identityManager.getIdentity();
		}
		catch (IllegalStateException ex) {
			return Health.down()
				.withDetail("service", this.identityManager.getService())
				.withDetail("error",
						"the Connect identity has not been loaded from the Consul "
								+ (this.agentClient.isServer() ? "servers" : "agent"))
				.build();
		}
		Instant now = this.clock.instant();
		Instant expiry = identity.getExpiry();
		Health.Builder builder = leafStatus(now, expiry);
		builder.withDetail("service", identity.getService())
			.withDetail("trustDomain", identity.getTrustDomain())
			.withDetail("spiffeId", identity.getSpiffeId())
			.withDetail("leafSerialNumber", identity.getSerialNumber())
			.withDetail("leafExpiry", expiry.toString())
			.withDetail("roots", identity.getRoots().size())
			.withDetail("watches", watches());
		String agentProblem = agentProblem(now);
		if (agentProblem != null) {
			builder.withDetail("agent", agentProblem);
		}
		return builder.build();
	}

	private Health.Builder leafStatus(Instant now, Instant expiry) {
		if (!now.isBefore(expiry)) {
			return Health.down().withDetail("leaf", "expired at " + expiry + "; " + notRenewed());
		}
		Duration left = Duration.between(now, expiry);
		if (left.compareTo(this.leafExpiryWarning) <= 0) {
			return Health.status(Status.OUT_OF_SERVICE)
				.withDetail("leaf", "expires in " + left.toSeconds() + "s (within connect.health.leaf-expiry-warning="
						+ this.leafExpiryWarning + "); " + notRenewed());
		}
		return Health.up().withDetail("leaf", "valid for " + left.toSeconds() + "s");
	}

	private String notRenewed() {
		// in agentless mode the application renews its leaf itself, with Sign
		return this.agentClient.isServer() ? "it has not been renewed" : "the agent has not renewed it";
	}

	private Map<String, Map<String, Object>> watches() {
		Map<String, Map<String, Object>> watches = new TreeMap<>();
		for (Watch<?> watch : this.agentClient.getWatches()) {
			Map<String, Object> detail = new TreeMap<>();
			Instant lastSuccess = watch.getLastSuccess();
			detail.put("lastSuccess", (lastSuccess != null) ? lastSuccess.toString() : "never");
			detail.put("consecutiveFailures", watch.getConsecutiveFailures());
			watches.put(watch.getQuery().describe(), detail);
		}
		return watches;
	}

	private @Nullable String agentProblem(Instant now) {
		List<Watch<?>> watches = this.agentClient.getWatches();
		if (watches.isEmpty()) {
			return null;
		}
		Instant latest = null;
		List<String> failing = new ArrayList<>();
		for (Watch<?> watch : watches) {
			if (watch.getConsecutiveFailures() == 0) {
				return null;
			}
			failing.add(watch.getQuery().describe());
			Instant lastSuccess = watch.getLastSuccess();
			if (lastSuccess != null && (latest == null || lastSuccess.isAfter(latest))) {
				latest = lastSuccess;
			}
		}
		if (latest == null || Duration.between(latest, now).compareTo(this.agentUnreachableThreshold) <= 0) {
			return null;
		}
		return "no successful answer from the " + this.agentClient.describeConsul() + " since " + latest
				+ " (beyond connect.health.agent-unreachable-threshold=" + this.agentUnreachableThreshold
				+ "); serving with the last good identity; failing watches: " + failing;
	}

}
