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

import jakarta.servlet.ServletConnection;
import jakarta.servlet.http.HttpServletRequestWrapper;
import org.apache.tomcat.util.net.ServletConnectionImpl;
import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/**
 * Tests for {@link ConnectionCertificates}, with Tomcat's own Servlet connection type.
 *
 * @author connect-spring-boot authors
 */
class ConnectionCertificatesTests {

	private final ConnectionCertificates certificates = new ConnectionCertificates();

	private final X509Certificate[] first = { mock(X509Certificate.class) };

	private final X509Certificate[] second = { mock(X509Certificate.class) };

	@Test
	void tls13ConnectionOfTomcatIsReadOnce() {
		TomcatRequest request = new TomcatRequest("1f", true, "TLSv1.3", this.first);
		assertThat(this.certificates.get(request)).isSameAs(this.first);
		request.setAttribute(ConnectionCertificates.CERTIFICATES_ATTRIBUTE, this.second);
		assertThat(this.certificates.get(request)).isSameAs(this.first);
		assertThat(this.certificates.size()).isOne();
	}

	@Test
	void eachConnectionHasItsOwnCertificates() {
		assertThat(this.certificates.get(new TomcatRequest("1", true, "TLSv1.3", this.first))).isSameAs(this.first);
		assertThat(this.certificates.get(new TomcatRequest("2", true, "TLSv1.3", this.second))).isSameAs(this.second);
		assertThat(this.certificates.get(new TomcatRequest("1", true, "TLSv1.3", this.second))).isSameAs(this.first);
	}

	@Test
	void tls12ConnectionIsReadForEveryRequestBecauseItMayRenegotiate() {
		TomcatRequest request = new TomcatRequest("2a", true, "TLSv1.2", this.first);
		assertThat(this.certificates.get(request)).isSameAs(this.first);
		request.setAttribute(ConnectionCertificates.CERTIFICATES_ATTRIBUTE, this.second);
		assertThat(this.certificates.get(request)).isSameAs(this.second);
		assertThat(this.certificates.size()).isZero();
	}

	@Test
	void wrappedRequestIsReadForEveryRequest() {
		TomcatRequest request = new TomcatRequest("3b", true, "TLSv1.3", this.first);
		HttpServletRequestWrapper wrapper = new HttpServletRequestWrapper(request);
		assertThat(this.certificates.get(wrapper)).isSameAs(this.first);
		request.setAttribute(ConnectionCertificates.CERTIFICATES_ATTRIBUTE, this.second);
		assertThat(this.certificates.get(wrapper)).isSameAs(this.second);
		assertThat(this.certificates.size()).isZero();
	}

	@Test
	void connectionOfAnotherContainerIsReadForEveryRequest() {
		MockHttpServletRequest request = new MockHttpServletRequest();
		request.setSecure(true);
		request.setAttribute(ConnectionCertificates.PROTOCOL_ATTRIBUTE, "TLSv1.3");
		request.setAttribute(ConnectionCertificates.CERTIFICATES_ATTRIBUTE, this.first);
		assertThat(this.certificates.get(request)).isSameAs(this.first);
		request.setAttribute(ConnectionCertificates.CERTIFICATES_ATTRIBUTE, this.second);
		assertThat(this.certificates.get(request)).isSameAs(this.second);
		assertThat(this.certificates.size()).isZero();
	}

	@Test
	void requestWithoutCertificatesIsNotRemembered() {
		TomcatRequest request = new TomcatRequest("4c", true, "TLSv1.3", null);
		assertThat(this.certificates.get(request)).isNull();
		request.setAttribute(ConnectionCertificates.CERTIFICATES_ATTRIBUTE, this.first);
		assertThat(this.certificates.get(request)).isSameAs(this.first);
	}

	@Test
	void insecureConnectionIsNotRemembered() {
		TomcatRequest request = new TomcatRequest("5d", false, "TLSv1.3", this.first);
		assertThat(this.certificates.get(request)).isSameAs(this.first);
		assertThat(this.certificates.size()).isZero();
	}

	@Test
	void connectionsBeyondTheLimitForgetAllAtOnce() {
		for (int i = 0; i < ConnectionCertificates.MAX_CONNECTIONS; i++) {
			this.certificates.get(new TomcatRequest(Integer.toHexString(i), true, "TLSv1.3", this.first));
		}
		assertThat(this.certificates.size()).isEqualTo(ConnectionCertificates.MAX_CONNECTIONS);
		this.certificates.get(new TomcatRequest("new", true, "TLSv1.3", this.second));
		assertThat(this.certificates.size()).isOne();
		assertThat(this.certificates.get(new TomcatRequest("0", true, "TLSv1.3", this.second))).isSameAs(this.second);
	}

	/**
	 * A request on a Tomcat connection.
	 */
	static final class TomcatRequest extends MockHttpServletRequest {

		private final ServletConnection connection;

		TomcatRequest(String connectionId, boolean secure, String protocol, X509Certificate[] certificates) {
			this.connection = new ServletConnectionImpl(connectionId, "http/1.1", "", secure);
			setSecure(secure);
			setAttribute(ConnectionCertificates.PROTOCOL_ATTRIBUTE, protocol);
			if (certificates != null) {
				setAttribute(ConnectionCertificates.CERTIFICATES_ATTRIBUTE, certificates);
			}
		}

		@Override
		public ServletConnection getServletConnection() {
			return this.connection;
		}

	}

}
