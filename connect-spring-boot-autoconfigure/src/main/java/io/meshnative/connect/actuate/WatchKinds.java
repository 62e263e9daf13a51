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

package io.meshnative.connect.actuate;

import java.util.List;

import io.meshnative.connect.agent.internal.AgentQuery;

/**
 * The kind of a watch, a bounded tag value derived from the path of its query.
 *
 * @author connect-spring-boot authors
 */
final class WatchKinds {

	static final List<String> ALL = List.of("roots", "leaf", "intentions", "discovery-chain", "health", "agent-service",
			"config-entry", "other");

	private WatchKinds() {
	}

	static String of(AgentQuery<?> query) {
		String path = query.getPath();
		if (path.startsWith("/v1/agent/connect/ca/roots")) {
			return "roots";
		}
		if (path.startsWith("/v1/agent/connect/ca/leaf/")) {
			return "leaf";
		}
		if (path.startsWith("/v1/connect/intentions")) {
			return "intentions";
		}
		if (path.startsWith("/v1/discovery-chain/")) {
			return "discovery-chain";
		}
		if (path.startsWith("/v1/health/")) {
			return "health";
		}
		if (path.startsWith("/v1/agent/service/")) {
			return "agent-service";
		}
		if (path.startsWith("/v1/config/")) {
			return "config-entry";
		}
		return "other";
	}

}
