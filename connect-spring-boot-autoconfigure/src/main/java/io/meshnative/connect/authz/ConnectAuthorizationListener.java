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

/**
 * Told about every inbound authorization decision, for metrics, and about changes of the
 * intentions.
 * <p>
 * Called on the request's thread (or the watch's thread for intention changes); must be
 * fast and must not throw.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@FunctionalInterface
public interface ConnectAuthorizationListener {

	/**
	 * Called after a request was allowed or denied.
	 * @param decision the decision, with its source
	 */
	void decided(AuthorizationDecision decision);

	/**
	 * Called after the intentions of the service changed and the decision cache was
	 * cleared, so that holders of long-lived connections can authorize them again.
	 */
	default void intentionsChanged() {
	}

	/**
	 * Called after a request or connection was allowed or denied, with what was checked.
	 * @param outcome the outcome: the decision, the caller and, for a request, the method
	 * and path decided on
	 */
	default void checked(InboundDecision outcome) {
	}

	/**
	 * Called when a request was refused ({@code 400}) before any decision because its
	 * request target is not canonical.
	 * @param reason the kind of refusal, a bounded set of lower-case values such as
	 * {@code dot-segment} or {@code encoded-separator}
	 */
	default void refused(String reason) {
	}

}
