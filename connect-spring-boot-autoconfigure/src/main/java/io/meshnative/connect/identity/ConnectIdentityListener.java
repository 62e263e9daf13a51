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

/**
 * Told about every new {@link ConnectIdentity} (a new leaf or new roots) and every update
 * that was rejected.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public interface ConnectIdentityListener {

	/**
	 * Called after the identity changed; the new identity is already current.
	 * @param previous the identity before the change
	 * @param current the new identity
	 */
	void identityChanged(ConnectIdentity previous, ConnectIdentity current);

	/**
	 * Called when an update from the agent could not be used; the previous identity stays
	 * current.
	 * @param reason why the update was rejected
	 */
	default void updateRejected(String reason) {
	}

}
