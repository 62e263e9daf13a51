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
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * CPU accounting from {@code /proc}: the CPU time of given processes, the busy time of
 * the whole machine, and from both the CPU that the benchmark could not have: used by
 * processes outside it, or taken by the hypervisor for other guests ("foreign" CPU, which
 * makes a figure "not quiet").
 * <p>
 * All times are in clock ticks ({@code USER_HZ}, 100 per second on Linux), the unit of
 * {@code /proc/stat} and {@code /proc/<pid>/stat}. Busy time is {@code user + nice +
 * system + steal} of all CPUs: steal is time the virtual CPUs were ready but the host ran
 * something else, which slows every figure as a foreign process would (a run on
 * 2026-12-07 had 8 % steal while no process outside the benchmark ran). Interrupt and
 * softirq time (the kernel's share of loopback networking) are left out, so the
 * benchmark's own network traffic does not count as foreign.
 *
 * @author connect-spring-boot authors
 */
final class Cpu {

	/**
	 * Clock ticks per second of {@code /proc}.
	 */
	static final double TICKS_PER_SECOND = 100;

	/**
	 * Foreign CPU above this share of one core during a measured window makes its figures
	 * "not quiet".
	 */
	static final double FOREIGN_LIMIT = 0.10;

	/**
	 * A generator (with the caller-side proxy of the sidecar arms, which shares its core)
	 * above this share of its core makes a figure "generator-bound".
	 */
	static final double GENERATOR_LIMIT = 0.90;

	/**
	 * Length of the quietness sample before the first arm, in seconds (3 s before the
	 * others).
	 */
	static final int FIRST_SAMPLE_SECONDS = 10;

	private Cpu() {
	}

	/**
	 * Return the user plus system CPU time of a process in clock ticks, from
	 * {@code /proc/<pid>/stat}.
	 * @param pid the process
	 * @return the ticks, 0 when the process is gone
	 */
	static long processTicks(long pid) {
		try {
			String[] fields = statFields(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
			return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
		}
		catch (IOException | RuntimeException ex) {
			return 0;
		}
	}

	/**
	 * Return the fields of a {@code /proc/<pid>/stat} line after the command name: the
	 * first is the state (field 3 of proc(5)), so utime is index 11.
	 * @param stat the line
	 * @return the fields
	 */
	private static String[] statFields(String stat) {
		return stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
	}

	static long ticks(List<Long> pids) {
		long ticks = 0;
		for (long pid : pids) {
			ticks += processTicks(pid);
		}
		return ticks;
	}

	/**
	 * Return the busy ticks ({@code user + nice + system + steal}) of each CPU and of all
	 * of them (index 0: all, index {@code 1 + n}: CPU n).
	 * @return the busy ticks
	 */
	static long[] busyTicks() {
		try {
			return busyTicks(Files.readAllLines(Path.of("/proc/stat")), Runtime.getRuntime().availableProcessors());
		}
		catch (IOException | RuntimeException ex) {
			throw new IllegalStateException("Cannot read /proc/stat", ex);
		}
	}

	/**
	 * Return the busy ticks of {@link #busyTicks()} from the lines of {@code /proc/stat}.
	 * @param lines the lines
	 * @param cpus the number of CPUs
	 * @return the busy ticks, index 0 for all CPUs
	 */
	static long[] busyTicks(List<String> lines, int cpus) {
		long[] busy = new long[cpus + 1];
		for (String line : lines) {
			if (!line.startsWith("cpu")) {
				continue;
			}
			String[] fields = line.trim().split("\\s+");
			int index = fields[0].equals("cpu") ? 0 : Integer.parseInt(fields[0].substring(3)) + 1;
			if (index < busy.length) {
				busy[index] = Long.parseLong(fields[1]) + Long.parseLong(fields[2]) + Long.parseLong(fields[3])
						+ ((fields.length > 8) ? Long.parseLong(fields[8]) : 0);
			}
		}
		return busy;
	}

	/**
	 * Return the load average line of {@code /proc/loadavg}.
	 * @return the line, trimmed
	 */
	static String loadAverage() {
		try {
			return Files.readString(Path.of("/proc/loadavg")).trim();
		}
		catch (IOException ex) {
			return "unknown";
		}
	}

	/**
	 * A snapshot of the machine's busy time and of the CPU time of a process and its
	 * descendants (the benchmark's own processes).
	 *
	 * @param nanos when it was taken
	 * @param busy the busy ticks of all CPUs
	 * @param own the ticks of each own process by pid
	 */
	record Snapshot(long nanos, long busy, Map<Long, Long> own) {

		/**
		 * Take a snapshot of the machine and of {@code root} with all its descendants.
		 * @param root the root of the benchmark's process tree
		 * @return the snapshot
		 */
		static Snapshot take(ProcessHandle root) {
			Map<Long, Long> own = new HashMap<>();
			own.put(root.pid(), processTicks(root.pid()));
			root.descendants().forEach((process) -> own.put(process.pid(), processTicks(process.pid())));
			return new Snapshot(System.nanoTime(), busyTicks()[0], own);
		}

		/**
		 * Return the CPU seconds that processes outside the benchmark's tree used from
		 * this snapshot to a later one: the machine's busy time less that of the own
		 * processes alive at the later snapshot, less {@code exitedOwnTicks} (own
		 * processes that exited in between, such as vegeta, measured by the caller).
		 * @param later the later snapshot
		 * @param exitedOwnTicks ticks of own processes that exited in between
		 * @return foreign CPU seconds, at least 0
		 */
		double foreignSecondsUntil(Snapshot later, long exitedOwnTicks) {
			long own = exitedOwnTicks;
			for (Map.Entry<Long, Long> entry : later.own.entrySet()) {
				own += entry.getValue() - this.own.getOrDefault(entry.getKey(), 0L);
			}
			return Math.max(0, later.busy - this.busy - own) / TICKS_PER_SECOND;
		}

		double secondsUntil(Snapshot later) {
			return (later.nanos - this.nanos) / 1e9;
		}

	}

	/**
	 * How busy the machine was before an arm started, while only the Consul agent of the
	 * benchmark ran.
	 *
	 * @param loadAverage {@code /proc/loadavg}
	 * @param busyCores the average number of busy cores over the sample
	 * @param foreignCores the part of it not used by the benchmark's own processes
	 * @param busiestCore the busy share of the busiest CPU
	 * @param quiet whether the machine was judged quiet
	 */
	record Quietness(String loadAverage, double busyCores, double foreignCores, double busiestCore, boolean quiet) {

		/**
		 * Sample the machine for {@code seconds}.
		 * @param seconds the sample length
		 * @return the quietness
		 */
		static Quietness sample(double seconds) {
			String load = Cpu.loadAverage();
			long[] before = busyTicks();
			Snapshot start = Snapshot.take(ProcessHandle.current());
			LockSupport.parkNanos((long) (seconds * TimeUnit.SECONDS.toNanos(1)));
			long[] after = busyTicks();
			Snapshot end = Snapshot.take(ProcessHandle.current());
			double wall = start.secondsUntil(end);
			double busiest = 0;
			for (int i = 1; i < after.length; i++) {
				busiest = Math.max(busiest, (after[i] - before[i]) / TICKS_PER_SECOND / wall);
			}
			double foreign = start.foreignSecondsUntil(end, 0) / wall;
			return new Quietness(load, (after[0] - before[0]) / TICKS_PER_SECOND / wall, foreign, busiest,
					foreign <= FOREIGN_LIMIT);
		}

		/**
		 * Return this sample with another judgement.
		 * @param quiet whether quiet
		 * @return the sample
		 */
		Quietness judged(boolean quiet) {
			return new Quietness(this.loadAverage, this.busyCores, this.foreignCores, this.busiestCore, quiet);
		}

		String describe() {
			return String.format(Locale.ROOT,
					"load average %s, busy %.2f cores (%.2f outside the benchmark, " + "busiest CPU %.0f %%)",
					this.loadAverage, this.busyCores, this.foreignCores, this.busiestCore * 100);
		}

	}

}
