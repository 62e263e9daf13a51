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

import org.jspecify.annotations.Nullable;

/**
 * The outcome of checking one inbound request: the decision and, when the certificate was
 * valid, the caller.
 *
 * @param decision the decision
 * @param caller the caller, {@code null} when the certificate was missing or invalid
 * @param method the request method decided on, {@code null} for a connection
 * @param path the request path decided on (decoded once, {@code ;} parameters cut),
 * {@code null} for a connection
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public record InboundDecision(AuthorizationDecision decision, @Nullable ConnectCaller caller, @Nullable String method,
		@Nullable String path) {

	/**
	 * Return whether the caller may proceed.
	 * @return whether the decision allows
	 */
	public boolean allowed() {
		return this.decision.allowed();
	}

	/**
	 * Return whether the request was refused before any decision because its target is
	 * not canonical: answer {@code 400}, not {@code 403}.
	 * @return whether the request was refused
	 */
	public boolean refused() {
		return this.decision.source() == AuthorizationDecision.Source.REQUEST;
	}

	/**
	 * Describe the caller for a log line: its SPIFFE ID, or that it had no valid
	 * certificate.
	 * @return the description
	 */
	public String describeCaller() {
		return (this.caller != null) ? this.caller.spiffeId() : "(no valid client certificate)";
	}

}
