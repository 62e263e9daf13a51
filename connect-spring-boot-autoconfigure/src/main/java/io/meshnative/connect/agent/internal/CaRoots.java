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

package io.meshnative.connect.agent.internal;

import java.math.BigInteger;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;

/**
 * The Connect CA roots, from {@code GET /v1/agent/connect/ca/roots}. Every listed root is
 * to be trusted, active or not, so that connections keep working across a root rotation.
 *
 * @param activeRootId the ID of the active root
 * @param trustDomain the trust domain: the cluster ID followed by {@code .consul}
 * @param roots the roots, active and inactive
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public record CaRoots(@JsonProperty("ActiveRootID") String activeRootId, String trustDomain, List<Root> roots) {

	public CaRoots {
		activeRootId = Values.string(activeRootId);
		trustDomain = Values.string(trustDomain);
		roots = Values.list(roots);
	}

	/**
	 * Return the active root.
	 * @return the active root, or {@code null} if none is marked active
	 */
	public @Nullable Root activeRoot() {
		for (Root root : this.roots) {
			if (root.active()) {
				return root;
			}
		}
		return null;
	}

	/**
	 * One CA root.
	 *
	 * @param id colon-hex fingerprint of the root certificate
	 * @param name display name
	 * @param serialNumber serial number of the root certificate
	 * @param signingKeyId colon-hex subject key ID of the certificate that signs leaves
	 * in this datacenter
	 * @param externalTrustDomain the trust domain the root was created under
	 * @param notBefore start of validity
	 * @param notAfter end of validity
	 * @param rootCert the root certificate, PEM
	 * @param intermediateCerts intermediate certificates, PEM (cross-signed certificate
	 * first after a rotation)
	 * @param active whether this root is the active one
	 * @param privateKeyType the root key type, {@code ec} or {@code rsa}
	 * @param privateKeyBits the root key size
	 * @param createIndex Raft index of creation
	 * @param modifyIndex Raft index of the last change
	 */
	public record Root(@JsonProperty("ID") String id, String name, @Nullable BigInteger serialNumber,
			@JsonProperty("SigningKeyID") String signingKeyId, String externalTrustDomain, @Nullable Instant notBefore,
			@Nullable Instant notAfter, String rootCert, List<String> intermediateCerts, boolean active,
			String privateKeyType, int privateKeyBits, long createIndex, long modifyIndex) {

		public Root {
			id = Values.string(id);
			name = Values.string(name);
			signingKeyId = Values.string(signingKeyId);
			externalTrustDomain = Values.string(externalTrustDomain);
			rootCert = Values.string(rootCert);
			intermediateCerts = Values.list(intermediateCerts);
			privateKeyType = Values.string(privateKeyType);
		}

	}

}
