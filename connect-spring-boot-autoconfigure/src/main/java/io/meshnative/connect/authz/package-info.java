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
 * Connect authorization, supported API: the authorized {@link ConnectCaller} of a
 * request, the {@link ConnectAuthorizer} that decides locally from the service's
 * intentions (the bean to add a {@link ConnectAuthorizationListener} to, and its
 * {@link ConnectAuthorizer.FailureMode}), and the decisions the listeners are told about.
 * The filters that enforce the decisions are in
 * {@code io.meshnative.connect.authz.servlet} and
 * {@code io.meshnative.connect.authz.reactive}.
 */
@NullMarked
package io.meshnative.connect.authz;

import org.jspecify.annotations.NullMarked;
