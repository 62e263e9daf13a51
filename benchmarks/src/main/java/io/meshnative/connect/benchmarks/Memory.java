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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Memory of an arm's server-side processes: resident set size from {@code /proc} and, for
 * JVMs, the heap still in use after a full collection (the live set, asked with
 * {@code jcmd}).
 *
 * @author connect-spring-boot authors
 */
final class Memory {

	/**
	 * The heap line of {@code GC.heap_info} with G1 (the servers run with
	 * {@code -XX:+UseG1GC}). JDK 17 writes
	 * {@code garbage-first heap   total 262144K, used 2919K [...]}, JDK 25
	 * {@code garbage-first heap   total reserved 524288K, committed 262144K, used 2913K [...]}.
	 */
	private static final Pattern HEAP_USED = Pattern
		.compile("heap\\s+total (?:reserved \\d+K, committed )?\\d+K, used (\\d+)K");

	private Memory() {
	}

	/**
	 * Sample the processes.
	 * @param pids the server-side processes
	 * @param javaHome the JDK whose {@code jcmd} attaches to the JVMs among them
	 * @return the sample
	 */
	static Sample sample(List<Long> pids, String javaHome) {
		long rssKb = 0;
		long heapKb = 0;
		for (long pid : pids) {
			rssKb += rssKb(pid);
			if (isJava(pid)) {
				heapKb += liveHeapKb(pid, javaHome);
			}
		}
		return new Sample(rssKb / 1024.0, heapKb / 1024.0);
	}

	/**
	 * Parse the resident set size out of {@code /proc/<pid>/status} lines.
	 * @param statusLines the lines
	 * @return the size in kB, 0 when absent
	 */
	static long parseRssKb(List<String> statusLines) {
		for (String line : statusLines) {
			if (line.startsWith("VmRSS:")) {
				return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
			}
		}
		return 0;
	}

	/**
	 * Parse the used heap out of {@code jcmd GC.heap_info} output of a G1 heap, in the
	 * format of JDK 17 or of JDK 25 (which reports reserved and committed sizes where JDK
	 * 17 reports the total).
	 * @param output the output
	 * @return the used heap in kB, -1 when absent
	 */
	static long parseHeapUsedKb(String output) {
		Matcher matcher = HEAP_USED.matcher(output);
		return matcher.find() ? Long.parseLong(matcher.group(1)) : -1;
	}

	private static long rssKb(long pid) {
		try {
			// procfs reports size 0: read by lines, not with readString
			return parseRssKb(Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")));
		}
		catch (IOException ex) {
			return 0;
		}
	}

	private static boolean isJava(long pid) {
		try {
			List<String> comm = Files.readAllLines(Path.of("/proc", Long.toString(pid), "comm"));
			return !comm.isEmpty() && comm.get(0).trim().equals("java");
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static long liveHeapKb(long pid, String javaHome) {
		String jcmd = javaHome + "/bin/jcmd";
		run(jcmd, Long.toString(pid), "GC.run");
		long used = parseHeapUsedKb(run(jcmd, Long.toString(pid), "GC.heap_info"));
		return Math.max(used, 0);
	}

	private static String run(String... command) {
		try {
			Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
			byte[] output = process.getInputStream().readAllBytes();
			process.waitFor(30, TimeUnit.SECONDS);
			return new String(output, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			return "";
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return "";
		}
	}

	/**
	 * One memory sample.
	 *
	 * @param rssMb resident set size of all the processes, MB
	 * @param liveHeapMb heap in use after a full collection, summed over the JVMs, MB
	 */
	record Sample(double rssMb, double liveHeapMb) {

	}

}
