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

package io.meshnative.connect.proxy;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The proxy's meters, tagged by listener ({@code public} or the upstream name):
 * <ul>
 * <li>{@code connect.proxy.connections.active}: open downstream connections;</li>
 * <li>{@code connect.proxy.connections}: connections by {@code outcome}
 * ({@code accepted}, {@code denied}, {@code limit}, {@code failed});</li>
 * <li>{@code connect.proxy.requests}: requests on {@code http} listeners by
 * {@code outcome} ({@code allowed}, {@code denied}, {@code failed}).</li>
 * </ul>
 *
 * @author connect-spring-boot authors
 */
final class ProxyMetrics {

	private final MeterRegistry registry;

	private final Map<String, Counter> counters = new ConcurrentHashMap<>();

	private final Map<String, AtomicInteger> active = new ConcurrentHashMap<>();

	ProxyMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	AtomicInteger active(String listener) {
		return this.active.computeIfAbsent(listener, (name) -> {
			AtomicInteger value = new AtomicInteger();
			Gauge.builder("connect.proxy.connections.active", value, AtomicInteger::get)
				.description("Open downstream connections of a proxy listener")
				.tag("listener", name)
				.register(this.registry);
			return value;
		});
	}

	void connection(String listener, String outcome) {
		counter("connect.proxy.connections", "Downstream connections of a proxy listener, by outcome", listener,
				outcome)
			.increment();
	}

	void request(String listener, String outcome) {
		counter("connect.proxy.requests", "Requests on an http proxy listener, by outcome", listener, outcome)
			.increment();
	}

	void gauge(String name, String description, Supplier<Number> value) {
		Gauge.builder(name, value).description(description).register(this.registry);
	}

	private Counter counter(String name, String description, String listener, String outcome) {
		return this.counters.computeIfAbsent(name + "|" + listener + "|" + outcome,
				(key) -> Counter.builder(name)
					.description(description)
					.tag("listener", listener)
					.tag("outcome", outcome)
					.register(this.registry));
	}

}
