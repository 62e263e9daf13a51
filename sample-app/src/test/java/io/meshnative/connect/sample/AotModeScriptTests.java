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

package io.meshnative.connect.sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.meshnative.connect.test.TestPorts;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs {@code scripts/aot-check} against the jar this build repackaged with Spring AOT
 * processing ({@code mvn -Paot verify}; the {@code aot} profile runs {@code process-aot}
 * for the frontend role and adds this test to Failsafe): the frontend starts with
 * {@code -Dspring.aot.enabled=true} and serves mesh calls to a backend over mTLS, one
 * through {@code ConnectClientFactory} and one through a {@code RestClient} injected with
 * {@code @ConnectClient}.
 *
 * @author connect-spring-boot authors
 */
class AotModeScriptTests {

	@Test
	void aotProcessedFrontendServesAMeshCall() throws IOException, InterruptedException {
		int[] ports = TestPorts.next(6);
		Path output = Files.createTempFile("aot-check", ".log");
		ProcessBuilder builder = new ProcessBuilder(requiredProperty("aot.script")).redirectErrorStream(true)
			.redirectOutput(output.toFile());
		Map<String, String> env = builder.environment();
		env.put("AOT_JAR", requiredProperty("demo.jar"));
		env.put("AOT_CONSUL_HTTP_PORT", String.valueOf(ports[0]));
		env.put("AOT_CONSUL_SERVER_PORT", String.valueOf(ports[1]));
		env.put("AOT_CONSUL_SERF_LAN_PORT", String.valueOf(ports[2]));
		env.put("AOT_CONSUL_SERF_WAN_PORT", String.valueOf(ports[3]));
		env.put("AOT_FRONTEND_PORT", String.valueOf(ports[4]));
		env.put("AOT_BACKEND_PORT", String.valueOf(ports[5]));
		String consul = System.getProperty("connect.consul.binary", "");
		if (!consul.isEmpty()) {
			env.put("CONSUL_BINARY", consul);
		}
		Process process = builder.start();
		process.getOutputStream().close();
		boolean finished = process.waitFor(5, TimeUnit.MINUTES);
		if (!finished) {
			process.destroy();
			process.waitFor(1, TimeUnit.MINUTES);
		}
		String log = Files.readString(output, StandardCharsets.UTF_8);
		System.out.println(log);
		Files.delete(output);
		assertThat(finished).as("scripts/aot-check finished within 5 minutes:\n" + log).isTrue();
		assertThat(log).contains("RESULT frontend started: Starting AOT-processed SampleApplication")
			.contains("RESULT mesh call through the AOT-processed frontend: HTTP 200")
			.contains("RESULT @ConnectClient call through the AOT-processed frontend: HTTP 200")
			.contains("\"service\":\"backend\"");
		assertThat(process.exitValue()).as("exit status of scripts/aot-check:\n" + log).isZero();
	}

	private static String requiredProperty(String name) {
		String value = System.getProperty(name, "");
		assertThat(value).as("system property " + name + " (set by the build)").isNotEmpty();
		assertThat(Files.exists(Path.of(value))).as(value + " exists").isTrue();
		return value;
	}

}
