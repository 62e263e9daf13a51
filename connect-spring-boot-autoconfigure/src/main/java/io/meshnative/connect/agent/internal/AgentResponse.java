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

import org.jspecify.annotations.Nullable;

/**
 * A decoded answer of the agent with the blocking-query metadata from its headers.
 *
 * @param <T> the value type
 * @param value the decoded body
 * @param index the {@code X-Consul-Index} header, {@code 0} when absent
 * @param contentHash the {@code X-Consul-ContentHash} header, {@code null} when absent
 * @param cacheHit whether the agent cache answered ({@code X-Cache: HIT}), {@code null}
 * when not reported
 * @param cacheAge age of the cached value ({@code Age}), {@code null} when not reported
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public record AgentResponse<T>(T value, long index, @Nullable String contentHash, @Nullable Boolean cacheHit,
		@Nullable Duration cacheAge) {

}
