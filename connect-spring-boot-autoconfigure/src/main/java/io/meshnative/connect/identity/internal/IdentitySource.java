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

import java.time.Duration;

import io.meshnative.connect.agent.internal.CaRoots;
import io.meshnative.connect.agent.internal.LeafCertificate;

/**
 * Where a {@code ConnectIdentityManager} gets its roots and leaf from when it does not
 * ask the local Consul agent: for example the Consul servers in agentless mode. The
 * manager loads the first material with {@link #load(Duration)}, then the source tells it
 * about every change until {@link #close() closed}.
 *
 * @author connect-spring-boot authors
 */
public interface IdentitySource extends AutoCloseable {

	/**
	 * Load the first roots and leaf, retrying transient failures within the timeout.
	 * @param timeout the longest time the call may take
	 * @return the roots and the leaf
	 * @throws RuntimeException with a message that says what to do if the material cannot
	 * be loaded
	 */
	Material load(Duration timeout);

	/**
	 * Start following changes; called once, after {@link #load(Duration)}.
	 * @param listener told about every change
	 */
	void start(Listener listener);

	/**
	 * Describe the source for log and error messages, for example
	 * {@code the Consul servers at 10.0.0.1:8502}.
	 * @return the description
	 */
	String describe();

	/**
	 * Stop following changes and release what the source holds.
	 */
	@Override
	void close();

	/**
	 * The roots and the leaf loaded at start.
	 *
	 * @param roots the roots
	 * @param leaf the leaf
	 */
	record Material(CaRoots roots, LeafCertificate leaf) {

	}

	/**
	 * Told about changes of the material.
	 */
	interface Listener {

		/**
		 * New roots arrived.
		 * @param roots the roots
		 */
		void rootsChanged(CaRoots roots);

		/**
		 * A new leaf was issued.
		 * @param leaf the leaf
		 */
		void leafChanged(LeafCertificate leaf);

		/**
		 * An update could not be obtained or used; the last good material stays.
		 * @param reason why, without secrets
		 */
		void rejected(String reason);

	}

}
