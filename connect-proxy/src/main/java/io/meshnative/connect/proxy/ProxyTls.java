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

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

import io.meshnative.connect.authz.SvidValidationException;
import io.meshnative.connect.authz.SvidValidator;
import io.meshnative.connect.identity.ConnectIdentity;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.jspecify.annotations.Nullable;

/**
 * The TLS context of the public listener: it presents the current leaf of the service
 * (with the agent's intermediates) and requires a client certificate that validates
 * against the current roots, read at every handshake, so a rotation needs no rebuild. The
 * caller's identity is then checked again, and authorized, by
 * {@link io.meshnative.connect.authz.InboundAuthorization}.
 *
 * @author connect-spring-boot authors
 */
final class ProxyTls {

	private static final String ALIAS = "connect";

	private ProxyTls() {
	}

	static SslContext serverContext(ConnectIdentityManager identityManager) {
		try {
			return SslContextBuilder.forServer(new ServerKeyManager(identityManager))
				.trustManager(new ClientTrustManager(identityManager))
				.clientAuth(ClientAuth.REQUIRE)
				.protocols("TLSv1.3", "TLSv1.2")
				.build();
		}
		catch (SSLException ex) {
			throw new IllegalStateException("Could not create the TLS context of the public listener", ex);
		}
	}

	/**
	 * Presents the current leaf of the service.
	 */
	static final class ServerKeyManager extends X509ExtendedKeyManager {

		private final ConnectIdentityManager identityManager;

		ServerKeyManager(ConnectIdentityManager identityManager) {
			this.identityManager = identityManager;
		}

		@Override
		public String @Nullable [] getClientAliases(String keyType, Principal @Nullable [] issuers) {
			return null;
		}

		@Override
		public @Nullable String chooseClientAlias(String[] keyType, Principal @Nullable [] issuers,
				@Nullable Socket socket) {
			return null;
		}

		@Override
		public String[] getServerAliases(String keyType, Principal @Nullable [] issuers) {
			return matches(keyType) ? new String[] { ALIAS } : new String[0];
		}

		@Override
		public @Nullable String chooseServerAlias(String keyType, Principal @Nullable [] issuers,
				@Nullable Socket socket) {
			return matches(keyType) ? ALIAS : null;
		}

		@Override
		public @Nullable String chooseEngineServerAlias(String keyType, Principal @Nullable [] issuers,
				@Nullable SSLEngine engine) {
			return matches(keyType) ? ALIAS : null;
		}

		private boolean matches(String keyType) {
			String algorithm = this.identityManager.getIdentity().getPrivateKey().getAlgorithm();
			return keyType.equalsIgnoreCase(algorithm) || ("EC".equals(algorithm) && keyType.startsWith("EC"));
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

	/**
	 * Accepts a client chain only when it validates, as an SVID with {@code clientAuth},
	 * against the current roots and trust domain.
	 */
	static final class ClientTrustManager extends X509ExtendedTrustManager {

		private final ConnectIdentityManager identityManager;

		private final SvidValidator validator = new SvidValidator();

		ClientTrustManager(ConnectIdentityManager identityManager) {
			this.identityManager = identityManager;
		}

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
			ConnectIdentity identity = this.identityManager.getIdentity();
			try {
				this.validator.validateClient(chain, identity.getRoots(), identity.getTrustDomain(), Instant.now());
			}
			catch (SvidValidationException ex) {
				throw new CertificateException(
						"Client certificate refused (" + ex.getReason() + "): " + ex.getMessage(), ex);
			}
		}

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType, @Nullable Socket socket)
				throws CertificateException {
			checkClientTrusted(chain, authType);
		}

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType, @Nullable SSLEngine engine)
				throws CertificateException {
			checkClientTrusted(chain, authType);
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
			throw new CertificateException("The public listener does not act as a TLS client");
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType, @Nullable Socket socket)
				throws CertificateException {
			checkServerTrusted(chain, authType);
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType, @Nullable SSLEngine engine)
				throws CertificateException {
			checkServerTrusted(chain, authType);
		}

		@Override
		public X509Certificate[] getAcceptedIssuers() {
			return this.identityManager.getIdentity().getRoots().toArray(new X509Certificate[0]);
		}

	}

}
