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

/**
 * Answer of {@code GET /v1/connect/intentions/check}: whether the intentions (or, when
 * none matches, the default decision) allow a source to connect to a destination.
 *
 * @param allowed whether the source is allowed
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public record IntentionCheck(boolean allowed) {

}
