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

package io.meshnative.connect.client;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import io.meshnative.connect.identity.SpiffeId;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RoutedClientHttpConnector}: the identity and timeout travel in the
 * user info and leave the path and query byte for byte as they are.
 *
 * @author connect-spring-boot authors
 */
class RoutedClientHttpConnectorTests {

	private static final SpiffeId BACKEND = SpiffeId
		.parse("spiffe://11111111-2222-3333-4444-555555555555.consul/ns/default/dc/dc1/svc/backend");

	private static final String ENCODED = "/p%26q%3Dr%2Fs%2Bt%3Bu%2fv%3b?a=%26%3D%2F%2B%3B&&b&c=%25";

	@Test
	void encodeKeepsThePathAndQueryByteForByte() {
		URI encoded = RoutedClientHttpConnector.encode(URI.create("https://10.0.0.7:21000" + ENCODED), BACKEND,
				Duration.ofMillis(1500));
		String userInfo = Base64.getUrlEncoder()
			.withoutPadding()
			.encodeToString(BACKEND.toUri().getBytes(StandardCharsets.UTF_8));
		assertThat(encoded.toString()).isEqualTo("https://" + userInfo + ":1500@10.0.0.7:21000" + ENCODED);
		assertThat(encoded.getRawPath() + "?" + encoded.getRawQuery()).isEqualTo(ENCODED);
	}

	@Test
	void encodeWithoutTimeoutCarriesOnlyTheIdentity() {
		URI encoded = RoutedClientHttpConnector.encode(URI.create("https://10.0.0.7:21000/a%2Fb"), BACKEND, null);
		assertThat(encoded.getRawUserInfo()).doesNotContain(":");
		assertThat(encoded.getRawPath()).isEqualTo("/a%2Fb");
	}

	@Test
	void withoutUserInfoRestoresTheEndpointUriByteForByte() {
		URI endpoint = URI.create("https://10.0.0.7:21000" + ENCODED);
		URI sent = RoutedClientHttpConnector
			.withoutUserInfo(RoutedClientHttpConnector.encode(endpoint, BACKEND, Duration.ofSeconds(2)));
		assertThat(sent.toString()).isEqualTo(endpoint.toString());
		assertThat(sent.getRawUserInfo()).isNull();
	}

	@Test
	void ipv6EndpointSurvivesTheRoundTrip() {
		URI endpoint = URI.create("https://[::1]:8443/a%2Fb?q=%3B");
		assertThat(RoutedClientHttpConnector.withoutUserInfo(RoutedClientHttpConnector.encode(endpoint, BACKEND, null))
			.toString()).isEqualTo("https://[::1]:8443/a%2Fb?q=%3B");
	}

}
