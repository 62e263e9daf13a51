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

package io.meshnative.connect.identity.internal;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.meshnative.connect.identity.SpiffeId;

/**
 * Remembers the caller chains that passed {@link SvidValidator#validateClient}, so that
 * the requests of a kept-alive connection do not each repeat PKIX path validation (an
 * ECDSA verification per certificate, hundreds of microseconds on the JDK). A remembered
 * result is used only for the same chain (certificates compared by encoding), validated
 * against the same roots (the list of an identity snapshot, compared by identity, so
 * every identity update starts afresh) and trust domain, and only while the time lies
 * within the validity of every certificate of the chain; otherwise the chain is validated
 * again. Failures are never remembered. At most {@value #MAX_ENTRIES} chains are kept;
 * beyond that everything is forgotten at once.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ValidatedChains {

	static final int MAX_ENTRIES = 1024;

	private final SvidValidator validator;

	private final Map<List<X509Certificate>, Entry> entries = new ConcurrentHashMap<>();

	/**
	 * Create a new instance.
	 * @param validator the validator of chains not remembered
	 */
	public ValidatedChains(SvidValidator validator) {
		this.validator = validator;
	}

	/**
	 * Validate a client chain, or return the remembered result of an earlier validation.
	 * @param chain the chain the peer sent, leaf first
	 * @param roots the roots of the current identity snapshot
	 * @param trustDomain the trust domain
	 * @param now the validation time
	 * @return the caller's identity
	 * @throws SvidValidationException if the chain is not acceptable
	 */
	public SpiffeId validateClient(X509Certificate[] chain, List<X509Certificate> roots, String trustDomain,
			Instant now) throws SvidValidationException {
		if (chain.length == 0 || Arrays.asList(chain).contains(null)) {
			return this.validator.validateClient(chain, roots, trustDomain, now);
		}
		List<X509Certificate> key = List.of(chain);
		Entry entry = this.entries.get(key);
		if (entry != null && entry.roots() == roots && entry.trustDomain().equals(trustDomain)
				&& entry.validity().contains(now)) {
			return entry.spiffeId();
		}
		SpiffeId spiffeId = this.validator.validateClient(chain, roots, trustDomain, now);
		if (this.entries.size() >= MAX_ENTRIES) {
			this.entries.clear();
		}
		this.entries.put(key, new Entry(roots, trustDomain, spiffeId, ChainValidity.of(chain)));
		return spiffeId;
	}

	int size() {
		return this.entries.size();
	}

	/**
	 * A remembered validation.
	 *
	 * @param roots the roots it was validated against, compared by identity
	 * @param trustDomain the trust domain it was validated for
	 * @param spiffeId the result
	 * @param validity when every certificate of the chain is valid
	 */
	private record Entry(List<X509Certificate> roots, String trustDomain, SpiffeId spiffeId, ChainValidity validity) {

	}

}
