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

package io.meshnative.connect.agentless.internal;

/**
 * Thrown when a login to Consul with an auth method fails.
 *
 * @author connect-spring-boot authors
 */
public final class ConsulLoginException extends RuntimeException {

	private final boolean transientFailure;

	ConsulLoginException(String message, boolean transientFailure, Throwable cause) {
		super(message, cause);
		this.transientFailure = transientFailure;
	}

	/**
	 * Return whether trying again may succeed (server unreachable or rate limiting).
	 * @return whether the failure is transient
	 */
	public boolean isTransient() {
		return this.transientFailure;
	}

}
