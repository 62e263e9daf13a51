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

/**
 * A Connect sidecar proxy for applications that cannot embed the starter: accepts inbound
 * mTLS for the service it fronts, authorizes each caller (and each request of an
 * {@code http} service) exactly as the starter's filters do, and gives the application
 * plain local listeners for its upstreams, dialled over mTLS through the discovery chain.
 */
@NullMarked
package io.meshnative.connect.proxy;

import org.jspecify.annotations.NullMarked;
