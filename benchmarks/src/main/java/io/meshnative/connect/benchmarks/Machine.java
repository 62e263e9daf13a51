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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the report says about the machine: cores, CPU model and the flags that matter for
 * TLS, load before the run, and the JDKs.
 *
 * @param cores available processors
 * @param cpuModel the CPU model from {@code /proc/cpuinfo}
 * @param cpuFlags the CPU flags that matter for TLS
 * @param loadBefore {@code /proc/loadavg} before the run
 * @param kernel the kernel
 * @param jdk17 the JDK 17 version
 * @param jdk25 the JDK 25 version
 * @author connect-spring-boot authors
 */
record Machine(int cores, String cpuModel, String cpuFlags, String loadBefore, String kernel, String jdk17,
		String jdk25) {

	static Machine read(Settings settings) throws IOException, InterruptedException {
		String cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
		String model = field(cpuinfo, "model name");
		List<String> flags = new ArrayList<>();
		String allFlags = " " + field(cpuinfo, "flags") + " ";
		for (String flag : List.of("aes", "vaes", "avx2", "sha_ni", "avx512f", "avx512ifma", "avx_ifma")) {
			flags.add(flag + (allFlags.contains(" " + flag + " ") ? "" : " (no)"));
		}
		String jdk17 = version(System.getProperty("java.home"));
		String jdk25 = settings.jdk25.isEmpty() ? "not available" : version(settings.jdk25);
		return new Machine(Runtime.getRuntime().availableProcessors(), model, String.join(", ", flags),
				Files.readString(Path.of("/proc/loadavg")).trim(), BenchRunner.command("uname", "-sr").trim(), jdk17,
				jdk25);
	}

	private static String version(String home) throws IOException, InterruptedException {
		String output = BenchRunner.command(home + "/bin/java", "-version");
		return output.lines().filter((line) -> line.contains("Runtime Environment")).findFirst().orElse(output).trim();
	}

	private static String field(String cpuinfo, String name) {
		return cpuinfo.lines()
			.filter((line) -> line.startsWith(name))
			.map((line) -> line.substring(line.indexOf(':') + 1).trim())
			.findFirst()
			.orElse("unknown");
	}

}
