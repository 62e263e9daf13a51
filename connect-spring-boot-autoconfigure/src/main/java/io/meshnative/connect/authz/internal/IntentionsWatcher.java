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

package io.meshnative.connect.authz.internal;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.meshnative.connect.agent.internal.AgentQuery;
import io.meshnative.connect.agent.internal.AuthorizeRequest;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ConsulAgentException;
import io.meshnative.connect.agent.internal.Intention;
import io.meshnative.connect.agent.internal.Watch;
import io.meshnative.connect.agent.internal.WatchRate;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Keeps the {@link IntentionRules} of a service current: watches
 * {@code /v1/connect/intentions/match?by=destination} and learns the default decision,
 * then hands every new compilation to a consumer.
 * <p>
 * Rules are compiled from exactly the intentions of one watch answer and replace the
 * previous ones in one step, so no decision is made on intentions older than the newest
 * answer. A watch that fails transiently (5xx, a timeout, the agent unreachable) keeps
 * the last intentions; an ACL refusal ({@code 403}) makes them unknown, so that the
 * failure mode decides, until a later answer succeeds: then the rules are compiled again
 * even when the intentions did not change.
 * <p>
 * The default decision (what applies when no intention matches) is the default of the
 * token's ACLs. It is learned without the deprecated authorize endpoint where possible:
 * {@code GET /v1/connect/intentions/check} for a source no intention names answers it,
 * unless an intention with a wildcard source could match that source; then, with a local
 * agent, from the authorize endpoint's answer for a caller in a namespace of its own,
 * accepted only when the agent says it is the default. It is learned at start and again
 * after every change of the intentions, off the request path; the last known default is
 * kept when it cannot be learned.
 *
 * @author connect-spring-boot authors
 */
