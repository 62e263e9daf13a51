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
		 * The decision cache, filled by an earlier answer of the agent.
		 */
		CACHE,

		/**
		 * The agent's authorize endpoint, asked for this request.
		 */
		AGENT,

		/**
		 * A cached decision past its TTL, used because the agent could not answer.
		 */
		STALE_CACHE,

		/**
		 * Neither the cache nor the agent could decide;
		 * {@code connect.authz.failure-mode} did.
		 */
		FAILURE_MODE,

		/**
		 * Decided locally without asking the agent (for example an invalid certificate).
		 */
		LOCAL

	}

}
