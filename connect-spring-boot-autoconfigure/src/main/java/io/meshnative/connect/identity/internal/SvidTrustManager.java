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
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

import io.meshnative.connect.identity.ConnectIdentity;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.identity.SpiffeId;
import org.jspecify.annotations.Nullable;

/**
 * Trusts a peer whose chain validates as an X.509-SVID against the current roots and
 * trust domain (read from the identity manager at every handshake, so a rotation needs no
 * rebuild) and whose SPIFFE ID then passes a {@link Verifier}. One instance checks one
 * side: {@link #forServers servers} (an SVID with {@code serverAuth}, for outbound
 * connections) or {@link #forClients clients} (an SVID with {@code clientAuth}, for
 * inbound connections); asked about the other side it refuses. Client chains that
 * validated are remembered ({@link ValidatedChains}: same chain, same roots snapshot,
 * within validity), so a caller's repeated full handshakes do not repeat PKIX validation.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class SvidTrustManager extends X509ExtendedTrustManager {

	private final ConnectIdentityManager identityManager;

	private final boolean servers;

	private final Verifier verifier;

	private final SvidValidator validator = new SvidValidator();

	private final ValidatedChains validatedClients = new ValidatedChains(this.validator);

	private final Clock clock;

	private SvidTrustManager(ConnectIdentityManager identityManager, boolean servers, Verifier verifier, Clock clock) {
		this.identityManager = identityManager;
		this.servers = servers;
		this.verifier = verifier;
		this.clock = clock;
	}

	/**
	 * Create a trust manager for the servers of outbound connections that accepts only a
	 * server presenting the same service as {@code expected}: any other valid mesh
	 * identity is refused (the lesson of CVE-2021-32574).
	 * @param identityManager the source of the current roots and trust domain
	 * @param expected the identity every server must present
	 * @param clock the clock of certificate validity checks
	 * @return the trust manager
	 */
	public static SvidTrustManager forServers(ConnectIdentityManager identityManager, SpiffeId expected, Clock clock) {
		return forServers(identityManager, (presented, host, port) -> {
			if (!expected.sameService(presented)) {
				throw new CertificateException("The server at " + host + ":" + port + " presented " + presented.toUri()
						+ " but " + expected.toUri() + " was expected");
			}
		}, clock);
	}

	/**
	 * Create a trust manager for the servers of outbound connections.
	 * @param identityManager the source of the current roots and trust domain
	 * @param verifier the check of the server's SPIFFE ID
	 * @param clock the clock of certificate validity checks
	 * @return the trust manager
	 */
	public static SvidTrustManager forServers(ConnectIdentityManager identityManager, Verifier verifier, Clock clock) {
		return new SvidTrustManager(identityManager, true, verifier, clock);
	}

	/**
	 * Create a trust manager for the clients of inbound connections that accepts any
	 * caller of the trust domain (authorization comes later, per request).
	 * @param identityManager the source of the current roots and trust domain
	 * @param clock the clock of certificate validity checks
	 * @return the trust manager
	 */
	public static SvidTrustManager forClients(ConnectIdentityManager identityManager, Clock clock) {
		return new SvidTrustManager(identityManager, false, (presented, host, port) -> {
		}, clock);
	}

	@Override
	public void checkServerTrusted(X509Certificate[] chain, String authType, @Nullable SSLEngine engine)
			throws CertificateException {
		checkServer(chain, (engine != null) ? engine.getPeerHost() : null,
				(engine != null) ? engine.getPeerPort() : -1);
	}

	@Override
	public void checkServerTrusted(X509Certificate[] chain, String authType, @Nullable Socket socket)
			throws CertificateException {
		String host = (socket != null && socket.getInetAddress() != null) ? socket.getInetAddress().getHostAddress()
				: null;
		checkServer(chain, host, (socket != null) ? socket.getPort() : -1);
	}

	@Override
	public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
		checkServer(chain, null, -1);
	}

	@Override
	public void checkClientTrusted(X509Certificate[] chain, String authType, @Nullable Socket socket)
			throws CertificateException {
		String host = (socket != null && socket.getInetAddress() != null) ? socket.getInetAddress().getHostAddress()
				: null;
		checkClient(chain, host, (socket != null) ? socket.getPort() : -1);
	}

	@Override
	public void checkClientTrusted(X509Certificate[] chain, String authType, @Nullable SSLEngine engine)
			throws CertificateException {
		checkClient(chain, (engine != null) ? engine.getPeerHost() : null,
				(engine != null) ? engine.getPeerPort() : -1);
	}

	@Override
	public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
		checkClient(chain, null, -1);
	}

	private void checkServer(X509Certificate[] chain, @Nullable String host, int port) throws CertificateException {
		if (!this.servers) {
			throw new CertificateException("This trust manager only verifies clients");
		}
		ConnectIdentity identity = this.identityManager.getIdentity();
		SpiffeId presented = this.validator.validateServer(chain, identity.getRoots(), identity.getTrustDomain(),
				this.clock.instant());
		this.verifier.verify(presented, host, port);
	}

	private void checkClient(X509Certificate[] chain, @Nullable String host, int port) throws CertificateException {
		if (this.servers) {
			throw new CertificateException("This trust manager only verifies servers");
		}
		ConnectIdentity identity = this.identityManager.getIdentity();
		SpiffeId presented;
		try {
			presented = this.validatedClients.validateClient(chain, identity.getRoots(), identity.getTrustDomain(),
					this.clock.instant());
		}
		catch (SvidValidationException ex) {
			throw new CertificateException("Client certificate refused (" + ex.getReason() + "): " + ex.getMessage(),
					ex);
		}
		this.verifier.verify(presented, host, port);
	}

	@Override
	public X509Certificate[] getAcceptedIssuers() {
		return this.identityManager.getIdentity().getRoots().toArray(new X509Certificate[0]);
	}

	/**
	 * Checks the SPIFFE ID of a peer whose chain has validated.
	 */
	@FunctionalInterface
	public interface Verifier {

		/**
		 * Check the SPIFFE ID a peer presented.
		 * @param presented the SPIFFE ID of the peer's validated chain
		 * @param host the peer's address, if known
		 * @param port the peer's port, {@code -1} if unknown
		 * @throws CertificateException if the peer is not acceptable
		 */
		void verify(SpiffeId presented, @Nullable String host, int port) throws CertificateException;

	}

}
