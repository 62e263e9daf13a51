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

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Normalises values decoded from the agent: Consul sends {@code null} for empty lists,
 * maps and strings.
 *
 * @author connect-spring-boot authors
 */
final class Values {

	private Values() {
	}

	static <T> List<T> list(@Nullable List<T> list) {
		return (list != null) ? Collections.unmodifiableList(list) : Collections.emptyList();
	}

	static <K, V> Map<K, V> map(@Nullable Map<K, V> map) {
		return (map != null) ? Collections.unmodifiableMap(new LinkedHashMap<>(map)) : Collections.emptyMap();
	}

	static String string(@Nullable String value) {
		return (value != null) ? value : "";
	}

}
