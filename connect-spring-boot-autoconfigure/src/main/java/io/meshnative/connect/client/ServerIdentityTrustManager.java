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
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

import io.meshnative.connect.authz.SvidValidator;
import io.meshnative.connect.identity.ConnectIdentity;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.identity.SpiffeId;
import org.jspecify.annotations.Nullable;

/**
 * Verifies the server of every outbound connection: its chain against the current roots
 * and trust domain (as an X.509-SVID with {@code serverAuth}), then its SPIFFE ID against
 * the identity expected at the address dialled. Any other valid mesh identity is refused
 * (the lesson of CVE-2021-32574).
 *
 * @author connect-spring-boot authors
 */
final class ServerIdentityTrustManager extends X509ExtendedTrustManager {

	private final ConnectIdentityManager identityManager;

	private final SpiffeId expected;

	private final SvidValidator validator = new SvidValidator();

	private final Clock clock;

	ServerIdentityTrustManager(ConnectIdentityManager identityManager, SpiffeId expected, Clock clock) {
		this.identityManager = identityManager;
		this.expected = expected;
		this.clock = clock;
	}

	@Override
	public void checkServerTrusted(X509Certificate[] chain, String authType, @Nullable SSLEngine engine)
			throws CertificateException {
		check(chain, (engine != null) ? engine.getPeerHost() : null, (engine != null) ? engine.getPeerPort() : -1);
	}

	@Override
	public void checkServerTrusted(X509Certificate[] chain, String authType, @Nullable Socket socket)
			throws CertificateException {
		String host = (socket != null && socket.getInetAddress() != null) ? socket.getInetAddress().getHostAddress()
				: null;
		check(chain, host, (socket != null) ? socket.getPort() : -1);
	}

	@Override
	public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
		check(chain, null, -1);
	}

	private void check(X509Certificate[] chain, @Nullable String host, int port) throws CertificateException {
		ConnectIdentity identity = this.identityManager.getIdentity();
		SpiffeId presented = this.validator.validateServer(chain, identity.getRoots(), identity.getTrustDomain(),
				this.clock.instant());
		SpiffeId expected = this.expected;
		if (!expected.sameService(presented)) {
			throw new CertificateException("The server at " + host + ":" + port + " presented " + presented.toUri()
					+ " but " + expected.toUri() + " was expected");
		}
	}

	@Override
	public void checkClientTrusted(X509Certificate[] chain, String authType, @Nullable Socket socket)
			throws CertificateException {
		throw new CertificateException("This trust manager only verifies servers");
	}

	@Override
	public void checkClientTrusted(X509Certificate[] chain, String authType, @Nullable SSLEngine engine)
			throws CertificateException {
		throw new CertificateException("This trust manager only verifies servers");
	}

	@Override
	public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
		throw new CertificateException("This trust manager only verifies servers");
	}

	@Override
	public X509Certificate[] getAcceptedIssuers() {
		return this.identityManager.getIdentity().getRoots().toArray(new X509Certificate[0]);
	}

}
