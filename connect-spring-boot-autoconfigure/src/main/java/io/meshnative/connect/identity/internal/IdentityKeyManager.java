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

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

import io.meshnative.connect.identity.ConnectIdentityManager;
import org.jspecify.annotations.Nullable;

/**
 * Presents the service's current leaf certificate (with the intermediates the agent
 * returned) in every handshake, read from the identity manager each time, so that a
 * rotation needs no rebuild of any client or server. As a client it always offers the
 * leaf; as a server it offers it for the key type of the leaf's key.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class IdentityKeyManager extends X509ExtendedKeyManager {

	private static final String ALIAS = "connect";

	private final ConnectIdentityManager identityManager;

	/**
	 * Create a new instance.
	 * @param identityManager the source of the current leaf
	 */
	public IdentityKeyManager(ConnectIdentityManager identityManager) {
		this.identityManager = identityManager;
	}

	@Override
	public String[] getClientAliases(String keyType, Principal @Nullable [] issuers) {
		return new String[] { ALIAS };
	}

	@Override
	public String chooseClientAlias(String[] keyType, Principal @Nullable [] issuers, @Nullable Socket socket) {
		return ALIAS;
	}

	@Override
	public String chooseEngineClientAlias(String[] keyType, Principal @Nullable [] issuers,
			@Nullable SSLEngine engine) {
		return ALIAS;
	}

	@Override
	public String[] getServerAliases(String keyType, Principal @Nullable [] issuers) {
		return matches(keyType) ? new String[] { ALIAS } : new String[0];
	}

	@Override
	public @Nullable String chooseServerAlias(String keyType, Principal @Nullable [] issuers, @Nullable Socket socket) {
		return matches(keyType) ? ALIAS : null;
	}

	@Override
	public @Nullable String chooseEngineServerAlias(String keyType, Principal @Nullable [] issuers,
			@Nullable SSLEngine engine) {
		return matches(keyType) ? ALIAS : null;
	}

	@Override
	public X509Certificate[] getCertificateChain(String alias) {
		return this.identityManager.getIdentity().getChain().toArray(new X509Certificate[0]);
	}

	@Override
	public PrivateKey getPrivateKey(String alias) {
		return this.identityManager.getIdentity().getPrivateKey();
	}

	private boolean matches(String keyType) {
		String algorithm = this.identityManager.getIdentity().getPrivateKey().getAlgorithm();
		return keyType.equalsIgnoreCase(algorithm) || ("EC".equals(algorithm) && keyType.startsWith("EC"));
	}

}
