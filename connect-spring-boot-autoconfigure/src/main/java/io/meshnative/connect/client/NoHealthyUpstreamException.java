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

package io.meshnative.connect.client;

import java.net.ConnectException;
import java.util.List;

/**
 * Thrown when a call to an upstream finds no healthy endpoint in any target of its
 * discovery chain (primary and failover), or every endpoint tried refused the connection.
 * Fails fast; nothing was sent.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public class NoHealthyUpstreamException extends ConnectException {

	private final String upstream;

	private final List<String> targets;

	/**
	 * Create a new instance.
	 * @param upstream the upstream name
	 * @param targets the IDs of the targets tried, in order
	 * @param detail what happened
	 */
	public NoHealthyUpstreamException(String upstream, List<String> targets, String detail) {
		super("No healthy endpoint for upstream '" + upstream + "' (targets tried: " + String.join(", ", targets)
				+ "): " + detail);
		this.upstream = upstream;
		this.targets = List.copyOf(targets);
	}

	/**
	 * Return the upstream name.
	 * @return the upstream
	 */
	public String getUpstream() {
		return this.upstream;
	}

	/**
	 * Return the IDs of the targets tried, in order.
	 * @return the targets
	 */
	public List<String> getTargets() {
		return this.targets;
	}

}
