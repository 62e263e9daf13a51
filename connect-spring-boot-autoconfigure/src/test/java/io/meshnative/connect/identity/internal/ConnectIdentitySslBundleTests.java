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

import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

import io.meshnative.connect.identity.ConnectIdentity;
import io.meshnative.connect.test.TestCertificateAuthority;
import org.junit.jupiter.api.Test;

import org.springframework.boot.ssl.SslBundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link ConnectIdentity#toSslBundle()}.
 *
 * @author connect-spring-boot authors
 */
class ConnectIdentitySslBundleTests {

	private static final String TD = "7f2c0b3e-0d6e-4a53-9b0c-2c41f1a4f3b1.consul";

	private final TestCertificateAuthority ca = TestCertificateAuthority.create(TD);

	@Test
	void bundleTrustsCallersOfTheRootsOnlyAndRemembersTheAcceptedOnes() throws Exception {
		SslBundle bundle = TestIdentities.of(this.ca, "web").toSslBundle();
		TrustManager[] managers = bundle.getManagers().getTrustManagers();
		assertThat(managers).singleElement().isInstanceOf(RememberingTrustManager.class);
		X509ExtendedTrustManager manager = (X509ExtendedTrustManager) managers[0];
		X509Certificate[] caller = this.ca.leaf("api").issue().getChainArray();
		X509Certificate[] foreign = TestCertificateAuthority.create(TD).leaf("api").issue().getChainArray();
		for (int i = 0; i < 2; i++) {
			manager.checkClientTrusted(caller, "EC");
			assertThatExceptionOfType(CertificateException.class)
				.isThrownBy(() -> manager.checkClientTrusted(foreign, "EC"));
		}
		assertThat(bundle.getStores().getTrustStore()).satisfies((store) -> assertThat(store.size()).isOne());
		assertThat(bundle.getOptions().getEnabledProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
	}

}
