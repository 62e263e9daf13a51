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

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;

/**
 * An intention as returned by {@code GET /v1/connect/intentions/match}, in evaluation
 * order.
 *
 * @param id the intention ID (empty for intentions defined in config entries)
 * @param description the description
 * @param sourceNs the source namespace
 * @param sourceName the source service name, or {@code *}
 * @param destinationNs the destination namespace
 * @param destinationName the destination service name, or {@code *}
 * @param sourcePartition the source partition
 * @param destinationPartition the destination partition
 * @param sourcePeer the source peer
 * @param sourceType the source type, {@code consul}
 * @param action {@code allow} or {@code deny}; empty for an L7 intention
 * @param permissions L7 permissions, empty for an L4 intention
 * @param precedence the precedence, higher wins
 * @param meta metadata
 * @param jwt JWT requirements of the intention, {@code null} when absent
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public record Intention(@JsonProperty("ID") String id, String description, @JsonProperty("SourceNS") String sourceNs,
		String sourceName, @JsonProperty("DestinationNS") String destinationNs, String destinationName,
		String sourcePartition, String destinationPartition, String sourcePeer, String sourceType, String action,
		List<Permission> permissions, int precedence, Map<String, String> meta,
		@JsonProperty("JWT") @Nullable Map<String, Object> jwt) {

	public Intention {
		id = Values.string(id);
		description = Values.string(description);
		sourceNs = Values.string(sourceNs);
		sourceName = Values.string(sourceName);
		destinationNs = Values.string(destinationNs);
		destinationName = Values.string(destinationName);
		sourcePartition = Values.string(sourcePartition);
		destinationPartition = Values.string(destinationPartition);
		sourcePeer = Values.string(sourcePeer);
		sourceType = Values.string(sourceType);
		action = Values.string(action);
		permissions = Values.list(permissions);
		meta = Values.map(meta);
	}

	/**
	 * An L7 permission.
	 *
	 * @param action {@code allow} or {@code deny}
	 * @param http the HTTP request match, {@code null} when absent
	 * @param jwt JWT requirements, {@code null} when absent
	 */
	public record Permission(String action, @JsonProperty("HTTP") @Nullable HttpPermission http,
			@JsonProperty("JWT") @Nullable Map<String, Object> jwt) {

		public Permission {
			action = Values.string(action);
		}

	}

	/**
	 * The HTTP match of an L7 permission.
	 *
	 * @param pathExact exact path
	 * @param pathPrefix path prefix
	 * @param pathRegex path regular expression
	 * @param header header matches, all of which must hold
	 * @param methods allowed methods, any when empty
	 */
	public record HttpPermission(@Nullable String pathExact, @Nullable String pathPrefix, @Nullable String pathRegex,
			List<HeaderPermission> header, List<String> methods) {

		public HttpPermission {
			header = Values.list(header);
			methods = Values.list(methods);
		}

	}

	/**
	 * A header match of an L7 permission.
	 *
	 * @param name the header name
	 * @param present match when the header is present
	 * @param exact exact value
	 * @param prefix value prefix
	 * @param suffix value suffix
	 * @param regex value regular expression
	 * @param contains value substring (Consul 1.20.1 and later)
	 * @param ignoreCase compare values without regard to case (Consul 1.20.1 and later)
	 * @param invert invert the match
	 */
	public record HeaderPermission(String name, boolean present, @Nullable String exact, @Nullable String prefix,
			@Nullable String suffix, @Nullable String regex, @Nullable String contains, boolean ignoreCase,
			boolean invert) {

		public HeaderPermission {
			name = Values.string(name);
		}

	}

}
