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

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.meshnative.connect.identity.SpiffeId;
import io.meshnative.connect.test.IssuedCertificate;
import io.meshnative.connect.test.TestCertificateAuthority;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.BDDMockito.then;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.times;

/**
 * Tests for {@link ValidatedChains}.
 *
 * @author connect-spring-boot authors
 */
class ValidatedChainsTests {

	private static final String TD = "7f2c0b3e-0d6e-4a53-9b0c-2c41f1a4f3b1.consul";

	private static final SpiffeId WEB = SpiffeId.forService(TD, "default", "dc1", "web");

	private final TestCertificateAuthority ca = TestCertificateAuthority.create(TD);

	private final List<X509Certificate> roots = List.of(this.ca.getRootCertificate());

	private final SvidValidator validator = spy(new SvidValidator());

	private final ValidatedChains chains = new ValidatedChains(this.validator);

	private final Instant now = Instant.now();

	@Test
	void chainIsValidatedOnceForTheSameRoots() throws Exception {
		X509Certificate[] chain = this.ca.leaf("web").issue().getChainArray();
		for (int i = 0; i < 3; i++) {
			assertThat(this.chains.validateClient(chain.clone(), this.roots, TD, this.now)).isEqualTo(WEB);
		}
		then(this.validator).should(times(1)).validateClient(any(), any(), anyString(), any());
	}

	@Test
	void rememberedChainIsValidatedAgainAgainstNewRoots() throws Exception {
		X509Certificate[] chain = this.ca.leaf("web").issue().getChainArray();
		assertThat(this.chains.validateClient(chain, this.roots, TD, this.now)).isEqualTo(WEB);
		List<X509Certificate> otherRoots = List.of(TestCertificateAuthority.create(TD).getRootCertificate());
		assertThatExceptionOfType(SvidValidationException.class)
			.isThrownBy(() -> this.chains.validateClient(chain, otherRoots, TD, this.now));
	}

	@Test
	void rememberedChainIsRejectedOnceExpired() throws Exception {
		Instant notBefore = this.now.minus(Duration.ofMinutes(1));
		IssuedCertificate leaf = this.ca.leaf("web").validity(notBefore, this.now.plus(Duration.ofMinutes(1))).issue();
		assertThat(this.chains.validateClient(leaf.getChainArray(), this.roots, TD, this.now)).isEqualTo(WEB);
		assertThatExceptionOfType(SvidValidationException.class)
			.isThrownBy(() -> this.chains.validateClient(leaf.getChainArray(), this.roots, TD,
					this.now.plus(Duration.ofMinutes(2))))
			.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo("expired"));
	}

	@Test
	void rememberedChainIsValidatedAgainForAnotherTrustDomain() throws Exception {
		X509Certificate[] chain = this.ca.leaf("web").issue().getChainArray();
		assertThat(this.chains.validateClient(chain, this.roots, TD, this.now)).isEqualTo(WEB);
		assertThatExceptionOfType(SvidValidationException.class)
			.isThrownBy(() -> this.chains.validateClient(chain, this.roots, "other.consul", this.now));
	}

	@Test
	void failuresAreNotRemembered() {
		X509Certificate[] chain = this.ca.leaf("web").ca(true).issue().getChainArray();
		for (int i = 0; i < 2; i++) {
			assertThatExceptionOfType(SvidValidationException.class)
				.isThrownBy(() -> this.chains.validateClient(chain, this.roots, TD, this.now));
		}
		assertThat(this.chains.size()).isZero();
	}

}
