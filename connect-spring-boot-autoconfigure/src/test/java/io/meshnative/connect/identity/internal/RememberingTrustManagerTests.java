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
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

import io.meshnative.connect.test.IssuedCertificate;
import io.meshnative.connect.test.TestCertificateAuthority;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link RememberingTrustManager}.
 *
 * @author connect-spring-boot authors
 */
class RememberingTrustManagerTests {

	private static final String TD = "7f2c0b3e-0d6e-4a53-9b0c-2c41f1a4f3b1.consul";

	private final TestCertificateAuthority ca = TestCertificateAuthority.create(TD);

	private final CountingTrustManager delegate = new CountingTrustManager();

	private final Instant now = Instant.now();

	@Test
	void acceptedClientChainIsCheckedOnce() throws Exception {
		X509Certificate[] chain = this.ca.leaf("web").issue().getChainArray();
		RememberingTrustManager manager = manager(this.now);
		for (int i = 0; i < 3; i++) {
			manager.checkClientTrusted(chain.clone(), "EC", (SSLEngine) null);
		}
		assertThat(this.delegate.clientChecks).hasValue(1);
	}

	@Test
	void anotherChainOrAuthenticationTypeIsChecked() throws Exception {
		X509Certificate[] web = this.ca.leaf("web").issue().getChainArray();
		X509Certificate[] api = this.ca.leaf("api").issue().getChainArray();
		RememberingTrustManager manager = manager(this.now);
		manager.checkClientTrusted(web, "EC");
		manager.checkClientTrusted(api, "EC");
		manager.checkClientTrusted(web, "RSA");
		assertThat(this.delegate.clientChecks).hasValue(3);
	}

	@Test
	void refusalsAreNotRemembered() {
		X509Certificate[] chain = this.ca.leaf("web").issue().getChainArray();
		this.delegate.refuse = true;
		RememberingTrustManager manager = manager(this.now);
		for (int i = 0; i < 2; i++) {
			assertThatExceptionOfType(CertificateException.class)
				.isThrownBy(() -> manager.checkClientTrusted(chain, "EC", (Socket) null));
		}
		assertThat(this.delegate.clientChecks).hasValue(2);
		assertThat(manager.size()).isZero();
	}

	@Test
	void rememberedChainIsCheckedAgainOnceACertificateExpired() throws Exception {
		IssuedCertificate leaf = this.ca.leaf("web")
			.validity(this.now.minus(Duration.ofMinutes(1)), this.now.plus(Duration.ofMinutes(1)))
			.issue();
		SettableClock clock = new SettableClock(this.now);
		RememberingTrustManager manager = new RememberingTrustManager(this.delegate, clock);
		manager.checkClientTrusted(leaf.getChainArray(), "EC");
		manager.checkClientTrusted(leaf.getChainArray(), "EC");
		assertThat(this.delegate.clientChecks).hasValue(1);
		clock.time = this.now.plus(Duration.ofMinutes(2));
		manager.checkClientTrusted(leaf.getChainArray(), "EC");
		assertThat(this.delegate.clientChecks).hasValue(2);
	}

	@Test
	void serverChainsAreAlwaysChecked() throws Exception {
		X509Certificate[] chain = this.ca.leaf("web").issue().getChainArray();
		RememberingTrustManager manager = manager(this.now);
		manager.checkServerTrusted(chain, "EC");
		manager.checkServerTrusted(chain, "EC", (SSLEngine) null);
		manager.checkServerTrusted(chain, "EC", (Socket) null);
		assertThat(this.delegate.serverChecks).hasValue(3);
		assertThat(manager.size()).isZero();
	}

	@Test
	void atMostMaxEntriesAreKept() throws Exception {
		X509Certificate[] chain = this.ca.leaf("web").issue().getChainArray();
		RememberingTrustManager manager = manager(this.now);
		for (int i = 0; i <= RememberingTrustManager.MAX_ENTRIES; i++) {
			manager.checkClientTrusted(chain, "type-" + i);
		}
		assertThat(manager.size()).isLessThanOrEqualTo(RememberingTrustManager.MAX_ENTRIES);
	}

	@Test
	void wrappedPkixTrustManagersAcceptTheCaAndRefuseAnother() throws Exception {
		KeyStore trustStore = KeyStore.getInstance(KeyStore.getDefaultType());
		trustStore.load(null, null);
		trustStore.setCertificateEntry("root", this.ca.getRootCertificate());
		TrustManagerFactory pkix = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
		pkix.init(trustStore);
		TrustManager[] managers = RememberingTrustManager.wrap(pkix).getTrustManagers();
		assertThat(managers).singleElement().isInstanceOf(RememberingTrustManager.class);
		X509ExtendedTrustManager manager = (X509ExtendedTrustManager) managers[0];
		X509Certificate[] foreign = TestCertificateAuthority.create(TD).leaf("web").issue().getChainArray();
		for (int i = 0; i < 2; i++) {
			manager.checkClientTrusted(this.ca.leaf("web").issue().getChainArray(), "EC");
			assertThatExceptionOfType(CertificateException.class)
				.isThrownBy(() -> manager.checkClientTrusted(foreign, "EC"));
		}
	}

	private RememberingTrustManager manager(Instant time) {
		return new RememberingTrustManager(this.delegate, Clock.fixed(time, ZoneOffset.UTC));
	}

	/**
	 * A clock whose time the test sets.
	 */
	private static final class SettableClock extends Clock {

		private volatile Instant time;

		SettableClock(Instant time) {
			this.time = time;
		}

		@Override
		public ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(ZoneId zone) {
			return this;
		}

		@Override
		public Instant instant() {
			return this.time;
		}

	}

	/**
	 * Counts the checks that reach it; accepts or refuses every chain.
	 */
	private static final class CountingTrustManager extends X509ExtendedTrustManager {

		private final AtomicInteger clientChecks = new AtomicInteger();

		private final AtomicInteger serverChecks = new AtomicInteger();

		private volatile boolean refuse;

		private void client() throws CertificateException {
			this.clientChecks.incrementAndGet();
			if (this.refuse) {
				throw new CertificateException("refused");
			}
		}

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType, @Nullable Socket socket)
				throws CertificateException {
			client();
		}

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType, @Nullable SSLEngine engine)
				throws CertificateException {
			client();
		}

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
			client();
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType, @Nullable Socket socket) {
			this.serverChecks.incrementAndGet();
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType, @Nullable SSLEngine engine) {
			this.serverChecks.incrementAndGet();
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType) {
			this.serverChecks.incrementAndGet();
		}

		@Override
		public X509Certificate[] getAcceptedIssuers() {
			return new X509Certificate[0];
		}

	}

}
