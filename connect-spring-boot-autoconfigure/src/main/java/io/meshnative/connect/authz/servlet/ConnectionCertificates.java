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

package io.meshnative.connect.authz.servlet;

import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.servlet.ServletConnection;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * The certificates a caller presented, read once per TLS 1.3 connection on Tomcat. Tomcat
 * answers the first request for the standard certificates attribute by filling in every
 * SSL attribute, formatting the session ID and the requested cipher suites among them: on
 * a kept-alive 1 KB GET that was 4 % of the server's CPU samples and a quarter of its
 * allocations (JFR, 2026-12-07). Remembered only where the certificates cannot change
 * while the connection lives and the key cannot name another connection:
 * <ul>
 * <li>Tomcat's connections, whose Servlet connection ID is a process-wide counter (the
 * Servlet specification makes it unique for the lifetime of the JVM);</li>
 * <li>TLS 1.3, which has no renegotiation (a TLS 1.2 caller may renegotiate with other
 * certificates: read every time);</li>
 * <li>the request as the container made it, not a wrapper, which could answer with other
 * certificates.</li>
 * </ul>
 * The chain is still validated and the caller still authorized for every request: this
 * only saves reading it. At most {@value #MAX_CONNECTIONS} connections are remembered;
 * all are forgotten at once beyond.
 *
 * @author connect-spring-boot authors
 */
final class ConnectionCertificates {

	static final int MAX_CONNECTIONS = 1024;

	static final String CERTIFICATES_ATTRIBUTE = "jakarta.servlet.request.X509Certificate";

	static final String PROTOCOL_ATTRIBUTE = "jakarta.servlet.request.secure_protocol";

	private static final String TOMCAT_CONNECTION = "org.apache.tomcat.util.net.ServletConnectionImpl";

	private final Map<String, X509Certificate[]> byConnection = new ConcurrentHashMap<>();

	/**
	 * Return the certificates the caller of a request presented.
	 * @param request the request
	 * @return the certificates, leaf first, or {@code null} when there are none
	 */
	X509Certificate @Nullable [] get(HttpServletRequest request) {
		String connection = tomcatConnection(request);
		if (connection != null) {
			X509Certificate[] known = this.byConnection.get(connection);
			if (known != null) {
				return known;
			}
		}
		Object certificates = request.getAttribute(CERTIFICATES_ATTRIBUTE);
		if (!(certificates instanceof X509Certificate[] chain)) {
			return null;
		}
		if (connection != null && chain.length > 0 && "TLSv1.3".equals(request.getAttribute(PROTOCOL_ATTRIBUTE))) {
			if (this.byConnection.size() >= MAX_CONNECTIONS) {
				this.byConnection.clear();
			}
			this.byConnection.put(connection, chain);
		}
		return chain;
	}

	/**
	 * Return how many connections are remembered.
	 * @return the number of connections
	 */
	int size() {
		return this.byConnection.size();
	}

	private static @Nullable String tomcatConnection(HttpServletRequest request) {
		if (request instanceof ServletRequestWrapper) {
			return null;
		}
		ServletConnection connection = request.getServletConnection();
		if (connection == null || !connection.isSecure()
				|| !TOMCAT_CONNECTION.equals(connection.getClass().getName())) {
			return null;
		}
		String id = connection.getConnectionId();
		return (id != null && !id.isEmpty()) ? id : null;
	}

}
