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

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Options of one {@link BenchRunner} run.
 *
 * @author connect-spring-boot authors
 */
final class Settings {

	final boolean quick;

	final boolean smoke;

	final String jdk25;

	final String boringSslDir;

	final List<String> arms;

	final boolean jmh;

	final String concurrentNote;

	final String connectProxyJar;

	/**
	 * Seconds of the warm-up run at full throughput that starts every arm (discarded, for
	 * the JIT), {@code 0} for the mode's default (30, or 6 with {@code --quick}, 1 with
	 * {@code --smoke}).
	 */
	final double warmupSeconds;

	/**
	 * Whether to stop without a report when the machine is not quiet.
	 */
	final boolean requireQuiet;

	/**
	 * Rounds of the interleaved comparison of each connect-spring-boot arm with its
	 * static arm, {@code 0} for none ({@code --pairs=N}; default 4, 2 with
	 * {@code --quick}, 1 with {@code --smoke}).
	 */
	final int pairRounds;

	/**
	 * Whether to measure a control pair for every selected static mTLS arm: two servers
	 * of that arm, in the rounds of the pairs ({@code --control}), so that the pairs'
	 * ratios have a noise floor.
	 */
	final boolean control;

	final int connections = 16;

	final int churnThreads = 4;

	final int rate = 1000;

	private Settings(boolean quick, boolean smoke, String jdk25, String boringSslDir, List<String> arms, boolean jmh,
			String concurrentNote, String connectProxyJar, double warmupSeconds, boolean requireQuiet, int pairRounds,
			boolean control) {
		this.quick = quick || smoke;
		this.smoke = smoke;
		this.jdk25 = jdk25;
		this.boringSslDir = boringSslDir;
		this.arms = arms;
		this.jmh = jmh;
		this.concurrentNote = concurrentNote;
		this.connectProxyJar = connectProxyJar;
		this.warmupSeconds = warmupSeconds;
		this.requireQuiet = requireQuiet;
		this.pairRounds = pairRounds;
		this.control = control;
	}

	static Settings from(Map<String, String> options) {
		String jdk25 = options.getOrDefault("jdk25", "");
		if (!jdk25.isEmpty() && !Files.isExecutable(Path.of(jdk25, "bin", "java"))) {
			System.out.println("No JDK 25 at " + jdk25 + ": JDK 25 arms are left out");
			jdk25 = "";
		}
		List<String> arms = options.containsKey("arms") ? Arrays.asList(options.get("arms").split(","))
				: Collections.emptyList();
		return new Settings(options.containsKey("quick"), options.containsKey("smoke"), jdk25,
				options.getOrDefault("boringssl-dir", "benchmarks/target/boringssl"), arms,
				!options.containsKey("no-jmh"), options.getOrDefault("concurrent-note", ""),
				options.getOrDefault("connect-proxy-jar", "benchmarks/target/connect-proxy/connect-proxy-exec.jar"),
				Double.parseDouble(options.getOrDefault("warmup", "0")), options.containsKey("require-quiet"),
				Integer.parseInt(options.getOrDefault("pairs",
						options.containsKey("smoke") ? "1" : (options.containsKey("quick") ? "2" : "4"))),
				options.containsKey("control"));
	}

	boolean selected(BenchRunner.Arm arm) {
		return this.arms.isEmpty() || this.arms.stream().anyMatch((part) -> arm.id().contains(part));
	}

	/**
	 * Return the warm-up and measured seconds of a driver mode.
	 * @param mode the mode
	 * @return warm-up and measured seconds
	 */
	double[] times(String mode) {
		if (this.smoke) {
			if (mode.equals("warmup")) {
				return new double[] { 0, (this.warmupSeconds > 0) ? this.warmupSeconds : 1 };
			}
			return new double[] { 1, 1.5 };
		}
		return switch (mode) {
			case "warmup" -> new double[] { 0, (this.warmupSeconds > 0) ? this.warmupSeconds : (this.quick ? 6 : 180) };
			case "throughput" -> this.quick ? new double[] { 1, 3 } : new double[] { 2, 10 };
			case "rate" -> this.quick ? new double[] { 2, 5 } : new double[] { 5, 20 };
			default -> this.quick ? new double[] { 1, 3 } : new double[] { 2, 10 };
		};
	}

	List<String> jmhOptions() {
		if (this.smoke) {
			return List.of("-f", "1", "-wi", "0", "-i", "1", "-r", "1s");
		}
		return this.quick ? List.of("-f", "1", "-wi", "1", "-w", "1s", "-i", "2", "-r", "1s")
				: List.of("-f", "1", "-wi", "2", "-w", "2s", "-i", "3", "-r", "2s");
	}

	String boringSslClasspath() {
		List<String> jars = new ArrayList<>();
		try (Stream<Path> files = Files.list(Path.of(this.boringSslDir))) {
			files.filter((file) -> file.toString().endsWith(".jar"))
				.forEach((file) -> jars.add(file.toAbsolutePath().toString()));
		}
		catch (IOException ex) {
			throw new IllegalStateException("No netty-tcnative jars in " + this.boringSslDir
					+ ": build the benchmarks module with 'mvn package' first", ex);
		}
		return String.join(File.pathSeparator, jars);
	}

	String durationsText() {
		String warmup = (this.quick || this.smoke) ? "a " + fmt(times("warmup")[1]) + " s warm-up run"
				: "a warm-up in 10 s runs until two in a row are within 3 % of each other (at least 30 s, at most "
						+ fmt(times("warmup")[1]) + " s; the curve is under the keep-alive table)";
		return String.format(
				"%s at full throughput per arm (discarded), then keep-alive throughput %s s "
						+ "(each measured run follows a discarded run of the same mode: here %s s), 1,000 req/s for "
						+ "%s s (after %s s), churn %s s (after %s s)",
				warmup, fmt(times("throughput")[1]), fmt(times("throughput")[0]), fmt(times("rate")[1]),
				fmt(times("rate")[0]), fmt(times("churn")[1]), fmt(times("churn")[0]));
	}

	static String fmt(double seconds) {
		return (seconds == Math.rint(seconds)) ? Long.toString((long) seconds) : Double.toString(seconds);
	}

}
