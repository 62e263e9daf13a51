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
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.ConsulAgentException;
import io.meshnative.connect.agent.internal.Intention;
import io.meshnative.connect.authz.internal.InboundAuthorization;
import io.meshnative.connect.authz.internal.IntentionRules;
import io.meshnative.connect.authz.internal.IntentionsWatcher;
import io.meshnative.connect.authz.internal.L7Request;
import io.meshnative.connect.identity.SpiffeId;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether a caller, identified by the SPIFFE ID of its validated certificate, may
 * call this service: locally, from the intentions for this service as the intentions
 * watch last delivered them and the default decision ({@link IntentionRules}), for a
 * connection (L4) or a request (L4 and L7). No decision calls the agent.
 * <p>
 * While the intentions are not known (never read yet, or the ACL token may not read
 * them), and when no intention matches and the default decision is not known, the
 * {@link FailureMode failure mode} decides (deny by default).
 * <p>
 * Supported API: the bean to {@link #addListener add listeners} to, and its
 * {@link FailureMode}. Its other public methods serve the starter's own packages,
 * {@code connect-proxy} and the benchmarks; they are not part of the supported API and
 * may change without notice.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConnectAuthorizer implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(ConnectAuthorizer.class);

	private final String service;

	private final FailureMode failureMode;

	private final IntentionsWatcher watcher;

	private final List<ConnectAuthorizationListener> listeners = new CopyOnWriteArrayList<>();

	private volatile IntentionRules rules = IntentionRules.unavailable("the intentions have not been read yet");

	/**
	 * Create a new instance.
	 * @param client the agent client
	 * @param service this service's name
	 * @param failureMode what to decide while the intentions, or the default decision
	 * when it is needed, are not known
	 * @param watchWait the {@code wait} of the intentions watch
	 */
	public ConnectAuthorizer(ConsulAgentClient client, String service, FailureMode failureMode, Duration watchWait) {
		this.service = service;
		this.failureMode = failureMode;
		this.watcher = new IntentionsWatcher(client, service, watchWait, this::rulesChanged);
	}

	/**
	 * Start watching the intentions for this service.
	 * @return this authorizer
	 */
	public ConnectAuthorizer start() {
		this.watcher.start();
		return this;
	}

	/**
	 * Wait until the intentions were read once (or refused), so that the first requests
	 * are decided by them rather than by the failure mode.
	 * @param timeout how long to wait at most
	 * @return whether the intentions are known
	 * @throws ConsulAgentException if the ACL token may not read the intentions and the
	 * failure mode denies, so that every request would be denied
	 */
	public boolean awaitIntentions(Duration timeout) {
		if (!this.watcher.awaitFirstAnswer(timeout)) {
			logger.warn("The intentions for '" + this.service + "' were not read within " + timeout
					+ "; connect.authz.failure-mode decides requests until they are");
			return false;
		}
		ConsulAgentException refusal = this.watcher.getRefusal();
		if (refusal != null && this.failureMode == FailureMode.DENY) {
			throw refusal;
		}
		return isWatchingIntentions();
	}

	private void rulesChanged(IntentionRules compiled) {
		this.rules = compiled;
		for (ConnectAuthorizationListener listener : this.listeners) {
			try {
				listener.intentionsChanged();
			}
			catch (RuntimeException ex) {
				logger.debug("Authorization listener " + listener + " failed", ex);
			}
		}
	}

	/**
	 * Decide about a connection (layer 4): a caller whose first matching intention is an
	 * L7 intention is denied, since a connection has no request to evaluate its
	 * permissions against.
	 * @param caller the SPIFFE ID from the caller's validated certificate
	 * @return the decision
	 */
	public AuthorizationDecision authorize(SpiffeId caller) {
		return decide(caller, null);
	}

	/**
	 * Decide about a request (layers 4 and 7). Not part of the supported API: used by
	 * {@link InboundAuthorization}.
	 * @param caller the SPIFFE ID from the caller's validated certificate
	 * @param request the request
	 * @return the decision
	 */
	public AuthorizationDecision authorize(SpiffeId caller, L7Request request) {
		return decide(caller, request);
	}

	private AuthorizationDecision decide(SpiffeId caller, @Nullable L7Request request) {
		IntentionRules.Evaluation evaluation;
		try {
			evaluation = this.rules.decide(caller, request);
		}
		catch (RuntimeException ex) {
			evaluation = IntentionRules.Evaluation
				.unknown("the intentions could not be evaluated (" + ex.getClass().getSimpleName() + ")");
		}
		return switch (evaluation.kind()) {
			case INTENTION -> new AuthorizationDecision(evaluation.allowed(), evaluation.reason(),
					AuthorizationDecision.Source.INTENTION);
			case DEFAULT -> new AuthorizationDecision(evaluation.allowed(), evaluation.reason(),
					AuthorizationDecision.Source.DEFAULT);
			case UNKNOWN -> failureMode(caller, evaluation.reason());
		};
	}

	private AuthorizationDecision failureMode(SpiffeId caller, String problem) {
		boolean allowed = this.failureMode == FailureMode.ALLOW;
		if (logger.isDebugEnabled()) {
			logger.debug("Authorization of " + caller.toUri() + " cannot be decided (" + problem
					+ "); connect.authz.failure-mode=" + this.failureMode.name().toLowerCase(Locale.ROOT) + " "
					+ (allowed ? "allows" : "denies") + " it");
		}
		return new AuthorizationDecision(allowed, problem, AuthorizationDecision.Source.FAILURE_MODE);
	}

	/**
	 * Return whether decisions are made from intentions that were read (rather than by
	 * the failure mode).
	 * @return whether the intentions are known
	 */
	public boolean isWatchingIntentions() {
		return this.rules.getUnavailableReason() == null;
	}

	/**
	 * Return the default decision: what applies when no intention matches.
	 * @return whether the default allows, {@code null} when it is not known
	 */
	public @Nullable Boolean getDefaultAllow() {
		return this.rules.getDefaultAllow();
	}

	/**
	 * Add a listener told about every inbound decision and every change of the
	 * intentions.
	 * @param listener the listener
	 */
	public void addListener(ConnectAuthorizationListener listener) {
		this.listeners.add(listener);
	}

	/**
	 * Tell the listeners about a decision. Not part of the supported API: used by
	 * {@link InboundAuthorization}.
	 * @param outcome the outcome of an inbound check
	 */
	public void decided(InboundDecision outcome) {
		tellListeners((listener) -> {
			listener.decided(outcome.decision());
			listener.checked(outcome);
		});
	}

	/**
	 * Tell the listeners about a request refused before any decision. Not part of the
	 * supported API: used by {@link InboundAuthorization}.
	 * @param reason why, the tag of the refusal's reason
	 */
	public void refused(String reason) {
		tellListeners((listener) -> listener.refused(reason));
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
	 * precise first, empty while they are not known.
	 * @return the intentions
	 */
	public List<Intention> getIntentions() {
		return this.watcher.getIntentions();
	}

	@Override
	public void close() {
		this.watcher.close();
	}

	/**
	 * What to decide when the intentions, or the default decision when it is needed, are
	 * not known.
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

}
