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

package io.meshnative.connect.benchmarks.micro;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.authz.AuthorizationDecision;
import io.meshnative.connect.authz.ConnectAuthorizer;
import io.meshnative.connect.identity.SpiffeId;
import io.meshnative.connect.test.FakeConsulAgent;
import io.meshnative.connect.test.FakeResponse;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A local authorization decision for a known caller: what every connection costs in
 * {@link ConnectAuthorizer} once the intentions are known (they are read once, by the
 * constructor).
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AuthorizationBenchmark {

	private static final String CALLER = "spiffe://11111111-2222-3333-4444-555555555555.consul/ns/default/dc/dc1/svc/web";

	private static final SpiffeId CALLER_ID = SpiffeId.parse(CALLER);

	private final FakeConsulAgent agent = FakeConsulAgent.start()
		.setDefaultResponse(FakeResponse.json("{\"api\":[{\"SourceNS\":\"default\",\"SourceName\":\"web\","
				+ "\"DestinationNS\":\"default\",\"DestinationName\":\"api\",\"Action\":\"allow\","
				+ "\"Precedence\":9}]}"));

	private final ConsulAgentClient client = ConsulAgentClient.builder(URI.create(this.agent.getHttpAddress())).build();

	private final ConnectAuthorizer authorizer = new ConnectAuthorizer(this.client, "api",
			ConnectAuthorizer.FailureMode.DENY, Duration.ofMinutes(5))
		.start();

	/**
	 * Create the state and read the intentions once.
	 */
	public AuthorizationBenchmark() {
		this.authorizer.awaitIntentions(Duration.ofSeconds(30));
		if (!this.authorizer.authorize(CALLER_ID).allowed()) {
			throw new IllegalStateException("Expected the intention to allow");
		}
	}

	/**
	 * Decide for a known caller.
	 * @return the decision
	 */
	@Benchmark
	public AuthorizationDecision decision() {
		return this.authorizer.authorize(CALLER_ID);
	}

	/**
	 * Close the authorizer and the fake agent.
	 */
	@TearDown
	public void close() {
		this.authorizer.close();
		this.client.close();
		this.agent.close();
	}

}
