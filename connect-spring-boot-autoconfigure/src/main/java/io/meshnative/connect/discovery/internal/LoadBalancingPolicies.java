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

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;

import io.meshnative.connect.agent.internal.DiscoveryChain;
import io.meshnative.connect.agent.internal.DiscoveryChain.HashPolicy;
import org.jspecify.annotations.Nullable;

/**
 * {@link LoadBalancingPolicy} implementations for the policies a Consul
 * {@code service-resolver} (or {@code service-splitter}) can configure:
 * {@code round_robin}, {@code random}, {@code least_request}, {@code ring_hash} and
 * {@code maglev}.
 * <p>
 * Every policy returns a new, thread-safe instance that keeps its own state; keep one per
 * target. The hash-based policies compute a request hash from the configured
 * {@link HashPolicy hash policies} (header, cookie, query parameter or source IP,
 * combined in order, stopping after a terminal policy that produced a value) and pick a
 * random endpoint when no policy produced a value. Unlike Envoy, cookie policies never
 * generate a cookie: a request without the cookie gets no hash from that policy.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class LoadBalancingPolicies {

	/**
	 * Envoy's default minimum ring size for {@code ring_hash}.
	 */
	static final long DEFAULT_MINIMUM_RING_SIZE = 1024;

	/**
	 * Envoy's default maximum ring size for {@code ring_hash}.
	 */
	static final long DEFAULT_MAXIMUM_RING_SIZE = 8 * 1024 * 1024;

	/**
	 * Envoy's default {@code maglev} table size, a prime.
	 */
	static final int MAGLEV_TABLE_SIZE = 65537;

	private LoadBalancingPolicies() {
	}

	/**
	 * Return a new policy for the given load-balancer settings.
	 * @param settings the settings from a discovery chain node, {@code null} for the
	 * default
	 * @return a new policy; round robin when the settings or their policy are absent
	 * @throws IllegalArgumentException for an unknown policy name
	 */
	public static LoadBalancingPolicy forSettings(DiscoveryChain.@Nullable LoadBalancer settings) {
		if (settings == null) {
			return roundRobin();
		}
		return switch (settings.policy()) {
			case "", "round_robin" -> roundRobin();
			case "random" -> random();
			case "least_request" ->
				leastRequest((settings.leastRequestConfig() != null) ? settings.leastRequestConfig().choiceCount() : 0);
			case "ring_hash" -> (settings.ringHashConfig() != null) ? ringHash(settings.hashPolicies(),
					settings.ringHashConfig().minimumRingSize(), settings.ringHashConfig().maximumRingSize())
					: ringHash(settings.hashPolicies(), 0, 0);
			case "maglev" -> maglev(settings.hashPolicies());
			default -> throw new IllegalArgumentException("Unknown load-balancer policy '" + settings.policy() + "'");
		};
	}

	/**
	 * Return a new round-robin policy.
	 * @return the policy
	 */
	public static LoadBalancingPolicy roundRobin() {
		return new RoundRobin();
	}

	/**
	 * Return a random policy.
	 * @return the policy
	 */
	public static LoadBalancingPolicy random() {
		return (endpoints, request, activeRequests) -> endpoints.isEmpty() ? null
				: endpoints.get(ThreadLocalRandom.current().nextInt(endpoints.size()));
	}

	/**
	 * Return a new least-request policy: of {@code choiceCount} distinct random endpoints
	 * (all of them when there are no more), the one with the fewest active requests.
	 * @param choiceCount the number of choices, 2 (Envoy's default) when less than 2
	 * @return the policy
	 */
	public static LoadBalancingPolicy leastRequest(int choiceCount) {
		return new LeastRequest(Math.max(choiceCount, 2));
	}

	/**
	 * Return a new ring-hash policy: a consistent hash ring with virtual nodes for each
	 * endpoint, cached while the endpoints stay the same.
	 * @param hashPolicies the hash policies that compute the request hash
	 * @param minimumRingSize the minimum number of ring entries, 1024 when not positive
	 * @param maximumRingSize the maximum number of ring entries, 8M when not positive
	 * @return the policy
	 */
	public static LoadBalancingPolicy ringHash(List<HashPolicy> hashPolicies, long minimumRingSize,
			long maximumRingSize) {
		long minimum = (minimumRingSize > 0) ? minimumRingSize : DEFAULT_MINIMUM_RING_SIZE;
		long maximum = (maximumRingSize > 0) ? maximumRingSize : DEFAULT_MAXIMUM_RING_SIZE;
		return new RingHash(hashPolicies, Math.min(minimum, maximum));
	}

	/**
	 * Return a new Maglev policy: a lookup table of 65537 entries filled from each
	 * endpoint's permutation, cached while the endpoints stay the same.
	 * @param hashPolicies the hash policies that compute the request hash
	 * @return the policy
	 */
	public static LoadBalancingPolicy maglev(List<HashPolicy> hashPolicies) {
		return new Maglev(hashPolicies);
	}

	/**
	 * Compute the request hash of the given hash policies.
	 * @param hashPolicies the hash policies
	 * @param request the request
	 * @return the hash, or {@code null} when no policy produced a value
	 */
	static @Nullable Long requestHash(List<HashPolicy> hashPolicies, RouteRequest request) {
		Long hash = null;
		for (HashPolicy policy : hashPolicies) {
			String value = hashValue(policy, request);
			if (value != null) {
				long valueHash = hash(value, 0);
				hash = (hash != null) ? (Long.rotateLeft(hash, 1) ^ valueHash) : valueHash;
				if (policy.terminal()) {
					break;
				}
			}
		}
		return hash;
	}

	private static @Nullable String hashValue(HashPolicy policy, RouteRequest request) {
		if (policy.sourceIp()) {
			return request.sourceIp();
		}
		return switch (policy.field()) {
			case "header" -> {
				List<String> values = request.headers().get(policy.fieldValue());
				yield (values == null || values.isEmpty()) ? null : String.join(",", values);
			}
			case "query_parameter" -> request.queryParameter(policy.fieldValue());
			case "cookie" -> cookie(request, policy.fieldValue());
			default -> null;
		};
	}

	private static @Nullable String cookie(RouteRequest request, String name) {
		List<String> headers = request.headers().getOrDefault("Cookie", Collections.emptyList());
		for (String header : headers) {
			for (String pair : header.split(";")) {
				int equals = pair.indexOf('=');
				if (equals > 0 && pair.substring(0, equals).trim().equals(name)) {
					return pair.substring(equals + 1).trim();
				}
			}
		}
		return null;
	}

	/**
	 * 64-bit FNV-1a over the UTF-8 bytes, seeded, with the MurmurHash3 finaliser for a
	 * good spread of the high bits.
	 * @param value the value
	 * @param seed the seed
	 * @return the hash
	 */
	static long hash(String value, long seed) {
		long hash = 0xcbf29ce484222325L ^ (seed * 0x9e3779b97f4a7c15L);
		for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
			hash ^= (b & 0xff);
			hash *= 0x100000001b3L;
		}
		hash ^= hash >>> 33;
		hash *= 0xff51afd7ed558ccdL;
		hash ^= hash >>> 33;
		hash *= 0xc4ceb9fe1a85ec53L;
		hash ^= hash >>> 33;
		return hash;
	}

	private static String endpointKey(Endpoint endpoint) {
		return endpoint.address() + ":" + endpoint.port();
	}

	/**
	 * Round robin over the endpoints in list order.
	 */
	private static final class RoundRobin implements LoadBalancingPolicy {

		private final AtomicLong position = new AtomicLong();

		@Override
		public @Nullable Endpoint choose(List<Endpoint> endpoints, RouteRequest request,
				ToIntFunction<Endpoint> activeRequests) {
			if (endpoints.isEmpty()) {
				return null;
			}
			return endpoints.get((int) Math.floorMod(this.position.getAndIncrement(), (long) endpoints.size()));
		}

		@Override
		public String toString() {
			return "round_robin";
		}

	}

	/**
	 * The endpoint with the fewest active requests among distinct random choices.
	 */
	private static final class LeastRequest implements LoadBalancingPolicy {

		private final int choiceCount;

		LeastRequest(int choiceCount) {
			this.choiceCount = choiceCount;
		}

		@Override
		public @Nullable Endpoint choose(List<Endpoint> endpoints, RouteRequest request,
				ToIntFunction<Endpoint> activeRequests) {
			int size = endpoints.size();
			if (size == 0) {
				return null;
			}
			ThreadLocalRandom random = ThreadLocalRandom.current();
			int choices = Math.min(this.choiceCount, size);
			int[] chosen = new int[choices];
			Endpoint best = null;
			int bestActive = Integer.MAX_VALUE;
			for (int i = 0; i < choices; i++) {
				int index;
				if (choices == size) {
					index = (i == 0) ? random.nextInt(size) : (chosen[0] + i) % size;
				}
				else {
					do {
						index = random.nextInt(size);
					}
					while (contains(chosen, i, index));
				}
				chosen[i] = index;
				Endpoint candidate = endpoints.get(index);
				int active = activeRequests.applyAsInt(candidate);
				if (best == null || active < bestActive) {
					best = candidate;
					bestActive = active;
				}
			}
			return best;
		}

		private static boolean contains(int[] values, int length, int value) {
			for (int i = 0; i < length; i++) {
				if (values[i] == value) {
					return true;
				}
			}
			return false;
		}

		@Override
		public String toString() {
			return "least_request(" + this.choiceCount + ")";
		}

	}

	/**
	 * Base for the hash-based policies, caching the lookup structure per endpoint list.
	 *
	 * @param <T> the lookup structure
	 */
	private abstract static class HashBased<T> implements LoadBalancingPolicy {

		private final List<HashPolicy> hashPolicies;

		private volatile @Nullable Cached<T> cached;

		HashBased(List<HashPolicy> hashPolicies) {
			this.hashPolicies = List.copyOf(hashPolicies);
		}

		@Override
		public @Nullable Endpoint choose(List<Endpoint> endpoints, RouteRequest request,
				ToIntFunction<Endpoint> activeRequests) {
			if (endpoints.isEmpty()) {
				return null;
			}
			Long hash = requestHash(this.hashPolicies, request);
			if (hash == null) {
				return endpoints.get(ThreadLocalRandom.current().nextInt(endpoints.size()));
			}
			return select(table(endpoints), hash);
		}

		private T table(List<Endpoint> endpoints) {
			Cached<T> current = this.cached;
			if (current != null && current.endpoints().equals(endpoints)) {
				return current.table();
			}
			List<Endpoint> copy = List.copyOf(endpoints);
			T table = build(copy);
			this.cached = new Cached<>(copy, table);
			return table;
		}

		abstract T build(List<Endpoint> endpoints);

		abstract Endpoint select(T table, long hash);

	}

	/**
	 * A cached lookup structure and the endpoints it was built from.
	 *
	 * @param <T> the lookup structure
	 * @param endpoints an immutable copy of the endpoints, compared by equality so that a
	 * new list of the same endpoints (as callers build per request) reuses the structure
	 * and a list changed in place does not
	 * @param table the lookup structure
	 */
	private record Cached<T>(List<Endpoint> endpoints, T table) {

	}

	/**
	 * A consistent hash ring with virtual nodes.
	 */
	private static final class RingHash extends HashBased<RingHash.Ring> {

		private final long ringSize;

		RingHash(List<HashPolicy> hashPolicies, long ringSize) {
			super(hashPolicies);
			this.ringSize = ringSize;
		}

		@Override
		Ring build(List<Endpoint> endpoints) {
			int perEndpoint = (int) Math.min(Integer.MAX_VALUE / endpoints.size(),
					(this.ringSize + endpoints.size() - 1) / endpoints.size());
			List<Entry> entries = new ArrayList<>(perEndpoint * endpoints.size());
			for (Endpoint endpoint : endpoints) {
				String key = endpointKey(endpoint);
				for (int i = 0; i < perEndpoint; i++) {
					entries.add(new Entry(hash(key + "_" + i, 0), endpoint));
				}
			}
			entries.sort(Comparator.comparing(Entry::hash, Long::compareUnsigned));
			long[] hashes = new long[entries.size()];
			Endpoint[] owners = new Endpoint[entries.size()];
			for (int i = 0; i < hashes.length; i++) {
				hashes[i] = entries.get(i).hash();
				owners[i] = entries.get(i).endpoint();
			}
			return new Ring(hashes, owners);
		}

		@Override
		Endpoint select(Ring ring, long hash) {
			int low = 0;
			int high = ring.hashes().length;
			while (low < high) {
				int middle = (low + high) >>> 1;
				if (Long.compareUnsigned(ring.hashes()[middle], hash) < 0) {
					low = middle + 1;
				}
				else {
					high = middle;
				}
			}
			return ring.owners()[(low == ring.hashes().length) ? 0 : low];
		}

		@Override
		public String toString() {
			return "ring_hash(" + this.ringSize + ")";
		}

		/**
		 * A ring entry.
		 *
		 * @param hash the position on the ring
		 * @param endpoint the endpoint owning it
		 */
		private record Entry(long hash, Endpoint endpoint) {

		}

		/**
		 * The ring, sorted by unsigned hash.
		 *
		 * @param hashes the positions
		 * @param owners the endpoint at each position
		 */
		private record Ring(long[] hashes, Endpoint[] owners) {

		}

	}

	/**
	 * Maglev consistent hashing.
	 */
	private static final class Maglev extends HashBased<Endpoint[]> {

		Maglev(List<HashPolicy> hashPolicies) {
			super(hashPolicies);
		}

		@Override
		Endpoint[] build(List<Endpoint> endpoints) {
			int size = endpoints.size();
			long[] offsets = new long[size];
			long[] skips = new long[size];
			for (int i = 0; i < size; i++) {
				String key = endpointKey(endpoints.get(i));
				offsets[i] = Long.remainderUnsigned(hash(key, 0), MAGLEV_TABLE_SIZE);
				skips[i] = Long.remainderUnsigned(hash(key, 1), MAGLEV_TABLE_SIZE - 1) + 1;
			}
			Endpoint[] table = new Endpoint[MAGLEV_TABLE_SIZE];
			long[] next = new long[size];
			int filled = 0;
			while (true) {
				for (int i = 0; i < size; i++) {
					int slot;
					do {
						slot = (int) ((offsets[i] + next[i] * skips[i]) % MAGLEV_TABLE_SIZE);
						next[i]++;
					}
					while (table[slot] != null);
					table[slot] = endpoints.get(i);
					if (++filled == MAGLEV_TABLE_SIZE) {
						return table;
					}
				}
			}
		}

		@Override
		Endpoint select(Endpoint[] table, long hash) {
			return table[(int) Long.remainderUnsigned(hash, MAGLEV_TABLE_SIZE)];
		}

		@Override
		public String toString() {
			return "maglev";
		}

	}

}
