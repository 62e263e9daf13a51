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
 * Agentless mode: the service's identity from the Consul servers' public gRPC API
 * ({@code ConnectCAService.WatchRoots} and {@code Sign}, {@code ACLService.Login} and
 * {@code Logout}), with a key pair generated in the process that never leaves it.
 * <p>
 * <strong>Internal:</strong> this package is not part of the supported API of
 * connect-spring-boot. Its types are public only so that the starter's auto-configuration
 * can use them; they may change or disappear in any release without notice. See
 * {@code docs/extending.md} for the supported API.
 */
@NullMarked
package io.meshnative.connect.agentless.internal;

import org.jspecify.annotations.NullMarked;
