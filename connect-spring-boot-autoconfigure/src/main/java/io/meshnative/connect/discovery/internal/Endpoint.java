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

import java.util.Map;

/**
 * One instance of a target service that a {@link LoadBalancingPolicy} can pick.
 *
 * @param address the address to connect to
 * @param port the port to connect to
 * @param instanceId the instance (service) ID
 * @param meta the instance metadata
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public record Endpoint(String address, int port, String instanceId, Map<String, String> meta) {

	public Endpoint {
		meta = Map.copyOf(meta);
	}

}
