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
 * WebFlux adapters of Connect authorization: the web filter that validates and authorizes
 * every request to the mesh port by its caller's client certificate (requests to a
 * separate management server excepted), and the argument resolver that hands the
 * authorized {@link io.meshnative.connect.authz.ConnectCaller} to controller methods. The
 * auto-configuration registers both; applications rarely refer to them except to look up
 * or order the filter bean.
 */
@NullMarked
package io.meshnative.connect.authz.reactive;

import org.jspecify.annotations.NullMarked;
