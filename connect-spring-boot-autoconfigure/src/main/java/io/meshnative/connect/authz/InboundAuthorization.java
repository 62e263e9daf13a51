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

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

import io.meshnative.connect.identity.ConnectIdentity;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.identity.SpiffeId;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The check both inbound filters run for every request: validate the caller's certificate
 * chain against the current roots and trust domain (before anything looks at the caller's
 * identity; a chain already validated against the same roots is not validated again, see
 * {@link ValidatedChains}), then ask the {@link ConnectAuthorizer}, which evaluates the
 * HTTP permissions of an L7 intention against the request.
 *
 * <p>
 * Public for callers other than the two filters, such as the Connect proxy, which checks
 * connections ({@link #checkConnection}) and requests ({@link #checkRequest}) with
 * exactly the rules the filters apply.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class InboundAuthorization {

	private static final Log logger = LogFactory.getLog(InboundAuthorization.class);

	private final ConnectIdentityManager identityManager;

	private final ConnectAuthorizer authorizer;

	private final ValidatedChains validatedChains = new ValidatedChains(new SvidValidator());

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
	 * Check a connection (layer 4): validate the caller's chain, then ask for the
	 * caller's decision. A caller whose intention carries HTTP permissions is denied,
	 * since a connection has no request to evaluate them against.
	 * @param chain the chain the caller presented, leaf first; {@code null} or empty when
	 * it presented none
	 * @return the outcome; never completes exceptionally
	 */
	public CompletableFuture<InboundDecision> checkConnection(X509Certificate @Nullable [] chain) {
		return decide(chain, null).thenApply(this::decided);
	}

	/**
	 * Check a request (layer 7): as {@link #checkConnection}, and when the caller's
	 * intention carries HTTP permissions, evaluate them against the request.
	 * @param chain the chain the caller presented, leaf first
	 * @param method the request method
	 * @param rawPath the raw (undecoded) path of the request target
	 * @param hasFragment whether the request target carried a fragment
	 * @param names the request's header names
	 * @param values the values of a header name
	 * @return the outcome; never completes exceptionally
	 */
	public CompletableFuture<InboundDecision> checkRequest(X509Certificate @Nullable [] chain, String method,
			String rawPath, boolean hasFragment, Iterable<String> names,
			Function<String, ? extends Iterable<String>> values) {
		return check(chain, () -> L7Request.of(method, rawPath, hasFragment, names, values));
	}

	CompletableFuture<InboundDecision> check(X509Certificate @Nullable [] chain, Supplier<L7Request> request) {
		return decide(chain, request).thenApply(this::decided);
	}

	private InboundDecision decided(InboundDecision outcome) {
		this.authorizer.decided(outcome.decision());
		return outcome;
	}

	private CompletableFuture<InboundDecision> decide(X509Certificate @Nullable [] chain,
			@Nullable Supplier<L7Request> request) {
		if (chain == null || chain.length == 0) {
			return CompletableFuture.completedFuture(denied("no client certificate", null));
		}
		ConnectIdentity identity = this.identityManager.getIdentity();
		SpiffeId spiffeId;
		try {
			spiffeId = this.validatedChains.validateClient(chain, identity.getRoots(), identity.getTrustDomain(),
					this.clock.instant());
		}
		catch (SvidValidationException ex) {
			return CompletableFuture.completedFuture(
					denied("invalid client certificate (" + ex.getReason() + "): " + ex.getMessage(), null));
		}
		String uri = spiffeId.toUri();
		ConnectCaller caller = new ConnectCaller(uri, spiffeId.trustDomain(), spiffeId.partition(),
				spiffeId.namespace(), spiffeId.datacenter(), spiffeId.service(), serial(chain[0].getSerialNumber()));
		CompletableFuture<AuthorizationDecision> decision = (request != null)
				? this.authorizer.authorizeRequest(spiffeId, caller.serialNumber(), request)
				: this.authorizer.authorize(uri, caller.serialNumber());
		return decision.thenApply((answer) -> new InboundDecision(answer, caller));
	}

	private static InboundDecision denied(String reason, @Nullable ConnectCaller caller) {
		return new InboundDecision(new AuthorizationDecision(false, reason, AuthorizationDecision.Source.LOCAL),
				caller);
	}

	void logDenied(InboundDecision outcome, String method, String path) {
		if (logger.isInfoEnabled()) {
			logger.info("Denied " + method + " " + path + " from " + outcome.describeCaller() + ": "
					+ outcome.decision().reason() + " [" + outcome.decision().source() + "]");
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
		StringBuilder hex = new StringBuilder();
		for (int i = start; i < bytes.length; i++) {
			if (hex.length() > 0) {
				hex.append(':');
			}
			hex.append(String.format("%02x", bytes[i] & 0xff));
		}
		return hex.toString();
	}

}
