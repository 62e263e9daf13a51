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

}
