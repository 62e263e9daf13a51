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

package io.meshnative.connect.client.internal;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.meshnative.connect.discovery.internal.Endpoint;

/**
 * The number of requests in flight to each endpoint ({@code address:port}), which the
 * {@code least_request} policy reads. A counter is dropped once its endpoint has left
 * every upstream and no request to it is in flight, so endpoint churn does not make the
 * counters grow.
 *
 * @author connect-spring-boot authors
 */
public final class ActiveRequests {

	private final Map<String, AtomicInteger> counters = new ConcurrentHashMap<>();

	/**
	 * Return the counter of an endpoint, created at zero on first use. A request
	 * increments it when it starts and must decrement it when it ends.
	 * @param endpoint the endpoint
	 * @return the counter
	 */
	public AtomicInteger counter(Endpoint endpoint) {
		return this.counters.computeIfAbsent(key(endpoint), (key) -> new AtomicInteger());
	}

	/**
	 * Drop the idle counters of endpoints that are no longer offered.
	 * @param live the keys ({@link #key(String, int)}) of the endpoints still offered
	 */
	void retain(Collection<String> live) {
		this.counters.entrySet().removeIf((entry) -> entry.getValue().get() <= 0 && !live.contains(entry.getKey()));
	}

	/**
	 * Return the endpoints that have a counter.
	 * @return the keys, a snapshot
	 */
	Set<String> keys() {
		return Set.copyOf(this.counters.keySet());
	}

	/**
	 * Return the key of an endpoint's counter.
	 * @param endpoint the endpoint
	 * @return {@code address:port}
	 */
	public static String key(Endpoint endpoint) {
		return key(endpoint.address(), endpoint.port());
	}

	static String key(String address, int port) {
		return address + ":" + port;
	}

}
