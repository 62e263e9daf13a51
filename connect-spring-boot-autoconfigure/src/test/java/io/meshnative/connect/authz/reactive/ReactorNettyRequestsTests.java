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

package io.meshnative.connect.authz.reactive;

import org.junit.jupiter.api.Test;

import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ReactorNettyRequests}.
 *
 * @author connect-spring-boot authors
 */
class ReactorNettyRequestsTests {

	@Test
	void requestTheServerDidNotMakeIsLeftToItsSslInfo() {
		MockServerHttpRequest request = MockServerHttpRequest.get("/bytes").build();
		assertThat(ReactorNettyRequests.peerCertificates(request)).isNull();
	}

	@Test
	void mutatedRequestIsLeftToItsSslInfo() {
		MockServerHttpRequest request = MockServerHttpRequest.get("/bytes").build();
		assertThat(ReactorNettyRequests.peerCertificates(request.mutate().path("/other").build())).isNull();
	}

}
