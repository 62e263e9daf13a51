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

package io.meshnative.connect.authz;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.meshnative.connect.agent.AgentQuery;
import io.meshnative.connect.agent.AuthorizeRequest;
import io.meshnative.connect.agent.ConsulAgentClient;
import io.meshnative.connect.agent.ConsulAgentException;
import io.meshnative.connect.agent.Intention;
import io.meshnative.connect.agent.Watch;
import io.meshnative.connect.identity.SpiffeId;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether a caller, identified by the SPIFFE ID of its validated certificate, may
 * call this service.
 * <p>
 * Decisions come from a cache keyed by the caller's full SPIFFE ID. A miss asks the
 * agent's authorize endpoint ({@code Target} = this service). The cache is cleared
 * whenever the intentions for this service change (a blocking watch on
 * {@code /v1/connect/intentions/match?by=destination}); when the token may not read
 * intentions, entries expire after a TTL instead. When the agent cannot answer, an
 * expired entry is still used, and a caller with no entry at all is decided by the
 * {@link FailureMode failure mode} (deny by default).
 * <p>
 * The agent answers for L4 only: it denies every caller whose first matching intention is
 * an L7 intention (one with HTTP permissions). For those callers the permissions are
 * evaluated here, per request, from the watched intentions ({@link IntentionRules}); when
 * the intentions cannot be read or compiled, such a request is denied.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConnectAuthorizer implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(ConnectAuthorizer.class);

	/**
	 * Intention changes decide who may call: a deny must not wait for the default watch
	 * rate limit (one call per 15 s after a burst of 2), so this watch may call up to
	 * once a second under churn.
	 */
	private static final int INTENTIONS_BURST = 3;

	private static final Duration INTENTIONS_REFILL = Duration.ofSeconds(1);

	/**
	 * How the agent's authorize endpoint starts the reason when the caller's first
	 * matching intention is an L7 intention (Consul {@code agent/connect_auth.go}).
	 */
	private static final String L7_REASON = "Matched L7 intention";

	/**
	 * The reasons the authorize endpoint gives when no intention matched.
	 */
	private static final List<String> DEFAULT_REASONS = List.of("Default behavior configured by ACLs",
			"ACLs disabled, access is allowed by default");

	private static final String DEFAULT_PROBE_NAME = "connect-spring-boot-default-probe";

	private final ConsulAgentClient client;

	private final String service;

	private final Duration cacheTtl;

	private final FailureMode failureMode;

	private final Duration watchWait;

	private final Map<String, Entry> cache = new ConcurrentHashMap<>();

	private final Map<String, CompletableFuture<AuthorizationDecision>> inFlight = new ConcurrentHashMap<>();

	private final AtomicLong generation = new AtomicLong();

	private final List<ConnectAuthorizationListener> listeners = new CopyOnWriteArrayList<>();

	private volatile boolean watchingIntentions;

	private volatile @Nullable Watch<Map<String, List<Intention>>> intentionsWatch;

	private volatile IntentionRules rules = IntentionRules.unavailable("the intentions have not been read yet");

	private volatile @Nullable DefaultDecision defaultDecision;

	/**
	 * Create a new instance.
	 * @param client the agent client
	 * @param service this service's name, the authorize target
	 * @param cacheTtl how long a decision is trusted when intentions cannot be watched
	 * @param failureMode what to decide when nothing is cached and the agent cannot
	 * answer
	 * @param watchWait the {@code wait} of the intentions watch
	 */
	public ConnectAuthorizer(ConsulAgentClient client, String service, Duration cacheTtl, FailureMode failureMode,
			Duration watchWait) {
		this.client = client;
		this.service = service;
		this.cacheTtl = cacheTtl;
		this.failureMode = failureMode;
		this.watchWait = watchWait;
	}

	/**
	 * Start watching the intentions for this service.
	 * @return this authorizer
	 */
	public ConnectAuthorizer start() {
		if (this.intentionsWatch == null) {
			this.intentionsWatch = Watch.builder(this.client, AgentQuery.intentionMatch("destination", this.service))
				.wait(this.watchWait)
				.rateLimit(INTENTIONS_BURST, INTENTIONS_REFILL)
				.listener(new Watch.Listener() {

					@Override
					public void onError(AgentQuery<?> query, ConsulAgentException exception, int consecutiveFailures,
							Duration retryIn) {
						intentionsUnavailable(exception);
					}

				})
				.build(this::intentionsChanged)
				.start();
		}
		return this;
	}

	private void intentionsChanged(Map<String, List<Intention>> intentions) {
		if (!this.watchingIntentions) {
			logger.debug("Watching intentions for '" + this.service + "'; decisions are cached until they change");
		}
		this.watchingIntentions = true;
		IntentionRules compiled = compileRules(intentions);
		if (compiled.getUnavailableReason() != null && this.rules.getUnavailableReason() == null) {
			logger.warn("L7 intentions for '" + this.service + "' are denied until they can be evaluated: "
					+ compiled.getUnavailableReason());
		}
		this.rules = compiled;
		invalidate();
		tellListeners(ConnectAuthorizationListener::intentionsChanged);
	}

	private IntentionRules compileRules(Map<String, List<Intention>> intentions) {
		try {
			List<Intention> forService = intentions.get(this.service);
			return IntentionRules.compile((forService != null) ? forService : Collections.emptyList());
		}
		catch (RuntimeException ex) {
			return IntentionRules
				.unavailable("the intentions could not be read (" + ex.getClass().getSimpleName() + ")");
		}
	}

	private void intentionsUnavailable(ConsulAgentException exception) {
		if (exception.getStatus() == 403 && this.watchingIntentions) {
			logger.info("The ACL token cannot read intentions for '" + this.service
					+ "' (intentions:read); authorization decisions are now cached for " + this.cacheTtl);
		}
		if (exception.getStatus() == 403) {
			this.watchingIntentions = false;
			this.rules = IntentionRules
				.unavailable("the ACL token cannot read intentions for '" + this.service + "' (intentions:read)");
		}
	}

	/**
	 * Forget every cached decision.
	 */
	public void invalidate() {
		this.generation.incrementAndGet();
		this.cache.clear();
	}

	/**
	 * Decide about a caller.
	 * @param callerSpiffeId the SPIFFE ID from the caller's validated certificate
	 * @param callerSerial the serial number of the caller's certificate, colon-hex
	 * @return the decision; never completes exceptionally
	 */
	public CompletableFuture<AuthorizationDecision> authorize(String callerSpiffeId, String callerSerial) {
		Entry entry = this.cache.get(callerSpiffeId);
		long now = System.nanoTime();
		if (entry != null && entry.isFresh(now, this.watchingIntentions)) {
			return CompletableFuture.completedFuture(entry.decision(AuthorizationDecision.Source.CACHE));
		}
		CompletableFuture<AuthorizationDecision> pending = new CompletableFuture<>();
		CompletableFuture<AuthorizationDecision> existing = this.inFlight.putIfAbsent(callerSpiffeId, pending);
		if (existing != null) {
			return existing;
		}
		ask(callerSpiffeId, callerSerial, entry).whenComplete((decision, failure) -> {
			this.inFlight.remove(callerSpiffeId, pending);
			if (decision != null) {
				pending.complete(decision);
			}
			else {
				pending.complete(whenAgentFails(callerSpiffeId, entry, failure));
			}
		});
		return pending;
	}

	/**
	 * Decide about a request: the caller's decision as {@link #authorize(String, String)}
	 * gives it, and when the agent denied the caller because an L7 intention matched, the
	 * decision of that intention's HTTP permissions for this request.
	 * @param caller the SPIFFE ID from the caller's validated certificate
	 * @param callerSerial the serial number of the caller's certificate, colon-hex
	 * @param request the request, read only when an L7 intention applies
	 * @return the decision; never completes exceptionally
	 */
	CompletableFuture<AuthorizationDecision> authorizeRequest(SpiffeId caller, String callerSerial,
			Supplier<L7Request> request) {
		return authorize(caller.toUri(), callerSerial).thenCompose((decision) -> {
			if (decision.allowed() || !decision.reason().startsWith(L7_REASON)) {
				return CompletableFuture.completedFuture(decision);
			}
			return decideLayer7(caller, request.get());
		});
	}

	private CompletableFuture<AuthorizationDecision> decideLayer7(SpiffeId caller, L7Request request) {
		IntentionRules.Evaluation evaluation;
		try {
			evaluation = this.rules.evaluate(caller, request);
		}
		catch (RuntimeException ex) {
			evaluation = new IntentionRules.Evaluation(IntentionRules.Result.DENY,
					"L7 intentions could not be evaluated (" + ex.getClass().getSimpleName() + ")");
		}
		if (evaluation.result() != IntentionRules.Result.NO_MATCH) {
			return CompletableFuture
				.completedFuture(new AuthorizationDecision(evaluation.result() == IntentionRules.Result.ALLOW,
						evaluation.reason(), AuthorizationDecision.Source.LOCAL));
		}
		String reason = evaluation.reason();
		return defaultDecision(caller).thenApply((allowed) -> {
			if (allowed == null) {
				return new AuthorizationDecision(false, reason + "; the default decision is not known, denied",
						AuthorizationDecision.Source.LOCAL);
			}
			return new AuthorizationDecision(allowed,
					reason + "; the default decision " + (allowed ? "allows" : "denies"),
					AuthorizationDecision.Source.LOCAL);
		});
	}

	/**
	 * The decision for a request that no permission of the caller's L7 intention matches:
	 * the agent's answer for a caller that no intention can name (a service in a
	 * namespace of its own), accepted only when the agent says it is the default.
	 * @param caller the caller, whose trust domain and datacenter the probe uses
	 * @return whether the default allows, {@code null} when it is not known
	 */
	private CompletableFuture<@Nullable Boolean> defaultDecision(SpiffeId caller) {
		long currentGeneration = this.generation.get();
		DefaultDecision known = this.defaultDecision;
		if (known != null && known.generation() == currentGeneration) {
			return known.allowed();
		}
		String probe = SpiffeId
			.forService(caller.trustDomain(), DEFAULT_PROBE_NAME, caller.datacenter(), DEFAULT_PROBE_NAME)
			.toUri();
		CompletableFuture<@Nullable Boolean> allowed;
		try {
			allowed = this.client.authorizeAsync(new AuthorizeRequest(this.service, probe, null))
				.handle((answer, failure) -> {
					if (answer == null || !DEFAULT_REASONS.contains(answer.reason())) {
						return null;
					}
					return answer.authorized();
				});
		}
		catch (RuntimeException ex) {
			allowed = CompletableFuture.completedFuture(null);
		}
		allowed.thenAccept((value) -> {
			if (value != null) {
				this.defaultDecision = new DefaultDecision(currentGeneration, CompletableFuture.completedFuture(value));
			}
		});
		return allowed;
	}

	private CompletableFuture<AuthorizationDecision> ask(String caller, String serial, @Nullable Entry stale) {
		long askedGeneration = this.generation.get();
		CompletableFuture<AuthorizationDecision> result;
		try {
			result = this.client.authorizeAsync(new AuthorizeRequest(this.service, caller, serial))
				.handle((answer, failure) -> {
					if (answer != null) {
						AuthorizationDecision decision = new AuthorizationDecision(answer.authorized(), answer.reason(),
								AuthorizationDecision.Source.AGENT);
						if (this.generation.get() == askedGeneration) {
							this.cache.put(caller, new Entry(decision.allowed(), decision.reason(), System.nanoTime()));
						}
						return decision;
					}
					return whenAgentFails(caller, stale, failure);
				});
		}
		catch (RuntimeException ex) {
			result = CompletableFuture.completedFuture(whenAgentFails(caller, stale, ex));
		}
		return result;
	}

	private AuthorizationDecision whenAgentFails(String caller, @Nullable Entry stale, @Nullable Throwable failure) {
		String problem = (failure != null) ? String.valueOf(unwrap(failure).getMessage()) : "no answer";
		if (stale != null) {
			logger.warn("Authorization of " + caller + " uses a cached decision past its TTL because the agent could "
					+ "not answer: " + problem);
			return stale.decision(AuthorizationDecision.Source.STALE_CACHE);
		}
		boolean allowed = this.failureMode == FailureMode.ALLOW;
		logger.warn("Authorization of " + caller + " could not be decided by the agent (" + problem + "); "
				+ "connect.authz.failure-mode=" + this.failureMode.name().toLowerCase(java.util.Locale.ROOT) + " "
				+ (allowed ? "allows" : "denies") + " it");
		return new AuthorizationDecision(allowed, "agent unavailable: " + problem,
				AuthorizationDecision.Source.FAILURE_MODE);
	}

	private static Throwable unwrap(Throwable failure) {
		Throwable current = failure;
		while (current.getCause() != null && (current instanceof java.util.concurrent.CompletionException)) {
			current = current.getCause();
		}
		return current;
	}

	/**
	 * Return whether decisions are invalidated by an intentions watch (rather than a
	 * TTL).
	 * @return whether intentions are watched
	 */
	public boolean isWatchingIntentions() {
		return this.watchingIntentions;
	}

	/**
	 * Add a listener told about every inbound decision.
	 * @param listener the listener
	 */
	public void addListener(ConnectAuthorizationListener listener) {
		this.listeners.add(listener);
	}

	void decided(AuthorizationDecision decision) {
		tellListeners((listener) -> listener.decided(decision));
	}

	private void tellListeners(Consumer<ConnectAuthorizationListener> call) {
		for (ConnectAuthorizationListener listener : this.listeners) {
			try {
				call.accept(listener);
			}
			catch (RuntimeException ex) {
				logger.debug("Authorization listener " + listener + " failed", ex);
			}
		}
	}

	/**
	 * Return the intentions for this service as last seen by the intentions watch, most
	 * precise first, empty when the token cannot read them.
	 * @return the intentions
	 */
	public List<Intention> getIntentions() {
		Watch<Map<String, List<Intention>>> watch = this.intentionsWatch;
		Map<String, List<Intention>> current = (watch != null) ? watch.getCurrent() : null;
		if (current == null || !this.watchingIntentions) {
			return Collections.emptyList();
		}
		List<Intention> intentions = current.get(this.service);
		return (intentions != null) ? intentions : Collections.emptyList();
	}

	/**
	 * Return how long a decision is cached when intentions cannot be watched.
	 * @return the cache TTL
	 */
	public Duration getCacheTtl() {
		return this.cacheTtl;
	}

	/**
	 * Return the number of cached decisions.
	 * @return the cache size
	 */
	public int getCacheSize() {
		return this.cache.size();
	}

	@Override
	public void close() {
		Watch<?> watch = this.intentionsWatch;
		this.intentionsWatch = null;
		if (watch != null) {
			watch.stop();
		}
	}

	/**
	 * What to decide for a caller with no cached decision when the agent cannot answer.
	 */
	public enum FailureMode {

		/**
		 * Refuse the caller (secure default).
		 */
		DENY,

		/**
		 * Let the caller through.
		 */
		ALLOW

	}

	private record DefaultDecision(long generation, CompletableFuture<@Nullable Boolean> allowed) {

	}

	private final class Entry {

		private final boolean allowed;

		private final String reason;

		private final long createdNanos;

		Entry(boolean allowed, String reason, long createdNanos) {
			this.allowed = allowed;
			this.reason = reason;
			this.createdNanos = createdNanos;
		}

		boolean isFresh(long now, boolean watched) {
			return watched || now - this.createdNanos < ConnectAuthorizer.this.cacheTtl.toNanos();
		}

		AuthorizationDecision decision(AuthorizationDecision.Source source) {
			return new AuthorizationDecision(this.allowed, this.reason, source);
		}

	}

}
