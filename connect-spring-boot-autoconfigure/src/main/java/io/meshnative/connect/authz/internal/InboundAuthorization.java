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

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.meshnative.connect.authz.AuthorizationDecision;
import io.meshnative.connect.authz.ConnectAuthorizer;
import io.meshnative.connect.authz.ConnectCaller;
import io.meshnative.connect.authz.InboundDecision;
import io.meshnative.connect.identity.ConnectIdentity;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.identity.SpiffeId;
import io.meshnative.connect.identity.internal.SvidValidationException;
import io.meshnative.connect.identity.internal.SvidValidator;
import io.meshnative.connect.identity.internal.ValidatedChains;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The check both inbound filters
 * ({@link io.meshnative.connect.authz.servlet.ConnectAuthorizationFilter} and
 * {@link io.meshnative.connect.authz.reactive.ConnectAuthorizationWebFilter}) run for
 * every request: validate the caller's certificate chain against the current roots and
 * trust domain (before anything looks at the caller's identity; a chain already validated
 * against the same roots is not validated again, see {@link ValidatedChains}), then
 * decide with the {@link ConnectAuthorizer}, which evaluates the HTTP permissions of an
 * L7 intention against the canonical request.
 *
 * <p>
 * Also used by the Connect proxy, which checks connections ({@link #checkConnection}) and
 * requests ({@link #checkRequest}) with exactly the rules the filters apply. Every check
 * is local and returns at once.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class InboundAuthorization {

	private static final Log logger = LogFactory.getLog(InboundAuthorization.class);

	private static final char[] HEX_DIGITS = "0123456789abcdef".toCharArray();

	static final int MAX_CALLERS = 1024;

	private final ConnectIdentityManager identityManager;

	private final ConnectAuthorizer authorizer;

	private final ValidatedChains validatedChains = new ValidatedChains(new SvidValidator());

	/**
	 * The caller of each leaf certificate seen, so that the requests of a kept-alive
	 * connection do not each format the SPIFFE ID and the serial number again. Keys
	 * compare by encoding; an entry is used only with the {@link SpiffeId} it was made
	 * from. Cleared at once beyond {@value #MAX_CALLERS} entries.
	 */
	private final Map<X509Certificate, CachedCaller> callers = new ConcurrentHashMap<>();

	private final Clock clock;

	/**
	 * Create a new instance.
	 * @param identityManager the service's identity, whose roots and trust domain the
	 * caller's chain is validated against
	 * @param authorizer the authorizer of the service
	 */
	public InboundAuthorization(ConnectIdentityManager identityManager, ConnectAuthorizer authorizer) {
		this(identityManager, authorizer, Clock.systemUTC());
	}

	InboundAuthorization(ConnectIdentityManager identityManager, ConnectAuthorizer authorizer, Clock clock) {
		this.identityManager = identityManager;
		this.authorizer = authorizer;
		this.clock = clock;
	}

	/**
	 * Check a connection (layer 4): validate the caller's chain, then decide. A caller
	 * whose intention carries HTTP permissions is denied, since a connection has no
	 * request to evaluate them against.
	 * @param chain the chain the caller presented, leaf first; {@code null} or empty when
	 * it presented none
	 * @return the outcome
	 */
	public InboundDecision checkConnection(X509Certificate @Nullable [] chain) {
		return decided(decide(chain, null));
	}

	/**
	 * Check a request (layer 7): refuse it unless its request target is canonical (see
	 * docs/security-model.md), then check it as {@link #checkConnection} does and, when
	 * the caller's intention carries HTTP permissions, evaluate them against the request.
	 * The caller must forward or serve exactly {@code requestTarget} when the outcome
	 * allows.
	 * @param chain the chain the caller presented, leaf first
	 * @param method the request method
	 * @param requestTarget the request target as it appeared on the request line
	 * @param names the request's header names
	 * @param values the values of a header name
	 * @return the outcome; {@link InboundDecision#refused()} when the target is not
	 * canonical (answer {@code 400})
	 */
	public InboundDecision checkRequest(X509Certificate @Nullable [] chain, String method, String requestTarget,
			Iterable<String> names, Function<String, ? extends Iterable<String>> values) {
		RequestTarget target;
		try {
			target = RequestTarget.parse(requestTarget);
		}
		catch (NonCanonicalRequestException ex) {
			return refuse(ex);
		}
		return check(chain, L7Request.of(method, target, names, values));
	}

	/**
	 * Check a request whose target was already found canonical.
	 * @param chain the chain the caller presented, leaf first
	 * @param request the request
	 * @return the outcome
	 */
	public InboundDecision check(X509Certificate @Nullable [] chain, L7Request request) {
		return decided(decide(chain, request));
	}

	/**
	 * Record a refusal of a non-canonical request and return its outcome.
	 * @param refusal why the request target is not canonical
	 * @return the outcome, {@link InboundDecision#refused()}
	 */
	public InboundDecision refuse(NonCanonicalRequestException refusal) {
		this.authorizer.refused(refusal.getReason().tag());
		return new InboundDecision(new AuthorizationDecision(false, "request refused: " + refusal.getMessage(),
				AuthorizationDecision.Source.REQUEST), null, null, null);
	}

	private InboundDecision decided(InboundDecision outcome) {
		this.authorizer.decided(outcome);
		return outcome;
	}

	private InboundDecision decide(X509Certificate @Nullable [] chain, @Nullable L7Request request) {
		String method = (request != null) ? request.method() : null;
		String path = (request != null) ? request.target().path() : null;
		if (chain == null || chain.length == 0) {
			return new InboundDecision(denied("no client certificate"), null, method, path);
		}
		ConnectIdentity identity = this.identityManager.getIdentity();
		SpiffeId spiffeId;
		try {
			spiffeId = this.validatedChains.validateClient(chain, identity.getRoots(), identity.getTrustDomain(),
					this.clock.instant());
		}
		catch (SvidValidationException ex) {
			return new InboundDecision(
					denied("invalid client certificate (" + ex.getReason() + "): " + ex.getMessage()), null, method,
					path);
		}
		ConnectCaller caller = caller(spiffeId, chain[0]);
		AuthorizationDecision decision = (request != null) ? this.authorizer.authorize(spiffeId, request)
				: this.authorizer.authorize(spiffeId);
		return new InboundDecision(decision, caller, method, path);
	}

	/**
	 * Return the caller for a validated chain: the identity validation gave and the
	 * serial number of the leaf.
	 * @param spiffeId the identity of the validated chain
	 * @param leaf its leaf
	 * @return the caller
	 */
	ConnectCaller caller(SpiffeId spiffeId, X509Certificate leaf) {
		CachedCaller cached = this.callers.get(leaf);
		if (cached != null && (cached.spiffeId() == spiffeId || cached.spiffeId().equals(spiffeId))) {
			return cached.caller();
		}
		ConnectCaller caller = new ConnectCaller(spiffeId.toUri(), spiffeId.trustDomain(), spiffeId.partition(),
				spiffeId.namespace(), spiffeId.datacenter(), spiffeId.service(), serial(leaf.getSerialNumber()));
		if (this.callers.size() >= MAX_CALLERS) {
			this.callers.clear();
		}
		this.callers.put(leaf, new CachedCaller(spiffeId, caller));
		return caller;
	}

	int cachedCallers() {
		return this.callers.size();
	}

	private static AuthorizationDecision denied(String reason) {
		return new AuthorizationDecision(false, reason, AuthorizationDecision.Source.CERTIFICATE);
	}

	/**
	 * Log a denied request (at info level).
	 * @param outcome the outcome of the check
	 * @param method the request method
	 * @param path the raw path of the request
	 */
	public void logDenied(InboundDecision outcome, String method, String path) {
		if (logger.isInfoEnabled()) {
			logger.info("Denied " + method + " " + path + " from " + outcome.describeCaller() + ": "
					+ outcome.decision().reason() + " [" + outcome.decision().source() + "]");
		}
	}

	/**
	 * Log a refused request (at debug level).
	 * @param outcome the outcome of the refusal
	 * @param method the request method
	 */
	public void logRefused(InboundDecision outcome, String method) {
		if (logger.isDebugEnabled()) {
			logger.debug("Refused a " + method + " request (400): " + outcome.decision().reason());
		}
	}

	/**
	 * Format a serial number the way Consul does: lower-case hex bytes joined by colons.
	 * @param serial the serial number
	 * @return the colon-hex form
	 */
	static String serial(BigInteger serial) {
		byte[] bytes = serial.toByteArray();
		int start = (bytes.length > 1 && bytes[0] == 0) ? 1 : 0;
		StringBuilder hex = new StringBuilder(3 * (bytes.length - start));
		for (int i = start; i < bytes.length; i++) {
			if (hex.length() > 0) {
				hex.append(':');
			}
			hex.append(HEX_DIGITS[(bytes[i] >> 4) & 0xf]).append(HEX_DIGITS[bytes[i] & 0xf]);
		}
		return hex.toString();
	}

	/**
	 * A caller remembered for a leaf certificate.
	 *
	 * @param spiffeId the identity it was made from
	 * @param caller the caller
	 */
	private record CachedCaller(SpiffeId spiffeId, ConnectCaller caller) {

	}

}
