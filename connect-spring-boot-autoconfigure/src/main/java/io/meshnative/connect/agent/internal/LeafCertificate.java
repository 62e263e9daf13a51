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

import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.time.Instant;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.ssl.pem.PemContent;

/**
 * A leaf certificate issued by the agent, from
 * {@code GET /v1/agent/connect/ca/leaf/:service}. The agent's PEM private key
 * ({@code PrivateKeyPEM}, SEC1 {@code EC PRIVATE KEY}) is decoded into a
 * {@link PrivateKey} while the answer is read, and the PEM text is not kept: a leaf,
 * which a watch holds for as long as it is current, carries the key only as a
 * {@link PrivateKey}. A key that cannot be decoded does not fail the read: the leaf then
 * has no key and says why ({@link #privateKeyError()}), so that whoever uses it can
 * reject it as it rejects any other unusable material. Two leaves are equal when all
 * their values are, the keys compared by value. {@link #toString()} never shows the
 * private key.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class LeafCertificate {

	private static final String NO_KEY = "the leaf PrivateKeyPEM holds no private key";

	private final String serialNumber;

	private final String certPem;

	private final @Nullable PrivateKey privateKey;

	private final @Nullable String privateKeyError;

	private final String service;

	private final String serviceUri;

	private final @Nullable Instant validAfter;

	private final @Nullable Instant validBefore;

	private final long createIndex;

	private final long modifyIndex;

	/**
	 * Create a new instance.
	 * @param serialNumber colon-hex serial number
	 * @param certPem the leaf certificate followed by the intermediates of the active
	 * root, PEM
	 * @param privateKey the private key
	 * @param service the service name
	 * @param serviceUri the SPIFFE ID of the service
	 * @param validAfter start of validity
	 * @param validBefore end of validity
	 * @param createIndex the Raft index of creation
	 * @param modifyIndex the Raft index of the last change (also the query index)
	 */
	public LeafCertificate(String serialNumber, String certPem, PrivateKey privateKey, String service,
			String serviceUri, @Nullable Instant validAfter, @Nullable Instant validBefore, long createIndex,
			long modifyIndex) {
		this(serialNumber, certPem, privateKey, null, service, serviceUri, validAfter, validBefore, createIndex,
				modifyIndex);
	}

	private LeafCertificate(@Nullable String serialNumber, @Nullable String certPem, @Nullable PrivateKey privateKey,
			@Nullable String privateKeyError, @Nullable String service, @Nullable String serviceUri,
			@Nullable Instant validAfter, @Nullable Instant validBefore, long createIndex, long modifyIndex) {
		this.serialNumber = Values.string(serialNumber);
		this.certPem = Values.string(certPem);
		this.privateKey = privateKey;
		this.privateKeyError = privateKeyError;
		this.service = Values.string(service);
		this.serviceUri = Values.string(serviceUri);
		this.validAfter = validAfter;
		this.validBefore = validBefore;
		this.createIndex = createIndex;
		this.modifyIndex = modifyIndex;
	}

	/**
	 * Create a leaf from the agent's answer, decoding the PEM private key. The PEM text
	 * is used only here.
	 * @param serialNumber colon-hex serial number
	 * @param certPem the certificate chain, PEM
	 * @param privateKeyPem the private key, PEM
	 * @param service the service name
	 * @param serviceUri the SPIFFE ID of the service
	 * @param validAfter start of validity
	 * @param validBefore end of validity
	 * @param createIndex the Raft index of creation
	 * @param modifyIndex the Raft index of the last change
	 * @return the leaf
	 */
	@JsonCreator
	static LeafCertificate fromAgent(@JsonProperty("SerialNumber") @Nullable String serialNumber,
			@JsonProperty("CertPEM") @Nullable String certPem,
			@JsonProperty("PrivateKeyPEM") @Nullable String privateKeyPem,
			@JsonProperty("Service") @Nullable String service, @JsonProperty("ServiceURI") @Nullable String serviceUri,
			@JsonProperty("ValidAfter") @Nullable Instant validAfter,
			@JsonProperty("ValidBefore") @Nullable Instant validBefore, @JsonProperty("CreateIndex") long createIndex,
			@JsonProperty("ModifyIndex") long modifyIndex) {
		PrivateKey key = null;
		String error = NO_KEY;
		if (privateKeyPem != null && !privateKeyPem.isBlank()) {
			try {
				key = PemContent.of(privateKeyPem).getPrivateKey();
				error = (key != null) ? null : NO_KEY;
			}
			catch (RuntimeException ex) {
				error = "the leaf private key is not a valid PEM key";
			}
		}
		return new LeafCertificate(serialNumber, certPem, key, error, service, serviceUri, validAfter, validBefore,
				createIndex, modifyIndex);
	}

	/**
	 * Return the colon-hex serial number.
	 * @return the serial number
	 */
	public String serialNumber() {
		return this.serialNumber;
	}

	/**
	 * Return the leaf certificate followed by the intermediates of the active root, PEM.
	 * @return the certificate chain
	 */
	public String certPem() {
		return this.certPem;
	}

	/**
	 * Return the private key.
	 * @return the private key
	 * @throws IllegalStateException if the agent's PEM key could not be decoded (see
	 * {@link #privateKeyError()})
	 */
	public PrivateKey privateKey() {
		PrivateKey key = this.privateKey;
		if (key == null) {
			throw new IllegalStateException(Objects.requireNonNullElse(this.privateKeyError, "no private key"));
		}
		return key;
	}

	/**
	 * Return why the agent's PEM private key could not be decoded.
	 * @return the reason (never key material), or {@code null} when the leaf has a key
	 */
	public @Nullable String privateKeyError() {
		return this.privateKeyError;
	}

	/**
	 * Return the service name.
	 * @return the service name
	 */
	public String service() {
		return this.service;
	}

	/**
	 * Return the SPIFFE ID of the service.
	 * @return the SPIFFE ID
	 */
	public String serviceUri() {
		return this.serviceUri;
	}

	/**
	 * Return the start of validity.
	 * @return the start of validity, or {@code null} if the agent did not say
	 */
	public @Nullable Instant validAfter() {
		return this.validAfter;
	}

	/**
	 * Return the end of validity.
	 * @return the end of validity, or {@code null} if the agent did not say
	 */
	public @Nullable Instant validBefore() {
		return this.validBefore;
	}

	/**
	 * Return the Raft index of creation.
	 * @return the create index
	 */
	public long createIndex() {
		return this.createIndex;
	}

	/**
	 * Return the Raft index of the last change (also the query index).
	 * @return the modify index
	 */
	public long modifyIndex() {
		return this.modifyIndex;
	}

	@Override
	public boolean equals(@Nullable Object obj) {
		if (this == obj) {
			return true;
		}
		if (!(obj instanceof LeafCertificate other)) {
			return false;
		}
		return this.createIndex == other.createIndex && this.modifyIndex == other.modifyIndex
				&& this.serialNumber.equals(other.serialNumber) && this.certPem.equals(other.certPem)
				&& this.service.equals(other.service) && this.serviceUri.equals(other.serviceUri)
				&& Objects.equals(this.validAfter, other.validAfter)
				&& Objects.equals(this.validBefore, other.validBefore)
				&& Objects.equals(this.privateKeyError, other.privateKeyError)
				&& sameKey(this.privateKey, other.privateKey);
	}

	/**
	 * Compare two keys by their value: EC keys (what Consul issues) by curve and private
	 * value, whatever optional fields their encodings carry (a key read from SEC1 PEM
	 * encodes its public key, the same key from a key generator does not); other keys by
	 * their encoded form.
	 * @param first a key or {@code null}
	 * @param second another key or {@code null}
	 * @return whether both are the same key, or both {@code null}
	 */
	private static boolean sameKey(@Nullable PrivateKey first, @Nullable PrivateKey second) {
		if (first == null || second == null) {
			return first == second;
		}
		if (first instanceof ECPrivateKey firstEc && second instanceof ECPrivateKey secondEc) {
			return firstEc.getS().equals(secondEc.getS())
					&& firstEc.getParams().getCurve().equals(secondEc.getParams().getCurve());
		}
		return first.getAlgorithm().equals(second.getAlgorithm())
				&& MessageDigest.isEqual(first.getEncoded(), second.getEncoded());
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.serialNumber, this.certPem, this.service, this.serviceUri, this.validAfter,
				this.validBefore, this.createIndex, this.modifyIndex);
	}

	@Override
	public String toString() {
		return "LeafCertificate[serialNumber=" + this.serialNumber + ", service=" + this.service + ", serviceUri="
				+ this.serviceUri + ", validAfter=" + this.validAfter + ", validBefore=" + this.validBefore
				+ ", privateKey=" + ((this.privateKey != null) ? "<hidden>" : "<none>") + "]";
	}

}
