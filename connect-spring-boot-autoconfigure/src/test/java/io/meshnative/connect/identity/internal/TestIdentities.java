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

import java.util.Collections;
import java.util.List;

import io.meshnative.connect.agent.internal.CaRoots;
import io.meshnative.connect.agent.internal.LeafCertificate;
import io.meshnative.connect.identity.ConnectIdentity;
import io.meshnative.connect.test.IssuedCertificate;
import io.meshnative.connect.test.TestCertificateAuthority;

/**
 * Identity snapshots issued by a {@link TestCertificateAuthority}, for tests.
 *
 * @author connect-spring-boot authors
 */
final class TestIdentities {

	private TestIdentities() {
	}

	/**
	 * Return a snapshot of {@code service} with a fresh leaf and the authority's root as
	 * the only root.
	 * @param authority the issuer
	 * @param service the service
	 * @return the snapshot
	 */
	static ConnectIdentity of(TestCertificateAuthority authority, String service) {
		IssuedCertificate leaf = authority.leaf(service).issue();
		CaRoots roots = new CaRoots("r1", authority.getTrustDomain(), List.of(new CaRoots.Root("r1", "r1", null, "", "",
				null, null, authority.getRootCertPem(), Collections.emptyList(), true, "ec", 256, 1, 1)));
		return ConnectIdentities.of(service, roots, 1, new LeafCertificate("01", leaf.getChainPem(),
				leaf.getPrivateKey(), service, authority.serviceId(service), null, null, 1, 1), 1);
	}

}
