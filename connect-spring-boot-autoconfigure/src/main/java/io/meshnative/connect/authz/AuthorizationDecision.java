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
 * The decision about one caller.
 *
 * @param allowed whether the caller may proceed
 * @param reason why, for logs (never sent to the caller)
 * @param source where the decision came from
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public record AuthorizationDecision(boolean allowed, String reason, Source source) {

	/**
	 * Where a decision came from.
	 */
	public enum Source {

		/**
		 * An intention for this service: its action, or one of its HTTP permissions.
		 */
		INTENTION,

		/**
		 * The default decision: no intention, or no permission of the caller's L7
		 * intention, matched.
		 */
		DEFAULT,

		/**
		 * The intentions (or the default decision, when it was needed) were not known;
		 * {@code connect.authz.failure-mode} decided.
		 */
		FAILURE_MODE,

		/**
		 * The caller's certificate: none, or not a valid service identity of this mesh.
		 */
		CERTIFICATE,

		/**
		 * The request itself: its target is not canonical, so it was refused
		 * ({@code 400}) before any decision about the caller.
		 */
		REQUEST

	}

}
