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
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.TrustManagerFactorySpi;
import javax.net.ssl.X509ExtendedTrustManager;

import org.jspecify.annotations.Nullable;

/**
 * A server's trust manager that remembers the client chains its delegate (the JDK's PKIX
 * trust manager over the roots of one identity snapshot) accepted, so that the full TLS
 * handshakes of a caller that keeps presenting the same leaf do not each repeat PKIX path
 * validation: an ECDSA verification per certificate in Java, a large part of a full
 * handshake's CPU when the TLS engine itself is native (BoringSSL calls back into Java
 * for this check). The handshake's own proof that the caller holds the leaf's key (TLS
 * {@code CertificateVerify}) is never skipped: it is the TLS engine's, not a trust
 * manager's.
 * <p>
 * A remembered acceptance is used only by the same instance (one identity snapshot: new
 * roots make a new SSL bundle and a new instance), for the same chain (certificates
 * compared by encoding), the same authentication type and the same negotiated protocol
 * version (the JDK derives its algorithm constraints from it), and only while the time
 * lies within the validity of every certificate of the chain. Refusals are never
 * remembered; server chains are always checked by the delegate. At most
 * {@value #MAX_ENTRIES} chains are kept; beyond that everything is forgotten at once.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class RememberingTrustManager extends X509ExtendedTrustManager {

	static final int MAX_ENTRIES = 1024;

	private final X509ExtendedTrustManager delegate;

	private final Clock clock;

	private final Map<Key, ChainValidity> accepted = new ConcurrentHashMap<>();

	RememberingTrustManager(X509ExtendedTrustManager delegate, Clock clock) {
		this.delegate = delegate;
		this.clock = clock;
	}

	/**
	 * Return a trust manager factory whose trust managers are those of {@code factory},
	 * each X.509 one wrapped in a {@code RememberingTrustManager}.
	 * @param factory an initialized trust manager factory
	 * @return the factory of remembering trust managers
	 */
	public static TrustManagerFactory wrap(TrustManagerFactory factory) {
		TrustManager[] managers = factory.getTrustManagers().clone();
		for (int i = 0; i < managers.length; i++) {
			if (managers[i] instanceof X509ExtendedTrustManager extended) {
				managers[i] = new RememberingTrustManager(extended, Clock.systemUTC());
			}
		}
		return new FixedFactory(managers, factory);
	}

	@Override
	public void checkClientTrusted(X509Certificate[] chain, String authType, @Nullable Socket socket)
			throws CertificateException {
		SSLSession session = (socket instanceof SSLSocket sslSocket) ? sslSocket.getHandshakeSession() : null;
		Key key = key(chain, authType, session);
		if (!remembered(key)) {
			this.delegate.checkClientTrusted(chain, authType, socket);
			remember(key, chain);
		}
	}

	@Override
	public void checkClientTrusted(X509Certificate[] chain, String authType, @Nullable SSLEngine engine)
			throws CertificateException {
		Key key = key(chain, authType, (engine != null) ? engine.getHandshakeSession() : null);
		if (!remembered(key)) {
			this.delegate.checkClientTrusted(chain, authType, engine);
			remember(key, chain);
		}
	}

	@Override
	public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
		Key key = key(chain, authType, null);
		if (!remembered(key)) {
			this.delegate.checkClientTrusted(chain, authType);
			remember(key, chain);
		}
	}

	@Override
	public void checkServerTrusted(X509Certificate[] chain, String authType, @Nullable Socket socket)
			throws CertificateException {
		this.delegate.checkServerTrusted(chain, authType, socket);
	}

	@Override
	public void checkServerTrusted(X509Certificate[] chain, String authType, @Nullable SSLEngine engine)
			throws CertificateException {
		this.delegate.checkServerTrusted(chain, authType, engine);
	}

	@Override
	public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
		this.delegate.checkServerTrusted(chain, authType);
	}

	@Override
	public X509Certificate[] getAcceptedIssuers() {
		return this.delegate.getAcceptedIssuers();
	}

	int size() {
		return this.accepted.size();
	}

	private @Nullable Key key(X509Certificate @Nullable [] chain, @Nullable String authType,
			@Nullable SSLSession session) {
		if (chain == null || chain.length == 0 || Arrays.asList(chain).contains(null) || authType == null) {
			return null;
		}
		String protocol = (session != null && session.getProtocol() != null) ? session.getProtocol() : "";
		return new Key(List.of(chain), authType, protocol);
	}

	private boolean remembered(@Nullable Key key) {
		if (key == null) {
			return false;
		}
		ChainValidity validity = this.accepted.get(key);
		return validity != null && validity.contains(this.clock.instant());
	}

	private void remember(@Nullable Key key, X509Certificate[] chain) {
		if (key == null) {
			return;
		}
		if (this.accepted.size() >= MAX_ENTRIES) {
			this.accepted.clear();
		}
		this.accepted.put(key, ChainValidity.of(chain));
	}

	/**
	 * What a remembered acceptance holds for.
	 *
	 * @param chain the client chain, leaf first
	 * @param authType the authentication type of the check
	 * @param protocol the protocol version of the handshake, empty when unknown
	 */
	private record Key(List<X509Certificate> chain, String authType, String protocol) {

	}

	/**
	 * A trust manager factory that returns fixed trust managers.
	 */
	private static final class FixedFactory extends TrustManagerFactory {

		FixedFactory(TrustManager[] managers, TrustManagerFactory original) {
			super(new FixedSpi(managers), original.getProvider(), original.getAlgorithm());
		}

	}

	/**
	 * The service provider interface of {@link FixedFactory}.
	 */
	private static final class FixedSpi extends TrustManagerFactorySpi {

		private final TrustManager[] managers;

		FixedSpi(TrustManager[] managers) {
			this.managers = managers;
		}

		@Override
		protected void engineInit(@Nullable KeyStore keyStore) {
		}

		@Override
		protected void engineInit(@Nullable ManagerFactoryParameters parameters) {
		}

		@Override
		protected TrustManager[] engineGetTrustManagers() {
			return this.managers.clone();
		}

	}

}
