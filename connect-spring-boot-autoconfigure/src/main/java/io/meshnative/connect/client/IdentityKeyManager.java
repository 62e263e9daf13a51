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
 * returned) in every client handshake, so that a rotation needs no rebuild of any HTTP
 * client.
 *
 * @author connect-spring-boot authors
 */
final class IdentityKeyManager extends X509ExtendedKeyManager {

	private static final String ALIAS = "connect";

	private final ConnectIdentityManager identityManager;

	IdentityKeyManager(ConnectIdentityManager identityManager) {
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
	public String @Nullable [] getServerAliases(String keyType, Principal @Nullable [] issuers) {
		return null;
	}

	@Override
	public @Nullable String chooseServerAlias(String keyType, Principal @Nullable [] issuers, @Nullable Socket socket) {
		return null;
	}

	@Override
	public X509Certificate[] getCertificateChain(String alias) {
		return this.identityManager.getIdentity().getChain().toArray(new X509Certificate[0]);
	}

	@Override
	public PrivateKey getPrivateKey(String alias) {
		return this.identityManager.getIdentity().getPrivateKey();
	}

}
