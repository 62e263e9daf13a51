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

package io.meshnative.connect.actuate;

import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;

import javax.net.ssl.SSLHandshakeException;

import io.netty.handler.ssl.NotSslRecordException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ConnectTlsHandshakeMetrics#reason(Throwable)}.
 *
 * @author connect-spring-boot authors
 */
class ConnectTlsHandshakeMetricsTests {

	@Test
	void reasonsAreBounded() {
		assertThat(ConnectTlsHandshakeMetrics.reason(new SSLHandshakeException("Empty client certificate chain")))
			.isEqualTo("no-client-certificate");
		assertThat(ConnectTlsHandshakeMetrics.reason(handshake(new CertPathValidatorException("bad signature"))))
			.isEqualTo("untrusted-certificate");
		assertThat(ConnectTlsHandshakeMetrics.reason(handshake(new CertificateExpiredException("NotAfter"))))
			.isEqualTo("expired-certificate");
		assertThat(
				ConnectTlsHandshakeMetrics.reason(new SSLHandshakeException("Received fatal alert: bad_certificate")))
			.isEqualTo("rejected-by-peer");
		assertThat(ConnectTlsHandshakeMetrics.reason(new SSLHandshakeException(
				"No appropriate protocol (protocol is disabled or cipher suites are " + "inappropriate)")))
			.isEqualTo("protocol");
		assertThat(ConnectTlsHandshakeMetrics.reason(new NotSslRecordException("not an SSL/TLS record")))
			.isEqualTo("not-tls");
		assertThat(ConnectTlsHandshakeMetrics.reason(new ClosedChannelException())).isEqualTo("closed");
		assertThat(ConnectTlsHandshakeMetrics.reason(new SSLHandshakeException("something new"))).isEqualTo("other");
	}

	private static SSLHandshakeException handshake(Throwable cause) {
		SSLHandshakeException exception = new SSLHandshakeException("handshake failed");
		exception.initCause(cause);
		return exception;
	}

}
