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

package io.meshnative.connect.proxy;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link UpstreamListener}.
 *
 * @author connect-spring-boot authors
 */
class UpstreamListenerTests {

	@Test
	void aRequestHasABodyWhenChunkedOrWithANonZeroContentLength() {
		assertThat(UpstreamListener.hasBody(headers("Transfer-Encoding", "chunked"))).isTrue();
		assertThat(UpstreamListener.hasBody(headers("Content-Length", "12"))).isTrue();
		assertThat(UpstreamListener.hasBody(headers("Content-Length", "x"))).isTrue();
	}

	@Test
	void aRequestWithoutBodyHeadersOrWithAZeroContentLengthHasNoBody() {
		assertThat(UpstreamListener.hasBody(new DefaultHttpHeaders())).isFalse();
		assertThat(UpstreamListener.hasBody(headers("Content-Length", "0"))).isFalse();
	}

	private static HttpHeaders headers(String name, String value) {
		return new DefaultHttpHeaders().add(name, value);
	}

}
