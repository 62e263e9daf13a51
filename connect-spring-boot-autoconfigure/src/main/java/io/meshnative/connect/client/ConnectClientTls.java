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

import java.time.Clock;

import javax.net.ssl.SSLException;

import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.identity.SpiffeId;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

/**
 * Builds the TLS context of outbound mesh connections: the service's current leaf as
 * client certificate (read per handshake) and verification of each server's SPIFFE ID
 * against {@link ExpectedServerIdentities}. TLS 1.2 and 1.3 only; no host name check
 * (mesh certificates carry only a SPIFFE ID, which is checked instead).
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConnectClientTls {

	private ConnectClientTls() {
	}

	/**
	 * Create a Netty client SSL context.
	 * @param identityManager the source of the current leaf and roots
	 * @param expected the identity every server must present (service, namespace,
	 * datacenter, partition)
	 * @return the SSL context
	 */
	public static SslContext nettyClientContext(ConnectIdentityManager identityManager, SpiffeId expected) {
		try {
			return SslContextBuilder.forClient()
				.keyManager(new IdentityKeyManager(identityManager))
				.trustManager(new ServerIdentityTrustManager(identityManager, expected, Clock.systemUTC()))
				.protocols("TLSv1.3", "TLSv1.2")
				.build();
		}
		catch (SSLException ex) {
			throw new IllegalStateException("Could not create the TLS context for outbound mesh calls", ex);
		}
	}

}
