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

import org.jspecify.annotations.Nullable;
import reactor.netty.http.server.HttpServerRequest;

import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;

/**
 * Reads the request target of a request served by Reactor Netty exactly as it appeared on
 * the request line (kept apart so that {@link ConnectAuthorizationWebFilter} loads
 * without Reactor Netty).
 *
 * @author connect-spring-boot authors
 */
final class ReactorNettyRequests {

	private ReactorNettyRequests() {
	}

	/**
	 * Return the request target of a request as its request line carried it.
	 * @param request the request
	 * @return the request target, {@code null} when Reactor Netty does not serve it
	 */
	static @Nullable String requestTarget(ServerHttpRequest request) {
		Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
		return (nativeRequest instanceof HttpServerRequest serverRequest) ? serverRequest.uri() : null;
	}

}
