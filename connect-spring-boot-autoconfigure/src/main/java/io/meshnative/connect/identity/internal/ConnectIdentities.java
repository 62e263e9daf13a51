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

package io.meshnative.connect.identity.internal;

import java.util.concurrent.atomic.AtomicReference;

import io.meshnative.connect.agent.internal.CaRoots;
import io.meshnative.connect.agent.internal.LeafCertificate;
import io.meshnative.connect.identity.ConnectIdentity;
import org.jspecify.annotations.Nullable;

/**
 * Builds {@link ConnectIdentity} snapshots from the agent's material outside the
 * {@code identity} package, for the benchmarks. The supported {@link ConnectIdentity}
 * exposes only accessors; its factories are package-private, and {@link ConnectIdentity}
 * hands them to this class once, when it is initialized.
 *
 * @author connect-spring-boot authors
 */
public final class ConnectIdentities {

	private static final AtomicReference<@Nullable Factory> factory = new AtomicReference<>();

	private ConnectIdentities() {
	}

	/**
	 * Create a snapshot from the agent's roots and leaf, checking that the material is
	 * usable.
	 * @param service the service name the leaf must be for
	 * @param roots the roots
	 * @param rootsIndex the query index of the roots
	 * @param leaf the leaf
	 * @param leafIndex the query index of the leaf
	 * @return the snapshot
	 * @throws RuntimeException if the material is not usable
	 */
	public static ConnectIdentity of(String service, CaRoots roots, long rootsIndex, LeafCertificate leaf,
			long leafIndex) {
		return factory().of(service, roots, rootsIndex, leaf, leafIndex);
	}

	/**
	 * Return a copy of a snapshot with new roots and the same leaf.
	 * @param identity the snapshot
	 * @param roots the new roots
	 * @param rootsIndex their query index
	 * @return the new snapshot
	 * @throws RuntimeException if the roots are not usable
	 */
	public static ConnectIdentity withRoots(ConnectIdentity identity, CaRoots roots, long rootsIndex) {
		return factory().withRoots(identity, roots, rootsIndex);
	}

	/**
	 * Return a copy of a snapshot with a new leaf and the same roots.
	 * @param identity the snapshot
	 * @param leaf the new leaf
	 * @param leafIndex its query index
	 * @return the new snapshot
	 * @throws RuntimeException if the leaf is not usable
	 */
	public static ConnectIdentity withLeaf(ConnectIdentity identity, LeafCertificate leaf, long leafIndex) {
		return factory().withLeaf(identity, leaf, leafIndex);
	}

	/**
	 * Install the factories of {@link ConnectIdentity}; called once, by its class
	 * initializer.
	 * @param installed the factories
	 * @throws IllegalStateException if factories are installed already
	 */
	public static void install(Factory installed) {
		if (!factory.compareAndSet(null, installed)) {
			throw new IllegalStateException("The ConnectIdentity factories are installed already");
		}
	}

	private static Factory factory() {
		Factory current = factory.get();
		if (current == null) {
			initialize();
			current = factory.get();
		}
		if (current == null) {
			throw new IllegalStateException("ConnectIdentity did not install its factories");
		}
		return current;
	}

	private static void initialize() {
		try {
			Class.forName(ConnectIdentity.class.getName(), true, ConnectIdentity.class.getClassLoader());
		}
		catch (ClassNotFoundException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * The package-private factories of {@link ConnectIdentity}.
	 */
	public interface Factory {

		/**
		 * Create a snapshot from the agent's roots and leaf.
		 * @param service the service name the leaf must be for
		 * @param roots the roots
		 * @param rootsIndex the query index of the roots
		 * @param leaf the leaf
		 * @param leafIndex the query index of the leaf
		 * @return the snapshot
		 */
		ConnectIdentity of(String service, CaRoots roots, long rootsIndex, LeafCertificate leaf, long leafIndex);

		/**
		 * Return a copy of a snapshot with new roots and the same leaf.
		 * @param identity the snapshot
		 * @param roots the new roots
		 * @param rootsIndex their query index
		 * @return the new snapshot
		 */
		ConnectIdentity withRoots(ConnectIdentity identity, CaRoots roots, long rootsIndex);

		/**
		 * Return a copy of a snapshot with a new leaf and the same roots.
		 * @param identity the snapshot
		 * @param leaf the new leaf
		 * @param leafIndex its query index
		 * @return the new snapshot
		 */
		ConnectIdentity withLeaf(ConnectIdentity identity, LeafCertificate leaf, long leafIndex);

	}

}
