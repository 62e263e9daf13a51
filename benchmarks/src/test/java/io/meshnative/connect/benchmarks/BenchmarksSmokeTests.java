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

package io.meshnative.connect.benchmarks;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.Collections;

import com.sun.net.httpserver.HttpServer;
import io.meshnative.connect.benchmarks.micro.LoadBalancerBenchmark;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Smoke tests: the load driver and one JMH benchmark run for about a second each. The
 * real runs are {@code scripts/bench}'s.
 *
 * @author connect-spring-boot authors
 */
class BenchmarksSmokeTests {

	private HttpServer server;

	@BeforeEach
	void startServer() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
		byte[] body = new byte[BenchServerApplication.RESPONSE_SIZE];
		this.server.createContext("/bytes", (exchange) -> {
			exchange.sendResponseHeaders(200, body.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
		});
		this.server.start();
	}

	@AfterEach
	void stopServer() {
		this.server.stop(0);
	}

	@Test
	void driverHoldsAFixedRateAndRecordsLatencies() throws Exception {
		LoadDriver.Result result = driver().rate(2, 200, 0.2, 1);
		assertThat(result.errors()).isZero();
		assertThat(result.requests()).isBetween(150L, 250L);
		assertThat(result.p50Micros()).isPositive();
		assertThat(result.p999Micros()).isGreaterThanOrEqualTo(result.p99Micros());
		assertThat(result.serverCpuSeconds()).isNaN();
	}

	@Test
	void driverChurnsConnections() throws Exception {
		LoadDriver.Result result = driver().churn(1, 0.1, 0.5);
		assertThat(result.errors()).isZero();
		assertThat(result.requests()).isPositive();
	}

	@Test
	void resultLineRoundTrips() {
		LoadDriver.Result result = new LoadDriver.Result("rate", 10, 1, 10.0, 1.5, 2.5, 3.5, 4.5, 0.25, Double.NaN, 0.5,
				0.01, 1.5, "java");
		assertThat(LoadDriver.Result.parse(result.toLine())).isEqualTo(result);
	}

	@Test
	void jmhBenchmarkRuns() throws Exception {
		Collection<RunResult> results = new Runner(
				new OptionsBuilder().include(LoadBalancerBenchmark.class.getName() + ".pick$")
					.param("policyName", "round_robin")
					.forks(0)
					.warmupIterations(0)
					.measurementIterations(1)
					.measurementTime(TimeValue.seconds(1))
					.build())
			.run();
		assertThat(results).hasSize(1);
		assertThat(results.iterator().next().getPrimaryResult().getScore()).isPositive();
	}

	private LoadDriver driver() {
		return new LoadDriver(new LoadDriver.SocketTransport("127.0.0.1", this.server.getAddress().getPort(), null),
				Collections.emptyList(), Collections.emptyList());
	}

}
