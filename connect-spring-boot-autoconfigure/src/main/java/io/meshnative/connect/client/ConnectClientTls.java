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

import java.security.GeneralSecurityException;
import java.time.Clock;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;

import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.identity.SpiffeId;
import io.meshnative.connect.identity.internal.IdentityKeyManager;
import io.meshnative.connect.identity.internal.MeshTls;
import io.meshnative.connect.identity.internal.SvidTrustManager;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

/**
 * Builds the TLS context of outbound mesh connections: the service's current leaf as
 * client certificate (read per handshake), the server's chain verified against the
 * current roots and its SPIFFE ID against the identity the caller expects. TLS 1.2 and
 * 1.3 only; no host name check (mesh certificates carry a SPIFFE ID, which is checked
 * instead).
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
				.trustManager(SvidTrustManager.forServers(identityManager, expected, Clock.systemUTC()))
				.protocols(MeshTls.protocols())
				.build();
		}
		catch (SSLException ex) {
			throw new IllegalStateException("Could not create the TLS context for outbound mesh calls", ex);
		}
	}

	/**
	 * Create a JDK SSL context for clients that are not {@code @ConnectClient}s (for
	 * example an {@code HttpClient} calling an instance chosen through Spring Cloud
	 * LoadBalancer): it presents the service's current leaf and accepts only servers
	 * presenting {@code expected}. Host names are not checked, the SPIFFE ID is.
	 * Protocols are the JDK's defaults, which are TLS 1.3 and 1.2 on JDK 17 and later.
	 * @param identityManager the source of the current leaf and roots
	 * @param expected the identity every server must present
	 * @return the SSL context
	 */
	public static SSLContext jdkClientContext(ConnectIdentityManager identityManager, SpiffeId expected) {
		try {
			SSLContext context = SSLContext.getInstance("TLS");
			context.init(new KeyManager[] { new IdentityKeyManager(identityManager) },
					new TrustManager[] { SvidTrustManager.forServers(identityManager, expected, Clock.systemUTC()) },
					null);
			return context;
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("Could not create the TLS context for outbound mesh calls", ex);
		}
	}

}
