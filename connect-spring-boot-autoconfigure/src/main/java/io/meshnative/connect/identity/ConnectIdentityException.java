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

package io.meshnative.connect.identity;

import org.jspecify.annotations.Nullable;

/**
 * Thrown at start-up when the service's identity (roots and leaf) cannot be loaded from
 * the Consul agent in time. The message names the service, the agent address, what the
 * agent answered and how to fix it.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public class ConnectIdentityException extends RuntimeException {

	/**
	 * Create a new instance.
	 * @param message the message
	 * @param cause the cause
	 */
	public ConnectIdentityException(String message, @Nullable Throwable cause) {
		super(message, cause);
	}

}
