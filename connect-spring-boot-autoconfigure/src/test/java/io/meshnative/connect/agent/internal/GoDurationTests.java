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

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link GoDuration} and the duration decoding of {@link AgentJson}.
 *
 * @author connect-spring-boot authors
 */
class GoDurationTests {

	@Test
	void parsesGoDurations() {
		assertThat(GoDuration.parse("0s")).isZero();
		assertThat(GoDuration.parse("0")).isZero();
		assertThat(GoDuration.parse("15s")).isEqualTo(Duration.ofSeconds(15));
		assertThat(GoDuration.parse("1h2m3.5s")).isEqualTo(Duration.ofMillis(3_723_500));
		assertThat(GoDuration.parse("72h")).isEqualTo(Duration.ofHours(72));
		assertThat(GoDuration.parse("500ms")).isEqualTo(Duration.ofMillis(500));
		assertThat(GoDuration.parse("100us")).isEqualTo(Duration.ofNanos(100_000));
		assertThat(GoDuration.parse("100\u00b5s")).isEqualTo(Duration.ofNanos(100_000));
		assertThat(GoDuration.parse("7ns")).isEqualTo(Duration.ofNanos(7));
		assertThat(GoDuration.parse("-5s")).isEqualTo(Duration.ofSeconds(-5));
	}

	@Test
	void rejectsMalformedDurations() {
		assertThatIllegalArgumentException().isThrownBy(() -> GoDuration.parse("5"));
		assertThatIllegalArgumentException().isThrownBy(() -> GoDuration.parse("5 days"));
		assertThatIllegalArgumentException().isThrownBy(() -> GoDuration.parse(""));
	}

	@Test
	void formatsForQueryParameters() {
		assertThat(GoDuration.format(Duration.ofMinutes(5))).isEqualTo("300s");
		assertThat(GoDuration.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
		assertThat(GoDuration.format(Duration.ofNanos(10))).as("never 0ms for a positive wait").isEqualTo("1ms");
		assertThat(GoDuration.format(Duration.ZERO)).isEqualTo("0s");
	}

	@Test
	void decodesBothChainEncodings() {
		DiscoveryChain.Resolver resolver = AgentJson.MAPPER.readValue(
				"{\"Default\":false,\"ConnectTimeout\":\"5s\",\"RequestTimeout\":7000000000,\"Target\":\"t\"}",
				DiscoveryChain.Resolver.class);
		assertThat(resolver.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
		assertThat(resolver.requestTimeout()).isEqualTo(Duration.ofSeconds(7));
	}

	@Test
	void writesNoAbsentFieldsAndConsulNames() {
		String json = AgentJson.MAPPER
			.writeValueAsString(new AuthorizeRequest("db", "spiffe://td/ns/default/dc/dc1/svc/web", null));
		assertThat(json).isEqualTo("{\"Target\":\"db\",\"ClientCertURI\":\"spiffe://td/ns/default/dc/dc1/svc/web\"}");
		String registration = AgentJson.MAPPER.writeValueAsString(
				ServiceRegistration.connectNative("web-1", "web", "127.0.0.1", 8443, java.util.Collections.emptyMap()));
		assertThat(registration)
			.contains("\"ID\":\"web-1\"", "\"Name\":\"web\"", "\"Connect\":{\"Native\":true}",
					"\"TCP\":\"127.0.0.1:8443\"")
			.doesNotContain("null", "Kind", "Proxy");
	}

}
