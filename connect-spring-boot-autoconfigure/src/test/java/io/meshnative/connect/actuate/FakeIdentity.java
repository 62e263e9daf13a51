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

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.meshnative.connect.test.IssuedCertificate;
import io.meshnative.connect.test.TestCertificateAuthority;
import tools.jackson.databind.json.JsonMapper;

/**
 * Identity material for a fake agent: roots and leaves of a test CA, as the agent's JSON.
 *
 * @author connect-spring-boot authors
 */
final class FakeIdentity {

	static final String TRUST_DOMAIN = "11111111-2222-3333-4444-555555555555.consul";

	private static final JsonMapper json = JsonMapper.builder().build();

	private final TestCertificateAuthority ca = TestCertificateAuthority.forConsulTrustDomain(TRUST_DOMAIN);

	String rootsJson() {
		Map<String, Object> root = new LinkedHashMap<>();
		root.put("ID", "aa:bb:cc");
		root.put("Name", "Test CA");
		root.put("RootCert", this.ca.getRootCertPem());
		root.put("Active", true);
		return json.writeValueAsString(
				Map.of("ActiveRootID", "aa:bb:cc", "TrustDomain", TRUST_DOMAIN, "Roots", List.of(root)));
	}

	String leafJson(String service, Instant notAfter) {
		IssuedCertificate leaf = this.ca.leaf(service).validity(notAfter.minus(Duration.ofDays(3)), notAfter).issue();
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("SerialNumber", leaf.getCertificate().getSerialNumber().toString(16));
		body.put("CertPEM", leaf.getChainPem());
		body.put("PrivateKeyPEM", leaf.getPrivateKeyPem());
		body.put("Service", service);
		body.put("ServiceURI", this.ca.serviceId(service));
		return json.writeValueAsString(body);
	}

	/**
	 * A clock the test moves.
	 */
	static final class MutableClock extends Clock {

		private volatile Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);

		void set(Instant now) {
			this.now = now;
		}

		@Override
		public Instant instant() {
			return this.now;
		}

		@Override
		public ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(ZoneId zone) {
			return this;
		}

	}

}
