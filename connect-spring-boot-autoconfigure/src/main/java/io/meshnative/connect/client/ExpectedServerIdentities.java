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

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.meshnative.connect.identity.SpiffeId;
import org.jspecify.annotations.Nullable;

/**
 * Which mesh identity the server at an address must present: filled from the endpoints of
 * each upstream target (the service of a native instance, the destination service of a
 * sidecar) and read in every TLS handshake. A server at an address with no expectation is
 * refused.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ExpectedServerIdentities {

	private final Map<String, SpiffeId> expected = new ConcurrentHashMap<>();

	/**
	 * Record the identity the server at an address must present.
	 * @param host the address dialled
	 * @param port the port dialled
	 * @param identity the expected identity
	 */
	public void expect(String host, int port, SpiffeId identity) {
		this.expected.put(key(host, port), identity);
	}

	/**
	 * Return the identity the server at an address must present.
	 * @param host the address dialled
	 * @param port the port dialled
	 * @return the expected identity, or {@code null} if none is known
	 */
	public @Nullable SpiffeId expectedFor(@Nullable String host, int port) {
		return (host != null) ? this.expected.get(key(host, port)) : null;
	}

	private static String key(String host, int port) {
		return host.toLowerCase(Locale.ROOT) + ":" + port;
	}

}
