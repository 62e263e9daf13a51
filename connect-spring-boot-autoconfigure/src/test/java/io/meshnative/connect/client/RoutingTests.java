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
import java.util.Collections;
import java.util.List;

import io.meshnative.connect.discovery.internal.Endpoint;
import io.meshnative.connect.discovery.internal.RouteRequest;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

/**
 * Tests for {@link Routing}: the URI sent to an endpoint keeps the application's path and
 * query byte for byte.
 *
 * @author connect-spring-boot authors
 */
class RoutingTests {

	private static final Endpoint ENDPOINT = new Endpoint("10.0.0.7", 21000, "backend-1", Collections.emptyMap());

	@Test
	void encodedReservedCharactersInPathAndQueryStayEncoded() {
		URI original = URI.create("http://backend/p%26q%3Dr%2Fs%2Bt%3Bu?a=%26%3D%2F%2B%3B&b=%25");
		URI target = Routing.targetUri(original, ENDPOINT, null);
		assertThat(target.toString()).isEqualTo("https://10.0.0.7:21000/p%26q%3Dr%2Fs%2Bt%3Bu?a=%26%3D%2F%2B%3B&b=%25");
		assertThat(target.getRawPath()).isEqualTo("/p%26q%3Dr%2Fs%2Bt%3Bu");
		assertThat(target.getRawQuery()).isEqualTo("a=%26%3D%2F%2B%3B&b=%25");
	}

	@Test
	void pathAndQueryAreNeitherNormalizedNorReordered() {
		URI original = URI.create("http://backend//a//b/./c;v=1/?x=1&y=2&x=3&&=z&flag");
		assertThat(Routing.targetUri(original, ENDPOINT, null).toString())
			.isEqualTo("https://10.0.0.7:21000//a//b/./c;v=1/?x=1&y=2&x=3&&=z&flag");
	}

	@Test
	void lowerCaseEscapesAreKept() {
		URI original = URI.create("http://backend/a%2fb%3bc?q=%2f");
		assertThat(Routing.targetUri(original, ENDPOINT, null).toString())
			.isEqualTo("https://10.0.0.7:21000/a%2fb%3bc?q=%2f");
	}

	@Test
	void rewrittenRawPathIsUsedAndTheQueryKept() {
		URI original = URI.create("http://backend/next/a%2Fb?q=%26");
		assertThat(Routing.targetUri(original, ENDPOINT, "/a%2Fb").toString())
			.isEqualTo("https://10.0.0.7:21000/a%2Fb?q=%26");
	}

	@Test
	void fragmentIsNeverSent() {
		URI original = URI.create("http://backend/a%23b?q=1#frag");
		assertThat(Routing.targetUri(original, ENDPOINT, null).toString())
			.isEqualTo("https://10.0.0.7:21000/a%23b?q=1");
	}

	@Test
	void uriWithoutPathOrQueryHasNeither() {
		assertThat(Routing.targetUri(URI.create("http://backend"), ENDPOINT, null).toString())
			.isEqualTo("https://10.0.0.7:21000");
		assertThat(Routing.targetUri(URI.create("http://backend?q=%2F"), ENDPOINT, null).toString())
			.isEqualTo("https://10.0.0.7:21000?q=%2F");
	}

	@Test
	void queryParametersWithoutValueOrRepeatedAreRoutedOn() {
		RouteRequest route = Routing.routeRequest(HttpMethod.GET, URI.create("http://backend/a?flag&x=1&&x=%2F&y=a=b"),
				new HttpHeaders());
		assertThat(route.queryParameters()).containsExactly(entry("flag", List.of("")), entry("x", List.of("1", "%2F")),
				entry("y", List.of("a=b")));
		assertThat(route.path()).isEqualTo("/a");
	}

	@Test
	void ipv6EndpointIsBracketed() {
		Endpoint ipv6 = new Endpoint("::1", 8443, "backend-2", Collections.emptyMap());
		URI target = Routing.targetUri(URI.create("http://backend/a%2Fb"), ipv6, null);
		assertThat(target.toString()).isEqualTo("https://[::1]:8443/a%2Fb");
		assertThat(target.getHost()).isEqualTo("[::1]");
	}

}
