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

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.meshnative.connect.agent.internal.DiscoveryChain;

/**
 * Applies {@link DiscoveryChain.HeaderModifiers} to a set of headers.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class HeaderModifications {

	private HeaderModifications() {
	}

	/**
	 * Apply header modifiers in order and return the resulting headers. For each
	 * modifier, like Envoy, removals are applied first, then additions (appended to
	 * existing values), then sets (replacing existing values). Header names are
	 * case-insensitive; the given map is not changed.
	 * @param modifiers the modifiers, in order
	 * @param headers the headers to start from
	 * @return the modified headers, an unmodifiable map with case-insensitive keys
	 */
	public static Map<String, List<String>> apply(List<DiscoveryChain.HeaderModifiers> modifiers,
			Map<String, List<String>> headers) {
		Map<String, List<String>> result = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
		headers.forEach((name, values) -> result.computeIfAbsent(name, (key) -> new ArrayList<>()).addAll(values));
		for (DiscoveryChain.HeaderModifiers modifier : modifiers) {
			modifier.remove().forEach(result::remove);
			modifier.add()
				.forEach((name, value) -> result.computeIfAbsent(name, (key) -> new ArrayList<>()).add(value));
			modifier.set().forEach((name, value) -> {
				result.remove(name);
				result.put(name, new ArrayList<>(List.of(value)));
			});
		}
		result.replaceAll((name, values) -> List.copyOf(values));
		return Collections.unmodifiableMap(result);
	}

}
