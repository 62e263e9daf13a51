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

package io.meshnative.connect.authz.internal;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

import io.meshnative.connect.authz.ConnectAuthorizer;
import io.meshnative.connect.authz.ConnectCaller;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.identity.SpiffeId;
import io.meshnative.connect.test.TestCertificateAuthority;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/**
 * Tests for {@link InboundAuthorization}'s caller of a validated chain.
 *
 * @author connect-spring-boot authors
 */
class InboundAuthorizationTests {

	private static final String TD = "7f2c0b3e-0d6e-4a53-9b0c-2c41f1a4f3b1.consul";

	private static final SpiffeId WEB = SpiffeId.forService(TD, "default", "dc1", "web");

	private static final SpiffeId API = SpiffeId.forService(TD, "default", "dc1", "api");

	private final TestCertificateAuthority ca = TestCertificateAuthority.create(TD);

	private final InboundAuthorization authorization = new InboundAuthorization(mock(ConnectIdentityManager.class),
			mock(ConnectAuthorizer.class));

	@Test
	void serialIsColonHexLikeConsul() {
		assertThat(InboundAuthorization.serial(BigInteger.ONE)).isEqualTo("01");
		assertThat(InboundAuthorization.serial(new BigInteger("0a0bff", 16))).isEqualTo("0a:0b:ff");
		assertThat(InboundAuthorization.serial(new BigInteger("ff00", 16))).isEqualTo("ff:00");
		assertThat(InboundAuthorization.serial(BigInteger.ZERO)).isEqualTo("00");
	}

	@Test
	void callerIsTheIdentityAndTheLeafSerial() throws Exception {
		X509Certificate leaf = this.ca.leaf("web").issue().getCertificate();
		ConnectCaller caller = this.authorization.caller(WEB, leaf);
		assertThat(caller).isEqualTo(new ConnectCaller(WEB.toUri(), TD, WEB.partition(), "default", "dc1", "web",
				InboundAuthorization.serial(leaf.getSerialNumber())));
	}

	@Test
	void rememberedCallerIsReusedForAnEqualLeaf() throws Exception {
		X509Certificate leaf = this.ca.leaf("web").issue().getCertificate();
		ConnectCaller first = this.authorization.caller(WEB, leaf);
		X509Certificate copy = (X509Certificate) CertificateFactory.getInstance("X.509")
			.generateCertificate(new ByteArrayInputStream(leaf.getEncoded()));
		assertThat(this.authorization.caller(WEB, copy)).isSameAs(first);
		assertThat(this.authorization.cachedCallers()).isOne();
	}

	@Test
	void rememberedCallerIsNotUsedForAnotherIdentity() throws Exception {
		X509Certificate leaf = this.ca.leaf("web").issue().getCertificate();
		this.authorization.caller(WEB, leaf);
		ConnectCaller other = this.authorization.caller(API, leaf);
		assertThat(other.spiffeId()).isEqualTo(API.toUri());
		assertThat(other.service()).isEqualTo("api");
	}

	@Test
	void everyLeafHasItsOwnSerial() throws Exception {
		X509Certificate first = this.ca.leaf("web").issue().getCertificate();
		X509Certificate second = this.ca.leaf("web").issue().getCertificate();
		assertThat(this.authorization.caller(WEB, first).serialNumber())
			.isEqualTo(InboundAuthorization.serial(first.getSerialNumber()))
			.isNotEqualTo(this.authorization.caller(WEB, second).serialNumber());
	}

}
