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

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.meshnative.connect.test.TestPorts;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs {@code scripts/demo --once} (the README's first command) against the boot jar this
 * build just repackaged and checks what it narrates: a 200 mesh call, a split of 20 calls
 * between v1 and v2, a 403 under a deny intention, a 200 after a CA root rotation with a
 * new leaf serial, and that it stops everything it started. Runs
 * {@code --agentless --once} too: the same steps with the applications in agentless mode,
 * registered and deregistered through the catalog by the script, and no
 * {@code /v1/agent/} call by the applications in Consul's request log. Runs in the
 * {@code integration-test} phase (Failsafe), after {@code package}.
 *
 * @author connect-spring-boot authors
 */
class DemoScriptTests {

	private static final Pattern MESH_CALL = Pattern.compile("RESULT mesh call: HTTP (\\d+) from backend (v[12])");

	private static final Pattern SPLIT = Pattern
		.compile("RESULT split over 20 calls: v1=(\\d+) v2=(\\d+) failed=(\\d+)");

	private static final Pattern DENIED = Pattern.compile("RESULT with the deny intention: HTTP (\\d+)");

	private static final Pattern ALLOWED_AGAIN = Pattern.compile("RESULT without the intention: HTTP (\\d+)");

	private static final Pattern ROTATION = Pattern
		.compile("RESULT rotation: HTTP (\\d+) and (\\d+) after the rotation, "
				+ "(\\d+) of (\\d+) calls failed during it, frontend leaf serial (\\S+) -> (\\S+)");

	private static final Pattern WORK_FOLDER = Pattern.compile("temporary folder \\([^)]*\\): (\\S+)");

	private static final Pattern AGENT_REQUESTS = Pattern
		.compile("/v1/agent/ requests: (\\d+), of which (\\d+) this script's GET /v1/agent/connect/ca/leaf/demo-cli");

	private static final Pattern APPLICATIONS_AGENT_CALLS = Pattern
		.compile("RESULT agent API calls by the applications: (\\d+)");

	private static final Pattern DEREGISTRATION = Pattern
		.compile("RESULT deregistration: (.+) deregistered, the catalog lists (\\d+) instances");

	@Test
	void demoOnceNarratesAMeshCallTheSplitADenyAndARotationAndCleansUp() throws Exception {
		int[] ports = TestPorts.next(7);
		List<String> output = run(demo(ports, "--once"));
		assertStepsAndCleanUp(output, ports);
		assertThat(String.join("\n", output)).contains("==== 5/5 Where to look ====")
			.doesNotContain("RESULT agent API calls");
	}

	@Test
	void demoAgentlessOnceRunsTheSameStepsWithoutAnAgentRegisteringThroughTheCatalog() throws Exception {
		int[] ports = TestPorts.next(8);
		ProcessBuilder builder = demo(ports, "--agentless", "--once");
		builder.environment().put("DEMO_CONSUL_GRPC_PORT", String.valueOf(ports[7]));
		List<String> output = run(builder);
		assertStepsAndCleanUp(output, ports);
		String all = String.join("\n", output);
		assertThat(all).as("the applications run in agentless mode")
			.contains("each logs 'Agentless mode: the identity comes from the Consul servers'")
			.contains("registered frontend-1: service frontend on 127.0.0.1:" + ports[4]
					+ ", Connect-native, check passing")
			.contains("registered backend-v1: service backend on 127.0.0.1:" + ports[5]
					+ ", Meta.version=v1, Connect-native, check passing")
			.contains("registered backend-v2: service backend on 127.0.0.1:" + ports[6]
					+ ", Meta.version=v2, Connect-native, check passing")
			.contains("==== 6/6 No agent");
		Matcher agentRequests = find(AGENT_REQUESTS, output);
		assertThat(Integer.parseInt(agentRequests.group(2)))
			.as("the script's own /v1/agent/ calls that Consul's request log lists (it records requests)")
			.isPositive();
		assertThat(agentRequests.group(1)).as("every /v1/agent/ request in Consul's log is the script's own")
			.isEqualTo(agentRequests.group(2));
		assertThat(find(APPLICATIONS_AGENT_CALLS, output).group(1)).isEqualTo("0");
		Matcher deregistration = find(DEREGISTRATION, output);
		assertThat(deregistration.group(1)).isEqualTo("frontend-1 backend-v1 backend-v2");
		assertThat(deregistration.group(2)).as("instances left in the catalog after the deregistration").isEqualTo("0");
	}

	private static ProcessBuilder demo(int[] ports, String... arguments) {
		List<String> command = new ArrayList<>();
		command.add(requiredProperty("demo.script"));
		command.addAll(List.of(arguments));
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
		Map<String, String> env = builder.environment();
		env.put("DEMO_JAR", requiredProperty("demo.jar"));
		env.put("DEMO_CONSUL_HTTP_PORT", String.valueOf(ports[0]));
		env.put("DEMO_CONSUL_SERVER_PORT", String.valueOf(ports[1]));
		env.put("DEMO_CONSUL_SERF_LAN_PORT", String.valueOf(ports[2]));
		env.put("DEMO_CONSUL_SERF_WAN_PORT", String.valueOf(ports[3]));
		env.put("DEMO_FRONTEND_PORT", String.valueOf(ports[4]));
		env.put("DEMO_BACKEND_V1_PORT", String.valueOf(ports[5]));
		env.put("DEMO_BACKEND_V2_PORT", String.valueOf(ports[6]));
		String consul = System.getProperty("connect.consul.binary", "");
		if (!consul.isEmpty()) {
			env.put("CONSUL_BINARY", consul);
		}
		return builder;
	}

	private static void assertStepsAndCleanUp(List<String> output, int[] ports) {
		String all = String.join("\n", output);
		assertThat(all).as("scripts/demo output").contains("[demo] exit status 0");
		Matcher meshCall = find(MESH_CALL, output);
		assertThat(meshCall.group(1)).isEqualTo("200");
		Matcher split = find(SPLIT, output);
		int v1 = Integer.parseInt(split.group(1));
		int v2 = Integer.parseInt(split.group(2));
		assertThat(Integer.parseInt(split.group(3))).as("failed calls in the split").isZero();
		assertThat(v1 + v2).as("calls answered by v1 and v2").isEqualTo(20);
		assertThat(v1).as("calls answered by v1 (weight 90) against v2 (weight 10)").isGreaterThan(v2);
		assertThat(find(DENIED, output).group(1)).isEqualTo("403");
		assertThat(find(ALLOWED_AGAIN, output).group(1)).isEqualTo("200");
		Matcher rotation = find(ROTATION, output);
		assertThat(rotation.group(1)).as("call with the old caller leaf after the rotation").isEqualTo("200");
		assertThat(rotation.group(2)).as("call with a new caller leaf after the rotation").isEqualTo("200");
		assertThat(rotation.group(3)).as("calls failed during the rotation").isEqualTo("0");
		assertThat(Integer.parseInt(rotation.group(4))).as("calls during the rotation").isPositive();
		assertThat(rotation.group(6)).as("frontend leaf serial after the rotation").isNotEqualTo(rotation.group(5));
		for (String path : List.of("/actuator/health", "/actuator/connect", "/actuator/metrics")) {
			assertThat(all).as("step 5 checks each actuator URL")
				.contains("https://127.0.0.1:" + ports[4] + path + " (HTTP 200 now)");
		}
		Path work = Path.of(find(WORK_FOLDER, output).group(1));
		assertThat(work).as("the demo's temporary folder after it stopped").doesNotExist();
		for (int port : ports) {
			assertThat(listening(port)).as("something still listens on port " + port + " after the demo stopped")
				.isFalse();
		}
	}

	private static List<String> run(ProcessBuilder builder) throws IOException, InterruptedException {
		List<String> output = new CopyOnWriteArrayList<>();
		Process process = builder.start();
		process.getOutputStream().close();
		Thread reader = new Thread(() -> {
			try (BufferedReader in = new BufferedReader(
					new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
				String line;
				while ((line = in.readLine()) != null) {
					output.add(line);
					System.out.println(line);
				}
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}, "demo-output");
		reader.start();
		if (!process.waitFor(10, TimeUnit.MINUTES)) {
			process.destroy();
			process.waitFor(1, TimeUnit.MINUTES);
			reader.join(TimeUnit.SECONDS.toMillis(10));
			throw new AssertionError(
					"scripts/demo " + String.join(" ", builder.command().subList(1, builder.command().size()))
							+ " did not finish within 10 minutes:\n" + String.join("\n", output));
		}
		reader.join(TimeUnit.SECONDS.toMillis(30));
		output.add("[demo] exit status " + process.exitValue());
		return output;
	}

	private static Matcher find(Pattern pattern, List<String> output) {
		for (String line : output) {
			Matcher matcher = pattern.matcher(line);
			if (matcher.find()) {
				return matcher;
			}
		}
		throw new AssertionError(
				"No line matches '" + pattern + "' in the demo's output:\n" + String.join("\n", output));
	}

	private static String requiredProperty(String name) {
		String value = System.getProperty(name, "");
		assertThat(value).as("system property " + name + " (set by the build)").isNotEmpty();
		assertThat(Files.exists(Path.of(value))).as(value + " exists").isTrue();
		return value;
	}

	private static boolean listening(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

}
