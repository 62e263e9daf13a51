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

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The Connect CA configuration, read and written with
 * {@code /v1/connect/ca/configuration}; writing a configuration with a new root key
 * rotates the root.
 *
 * @param provider the CA provider, for example {@code consul}
 * @param config the provider configuration (for the built-in provider:
 * {@code PrivateKey}, {@code RootCert}, {@code LeafCertTTL}, ...)
 * @param forceWithoutCrossSigning whether to rotate even when the old root cannot
 * cross-sign the new one
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public record CaConfiguration(String provider, Map<String, Object> config, @Nullable Boolean forceWithoutCrossSigning) {

	public CaConfiguration {
		provider = Values.string(provider);
		config = Values.map(config);
	}

	/**
	 * Describe the configuration without the values of keys, tokens, secrets and
	 * passwords ({@code PrivateKey}, a Vault {@code Token}, ...).
	 * @return the description
	 */
	@Override
	public String toString() {
		Map<String, Object> shown = new LinkedHashMap<>();
		this.config.forEach((key, value) -> shown.put(key, isSecret(key) ? "<hidden>" : value));
		return "CaConfiguration[provider=" + this.provider + ", config=" + shown + ", forceWithoutCrossSigning="
				+ this.forceWithoutCrossSigning + "]";
	}

	private static boolean isSecret(String key) {
		String lower = key.toLowerCase(Locale.ROOT);
		return (lower.contains("key") && !lower.equals("privatekeytype") && !lower.equals("privatekeybits")
				&& !lower.endsWith("keyid")) || lower.contains("token") || lower.contains("secret")
				|| lower.contains("password");
	}

}
