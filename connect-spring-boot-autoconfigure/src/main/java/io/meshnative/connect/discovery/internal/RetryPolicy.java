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

package io.meshnative.connect.discovery.internal;

import java.util.Collections;
import java.util.List;

/**
 * How a routed request is retried, from a route's destination.
 *
 * @param numRetries the number of retries after the first attempt
 * @param retryOnConnectFailure whether to retry when the connection fails
 * @param retryOn the Envoy retry conditions (for example {@code 5xx}, {@code reset})
 * @param retryOnStatusCodes the response status codes to retry on
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public record RetryPolicy(int numRetries, boolean retryOnConnectFailure, List<String> retryOn,
		List<Integer> retryOnStatusCodes) {

	/**
	 * No retries.
	 */
	public static final RetryPolicy NONE = new RetryPolicy(0, false, Collections.emptyList(), Collections.emptyList());

	public RetryPolicy {
		retryOn = List.copyOf(retryOn);
		retryOnStatusCodes = List.copyOf(retryOnStatusCodes);
	}

}
