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

package io.meshnative.connect.test;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that runs a real Consul cluster ({@link ConsulCluster}) for the tests
 * of one class.
 * <p>
 * Register it on a static field; the cluster starts before the first test and is stopped,
 * with its data deleted, after the last one. Before each test it brings back what an
 * earlier test took away: partitions are healed and stopped or killed agents restarted
 * with their data ({@link ConsulCluster#start()}). Test methods and constructors may
 * declare a {@link ConsulCluster} parameter: <pre class="code">
 * &#64;RegisterExtension
 * static final ConsulClusterExtension consul = ConsulClusterExtension.of(ConsulCluster.create());
 *
 * &#64;Test
 * void leaderLoss(ConsulCluster cluster) { ... cluster.kill(cluster.leader()) ... }
 * </pre> A missing Consul binary fails the tests; it never skips them.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConsulClusterExtension
		implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback, ParameterResolver {

	private final ConsulCluster cluster;

	private ConsulClusterExtension(ConsulCluster cluster) {
		this.cluster = cluster;
	}

	/**
	 * Create an extension for the given cluster, which must not be started yet.
	 * @param cluster the cluster, for example {@code ConsulCluster.create().withAcl()}
	 * @return the extension
	 */
	public static ConsulClusterExtension of(ConsulCluster cluster) {
		if (cluster.isStarted()) {
			throw new IllegalArgumentException("The cluster is already started; the extension starts and stops it");
		}
		return new ConsulClusterExtension(cluster);
	}

	/**
	 * Return the cluster, started once the first test of the class runs.
	 * @return the cluster
	 */
	public ConsulCluster getCluster() {
		return this.cluster;
	}

	@Override
	public void beforeAll(ExtensionContext context) {
		this.cluster.start();
	}

	@Override
	public void beforeEach(ExtensionContext context) {
		this.cluster.start();
	}

	@Override
	public void afterAll(ExtensionContext context) {
		this.cluster.stop();
	}

	@Override
	public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
		return parameterContext.getParameter().getType() == ConsulCluster.class;
	}

	@Override
	public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
		return this.cluster.isStarted() ? this.cluster : this.cluster.start();
	}

}
