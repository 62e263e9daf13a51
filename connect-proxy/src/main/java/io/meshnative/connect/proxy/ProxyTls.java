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

package io.meshnative.connect.proxy;

import java.time.Clock;

import javax.net.ssl.SSLException;

import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.identity.internal.IdentityKeyManager;
import io.meshnative.connect.identity.internal.MeshTls;
import io.meshnative.connect.identity.internal.SvidTrustManager;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

/**
 * The TLS context of the public listener: it presents the current leaf of the service
 * (with the agent's intermediates) and requires a client certificate that validates
 * against the current roots, read at every handshake, so a rotation needs no rebuild. The
 * caller's identity is then checked again, and authorized, by
 * {@link io.meshnative.connect.authz.internal.InboundAuthorization}.
 *
 * @author connect-spring-boot authors
 */
final class ProxyTls {

	private ProxyTls() {
	}

	static SslContext serverContext(ConnectIdentityManager identityManager) {
		try {
			return SslContextBuilder.forServer(new IdentityKeyManager(identityManager))
				.trustManager(SvidTrustManager.forClients(identityManager, Clock.systemUTC()))
				.clientAuth(ClientAuth.REQUIRE)
				.protocols(MeshTls.protocols())
				.build();
		}
		catch (SSLException ex) {
			throw new IllegalStateException("Could not create the TLS context of the public listener", ex);
		}
	}

}
