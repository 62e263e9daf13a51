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

/**
 * The time window in which every certificate of a chain is valid: from the latest start
 * of validity to the earliest end. A remembered validation of the chain holds only within
 * it.
 *
 * @param notBefore the latest start of validity in the chain
 * @param notAfter the earliest end of validity in the chain
 * @author connect-spring-boot authors
 */
record ChainValidity(Instant notBefore, Instant notAfter) {

	static ChainValidity of(X509Certificate[] chain) {
		Instant latestStart = Instant.MIN;
		Instant earliestEnd = Instant.MAX;
		for (X509Certificate certificate : chain) {
			Instant start = certificate.getNotBefore().toInstant();
			Instant end = certificate.getNotAfter().toInstant();
			latestStart = start.isAfter(latestStart) ? start : latestStart;
			earliestEnd = end.isBefore(earliestEnd) ? end : earliestEnd;
		}
		return new ChainValidity(latestStart, earliestEnd);
	}

	boolean contains(Instant time) {
		return !time.isBefore(this.notBefore) && !time.isAfter(this.notAfter);
	}

}
