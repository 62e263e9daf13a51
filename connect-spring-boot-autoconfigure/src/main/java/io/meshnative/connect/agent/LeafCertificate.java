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

package io.meshnative.connect.agent;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;

/**
 * A leaf certificate issued by the agent, from
 * {@code GET /v1/agent/connect/ca/leaf/:service}. {@link #toString()} never shows the
 * private key.
 *
 * @param serialNumber colon-hex serial number
 * @param certPem the leaf certificate followed by the intermediates of the active root,
 * PEM
 * @param privateKeyPem the private key, PEM ({@code EC PRIVATE KEY}, SEC1)
 * @param service the service name
 * @param serviceUri the SPIFFE ID of the service
 * @param validAfter start of validity
 * @param validBefore end of validity
 * @param createIndex Raft index of creation
 * @param modifyIndex Raft index of the last change (also the query index)
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public record LeafCertificate(String serialNumber, @JsonProperty("CertPEM") String certPem,
		@JsonProperty("PrivateKeyPEM") String privateKeyPem, String service,
		@JsonProperty("ServiceURI") String serviceUri, @Nullable Instant validAfter, @Nullable Instant validBefore,
		long createIndex, long modifyIndex) {

	public LeafCertificate {
		serialNumber = Values.string(serialNumber);
		certPem = Values.string(certPem);
		privateKeyPem = Values.string(privateKeyPem);
		service = Values.string(service);
		serviceUri = Values.string(serviceUri);
	}

	@Override
	public String toString() {
		return "LeafCertificate[serialNumber=" + this.serialNumber + ", service=" + this.service + ", serviceUri="
				+ this.serviceUri + ", validAfter=" + this.validAfter + ", validBefore=" + this.validBefore
				+ ", privateKeyPem=<hidden>]";
	}

}
