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

import org.jspecify.annotations.Nullable;

/**
 * Thrown by {@link SvidValidator} when a peer's certificate chain is not an acceptable
 * X.509-SVID of a Consul service. {@link #getReason()} is a short, stable code for logs
 * and metrics:
 * <ul>
 * <li>{@code empty-chain}: the peer sent no certificate</li>
 * <li>{@code no-roots}: no trusted root was given</li>
 * <li>{@code expired}, {@code not-yet-valid}: the leaf, or a certificate of its path, is
 * outside its validity window</li>
 * <li>{@code untrusted}: RFC 5280 path validation failed (unknown authority, missing
 * intermediate, bad signature, ...)</li>
 * <li>{@code no-uri-san}, {@code multiple-uri-sans}, {@code malformed-san}: the leaf does
 * not have exactly one URI SAN</li>
 * <li>{@code ca-leaf}: the leaf is a CA certificate</li>
 * <li>{@code key-usage}: key usage missing, without {@code digitalSignature}, or with
 * {@code keyCertSign}/{@code cRLSign}</li>
 * <li>{@code eku}: extended key usage missing or without the purpose of the peer's
 * role</li>
 * <li>{@code scheme}: the URI SAN is not a {@code spiffe} URI</li>
 * <li>{@code trust-domain}: the URI SAN names another trust domain, or none</li>
 * <li>{@code path}: the URI SAN is malformed or has no path (a trust domain's root ID), a
 * query or a fragment</li>
 * <li>{@code not-a-service}: the URI SAN is not a service ID (agent, server, gateway or
 * other path)</li>
 * </ul>
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public class SvidValidationException extends CertificateException {

	private static final long serialVersionUID = 1L;

	private final String reason;

	/**
	 * Create a new exception.
	 * @param reason the reason code
	 * @param message the detail message
	 */
	public SvidValidationException(String reason, String message) {
		this(reason, message, null);
	}

	/**
	 * Create a new exception.
	 * @param reason the reason code
	 * @param message the detail message
	 * @param cause the cause, or {@code null}
	 */
	public SvidValidationException(String reason, String message, @Nullable Throwable cause) {
		super(message, cause);
		this.reason = reason;
	}

	/**
	 * Return the reason code, for example {@code multiple-uri-sans}.
	 * @return the reason code
	 */
	public String getReason() {
		return this.reason;
	}

}
