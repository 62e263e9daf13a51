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

package io.meshnative.connect.autoconfigure.actuate;

import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

import io.meshnative.connect.autoconfigure.ConsulAgentConnectionDetails;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;

/**
 * {@link SanitizingFunction} that masks the Consul secrets an application using the
 * starter holds, in {@code /actuator/env} and {@code /actuator/configprops}, whatever
 * their {@code show-values} setting: by name, the ACL token ({@code connect.agent.token},
 * {@code CONSUL_HTTP_TOKEN}, Spring Cloud Consul's {@code acl-token} properties), the
 * agent's HTTP basic credentials ({@code CONSUL_HTTP_AUTH}) and Spring Cloud Consul's key
 * store passwords, in any relaxed spelling (environment variable, kebab case, camel
 * case); by value, any property whose value contains the ACL token in use (a placeholder
 * such as {@code my.token=${connect.agent.token}}, a command line), when that token has
 * at least {@value #MIN_TOKEN_LENGTH} characters. File names ({@code token-file},
 * {@code CONSUL_HTTP_TOKEN_FILE}, {@code tls.key-file}) are not secrets and stay visible.
 *
 * @author connect-spring-boot authors
 */
final class ConnectSecretsSanitizingFunction implements SanitizingFunction {

	/**
	 * Shortest token whose occurrence in a value masks that value: a shorter one (a
	 * development token such as {@code root}) would mask unrelated values.
	 */
	static final int MIN_TOKEN_LENGTH = 8;

	private static final Set<String> SECRET_KEYS = Set.of(normalize("connect.agent.token"),
			normalize("CONSUL_HTTP_TOKEN"), normalize("CONSUL_HTTP_AUTH"),
			normalize("spring.cloud.consul.discovery.acl-token"), normalize("spring.cloud.consul.config.acl-token"),
			normalize("spring.cloud.consul.tls.key-store-password"),
			normalize("spring.cloud.consul.tls.certificate-password"));

	private final Supplier<@Nullable ConsulAgentConnectionDetails> connectionDetails;

	/**
	 * Create a new instance.
	 * @param connectionDetails the source of the ACL token in use, which may supply
	 * {@code null}
	 */
	ConnectSecretsSanitizingFunction(Supplier<@Nullable ConsulAgentConnectionDetails> connectionDetails) {
		this.connectionDetails = connectionDetails;
	}

	@Override
	public SanitizableData apply(SanitizableData data) {
		if (isSecretKey(data.getKey()) || containsToken(data.getValue())) {
			return data.withSanitizedValue();
		}
		return data;
	}

	private static boolean isSecretKey(String key) {
		return SECRET_KEYS.contains(normalize(key));
	}

	private boolean containsToken(@Nullable Object value) {
		if (!(value instanceof CharSequence text)) {
			return false;
		}
		ConsulAgentConnectionDetails details = this.connectionDetails.get();
		String token = (details != null) ? details.getToken() : null;
		return token != null && token.length() >= MIN_TOKEN_LENGTH && text.toString().contains(token);
	}

	/**
	 * Reduce a property name to lower-case letters and digits, so that
	 * {@code connect.agent.token}, {@code CONNECT_AGENT_TOKEN} and
	 * {@code spring.cloud.consul.discovery.aclToken} compare equal to their other
	 * spellings.
	 * @param key the property name
	 * @return the reduced name
	 */
	private static String normalize(String key) {
		StringBuilder normalized = new StringBuilder(key.length());
		for (int i = 0; i < key.length(); i++) {
			char c = key.charAt(i);
			if (Character.isLetterOrDigit(c)) {
				normalized.append(c);
			}
		}
		return normalized.toString().toLowerCase(Locale.ROOT);
	}

}