public final class IntentionsWatcher implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(IntentionsWatcher.class);

	/**
	 * The reasons the authorize endpoint gives when no intention matched (Consul
	 * {@code agent/connect_auth.go}, and before 1.9).
	 */
	private static final List<String> DEFAULT_REASONS = List.of("Default behavior configured by ACLs",
			"ACLs disabled, access is allowed by default");

	private static final String PROBE = "connect-spring-boot-default-probe";

	/**
	 * A caller in a namespace of its own, which no intention of another namespace can
	 * name; the authorize endpoint checks neither its trust domain nor its datacenter.
	 */
	private static final String PROBE_URI = "spiffe://00000000-0000-0000-0000-000000000000.consul/ns/" + PROBE
			+ "/dc/dc1/svc/" + PROBE;

	private final ConsulAgentClient client;

	private final String service;

	private final Duration watchWait;

	private final Consumer<IntentionRules> consumer;

	private final String probeName = PROBE + "-" + UUID.randomUUID().toString().substring(0, 8);

	private final Set<String> reportedProblems = ConcurrentHashMap.newKeySet();

	private final CountDownLatch firstAnswer = new CountDownLatch(1);

	private final Object monitor = new Object();

	private volatile IntentionRules rules = IntentionRules.unavailable("the intentions have not been read yet");

	private volatile @Nullable Watch<Map<String, List<Intention>>> watch;

	private volatile @Nullable Boolean defaultAllow;

	private volatile @Nullable ConsulAgentException refusal;

	/**
	 * Create a new instance.
	 * @param client the agent client
	 * @param service the name of the service whose intentions to watch
	 * @param watchWait the {@code wait} of the intentions watch
	 * @param consumer told about every new compilation of the rules
	 */
	public IntentionsWatcher(ConsulAgentClient client, String service, Duration watchWait,
			Consumer<IntentionRules> consumer) {
		this.client = client;
		this.service = service;
		this.watchWait = watchWait;
		this.consumer = consumer;
	}

	/**
	 * Start watching.
	 */
	public void start() {
		if (this.watch != null) {
			return;
		}
		this.watch = Watch.builder(this.client, AgentQuery.intentionMatch("destination", this.service))
			.wait(this.watchWait)
			.rateLimit(WatchRate.CONFIG)
			.listener(new Watch.Listener() {

				@Override
				public void onError(AgentQuery<?> query, ConsulAgentException exception, int consecutiveFailures,
						Duration retryIn) {
					failed(exception);
				}

				@Override
				public void onRecovered(AgentQuery<?> query) {
					recovered();
				}

			})
			.build(this::changed)
			.start();
	}

	/**
	 * Wait until the first answer of the watch, a success or an ACL refusal.
	 * @param timeout how long to wait at most
	 * @return whether an answer came in time
	 */
	public boolean awaitFirstAnswer(Duration timeout) {
		try {
			return this.firstAnswer.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	/**
	 * Return the ACL refusal that keeps the intentions unknown.
	 * @return the refusal, {@code null} when there is none
	 */
	public @Nullable ConsulAgentException getRefusal() {
		return this.refusal;
	}

	/**
	 * Return the intentions of the last successful answer.
	 * @return the intentions, empty when none was received or they are unknown
	 */
	public List<Intention> getIntentions() {
		Watch<Map<String, List<Intention>>> current = this.watch;
		Map<String, List<Intention>> value = (current != null) ? current.getCurrent() : null;
		if (value == null || this.rules.getUnavailableReason() != null) {
			return Collections.emptyList();
		}
		List<Intention> intentions = value.get(this.service);
		return (intentions != null) ? intentions : Collections.emptyList();
	}

	private void changed(Map<String, List<Intention>> intentions) {
		List<Intention> forService = intentions.get(this.service);
		List<Intention> list = (forService != null) ? forService : Collections.emptyList();
		synchronized (this.monitor) {
			publish(IntentionRules.compile(list, this.defaultAllow, this.client.getPartition(), this::problem));
			this.refusal = null;
		}
		this.firstAnswer.countDown();
		learnDefault();
	}

	private void recovered() {
		Watch<Map<String, List<Intention>>> current = this.watch;
		Map<String, List<Intention>> value = (current != null) ? current.getCurrent() : null;
		if (value != null && this.rules.getUnavailableReason() != null) {
			logger.info("The intentions for '" + this.service + "' can be read again; decisions use them");
			changed(value);
		}
	}

	private void failed(ConsulAgentException exception) {
		if (exception.getStatus() != 403) {
			return;
		}
		if (this.refusal == null) {
			logger.warn("The ACL token cannot read the intentions for '" + this.service + "' (" + exception.getMessage()
					+ "); until it can, connect.authz.failure-mode decides every request. "
					+ "Fix: give the token service:read or service:write on '" + this.service
					+ "' without intentions = \"deny\" (both imply intentions:read)");
		}
		this.refusal = exception;
		publish(IntentionRules.unavailable("the ACL token cannot read the intentions for '" + this.service + "'"));
		this.firstAnswer.countDown();
	}

	private void publish(IntentionRules compiled) {
		synchronized (this.monitor) {
			this.rules = compiled;
			this.consumer.accept(compiled);
		}
	}

	private void problem(String problem) {
		if (this.reportedProblems.add(problem)) {
			logger.warn("L7 intentions for '" + this.service + "': " + problem);
		}
	}

	private void learnDefault() {
		IntentionRules current = this.rules;
		learnDefault(current).whenComplete((allow, failure) -> {
			if (allow == null) {
				if (this.defaultAllow == null) {
					logger.warn("The default decision for '" + this.service + "' (no intention matches) could not be "
							+ "learned" + ((failure != null) ? " (" + failure.getMessage() + ")" : "")
							+ "; connect.authz.failure-mode decides such callers until it can");
				}
				return;
			}
			synchronized (this.monitor) {
				Boolean previous = this.defaultAllow;
				this.defaultAllow = allow;
				if (!allow.equals(previous)) {
					logger.debug("The default decision for '" + this.service + "' is " + (allow ? "allow" : "deny"));
					publish(this.rules.withDefault(allow));
				}
			}
		});
	}

	private CompletableFuture<@Nullable Boolean> learnDefault(IntentionRules current) {
		try {
			if (!current.hasWildcardSource()) {
				return this.client.queryAsync(AgentQuery.intentionCheck(this.probeName, this.service))
					.thenApply((answer) -> answer.value().allowed());
			}
			return this.client.authorizeAsync(new AuthorizeRequest(this.service, PROBE_URI, null))
				.thenApply((answer) -> DEFAULT_REASONS.contains(answer.reason()) ? answer.authorized() : null);
		}
		catch (RuntimeException ex) {
			return CompletableFuture.failedFuture(ex);
		}
	}

	@Override
	public void close() {
		Watch<?> current = this.watch;
		this.watch = null;
		if (current != null) {
			current.stop();
		}
	}

}
