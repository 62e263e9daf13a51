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

package io.meshnative.connect.autoconfigure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreDetails;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * {@link ConsulAgentConnectionDetails} from {@code connect.agent.*}, falling back to the
 * environment variables the Consul CLI and Go client use ({@code CONSUL_HTTP_ADDR},
 * {@code CONSUL_HTTP_SSL}, {@code CONSUL_HTTP_TOKEN}, {@code CONSUL_HTTP_TOKEN_FILE},
 * {@code CONSUL_CACERT}, {@code CONSUL_CLIENT_CERT}, {@code CONSUL_CLIENT_KEY}).
 *
 * @author connect-spring-boot authors
 */
class PropertiesConsulAgentConnectionDetails implements ConsulAgentConnectionDetails {

	static final String DEFAULT_ADDRESS = "http://127.0.0.1:8500";

	private final URI address;

	private final @Nullable String token;

	private final @Nullable SslBundle sslBundle;

	PropertiesConsulAgentConnectionDetails(ConsulConnectProperties.Agent properties, Environment environment) {
		this.address = resolveAddress(properties, environment);
		this.token = resolveToken(properties, environment);
		this.sslBundle = "https".equals(this.address.getScheme()) ? resolveSslBundle(properties.getTls(), environment)
				: null;
	}

	@Override
	public URI getAddress() {
		return this.address;
	}

	@Override
	public @Nullable String getToken() {
		return this.token;
	}

	@Override
	public @Nullable SslBundle getSslBundle() {
		return this.sslBundle;
	}

	private static URI resolveAddress(ConsulConnectProperties.Agent properties, Environment environment) {
		String configured = properties.getAddress();
		String source = "connect.agent.address";
		if (!StringUtils.hasText(configured)) {
			configured = environment.getProperty("CONSUL_HTTP_ADDR");
			source = "CONSUL_HTTP_ADDR";
		}
		if (!StringUtils.hasText(configured)) {
			return URI.create(DEFAULT_ADDRESS);
		}
		String value = configured.trim();
		boolean ssl = Boolean.parseBoolean(environment.getProperty("CONSUL_HTTP_SSL", "false"));
		if (value.startsWith("unix://")) {
			throw new IllegalStateException("Consul agent address '" + value + "' (from " + source
					+ ") is a Unix socket, which is not supported; use http://host:port or https://host:port");
		}
		if (!value.contains("://")) {
			value = (ssl ? "https://" : "http://") + value;
		}
		else if (ssl && value.startsWith("http://")) {
			value = "https://" + value.substring("http://".length());
		}
		URI uri;
		try {
			uri = URI.create(value);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException(
					"Consul agent address '" + configured + "' (from " + source + ") is not a valid URI", ex);
		}
		String scheme = (uri.getScheme() != null) ? uri.getScheme().toLowerCase(Locale.ROOT) : "";
		if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
			throw new IllegalStateException("Consul agent address '" + configured + "' (from " + source
					+ ") must look like http://host:port or https://host:port");
		}
		return uri;
	}

	private static @Nullable String resolveToken(ConsulConnectProperties.Agent properties, Environment environment) {
		if (StringUtils.hasText(properties.getToken())) {
			return properties.getToken().trim();
		}
		if (StringUtils.hasText(properties.getTokenFile())) {
			return readToken(properties.getTokenFile(), "connect.agent.token-file");
		}
		String tokenFile = environment.getProperty("CONSUL_HTTP_TOKEN_FILE");
		if (StringUtils.hasText(tokenFile)) {
			return readToken(tokenFile, "CONSUL_HTTP_TOKEN_FILE");
		}
		String token = environment.getProperty("CONSUL_HTTP_TOKEN");
		return StringUtils.hasText(token) ? token.trim() : null;
	}

	private static String readToken(String file, String source) {
		try {
			return Files.readString(Path.of(file), StandardCharsets.UTF_8).trim();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(
					"Could not read the Consul ACL token file '" + file + "' (from " + source + ")", ex);
		}
	}

	static @Nullable SslBundle resolveSslBundle(ConsulConnectProperties.Tls tls, Environment environment) {
		String ca = firstText(tls.getCaFile(), environment.getProperty("CONSUL_CACERT"));
		String cert = firstText(tls.getCertFile(), environment.getProperty("CONSUL_CLIENT_CERT"));
		String key = firstText(tls.getKeyFile(), environment.getProperty("CONSUL_CLIENT_KEY"));
		if (ca == null && cert == null && key == null) {
			return null;
		}
		if ((cert == null) != (key == null)) {
			throw new IllegalStateException("Consul agent client certificate and key must be set together "
					+ "(connect.agent.tls.cert-file and connect.agent.tls.key-file, or CONSUL_CLIENT_CERT and "
					+ "CONSUL_CLIENT_KEY)");
		}
		PemSslStoreDetails keyStore = (cert != null) ? PemSslStoreDetails.forCertificate(cert).withPrivateKey(key)
				: null;
		PemSslStoreDetails trustStore = (ca != null) ? PemSslStoreDetails.forCertificate(ca) : null;
		return SslBundle.of(new PemSslStoreBundle(keyStore, trustStore));
	}

	private static @Nullable String firstText(@Nullable String first, @Nullable String second) {
		return StringUtils.hasText(first) ? first : (StringUtils.hasText(second) ? second : null);
	}

	@Override
	public String toString() {
		return "PropertiesConsulAgentConnectionDetails[address=" + this.address + ", token="
				+ ((this.token != null) ? "<set>" : "<none>") + "]";
	}

}
