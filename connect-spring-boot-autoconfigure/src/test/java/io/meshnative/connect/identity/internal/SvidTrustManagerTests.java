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

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;

import io.meshnative.connect.identity.ConnectIdentity;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.test.TestCertificateAuthority;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

/**
 * Tests for {@link SvidTrustManager}.
 *
 * @author connect-spring-boot authors
 */
class SvidTrustManagerTests {

	private static final String TD = "7f2c0b3e-0d6e-4a53-9b0c-2c41f1a4f3b1.consul";

	private final TestCertificateAuthority ca = TestCertificateAuthority.create(TD);

	@Test
	void rememberedCallerIsRefusedOnceTheRootsChanged() throws Exception {
		ConnectIdentityManager manager = mock(ConnectIdentityManager.class);
		ConnectIdentity current = TestIdentities.of(this.ca, "web");
		given(manager.getIdentity()).willReturn(current, current,
				TestIdentities.of(TestCertificateAuthority.create(TD), "web"));
		SvidTrustManager trustManager = SvidTrustManager.forClients(manager, Clock.systemUTC());
		X509Certificate[] caller = this.ca.leaf("api").issue().getChainArray();
		trustManager.checkClientTrusted(caller, "EC");
		trustManager.checkClientTrusted(caller, "EC");
		assertThatExceptionOfType(CertificateException.class)
			.isThrownBy(() -> trustManager.checkClientTrusted(caller, "EC"));
	}

	@Test
	void callerOfAnotherCaIsRefusedEveryTime() {
		ConnectIdentityManager manager = mock(ConnectIdentityManager.class);
		given(manager.getIdentity()).willReturn(TestIdentities.of(this.ca, "web"));
		SvidTrustManager trustManager = SvidTrustManager.forClients(manager, Clock.systemUTC());
		X509Certificate[] foreign = TestCertificateAuthority.create(TD).leaf("api").issue().getChainArray();
		for (int i = 0; i < 2; i++) {
			assertThatExceptionOfType(CertificateException.class)
				.isThrownBy(() -> trustManager.checkClientTrusted(foreign, "EC"));
		}
	}

}
