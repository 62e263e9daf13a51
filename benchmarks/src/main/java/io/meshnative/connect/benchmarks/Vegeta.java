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

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * Drives the end-to-end arms with the vegeta load generator (Go,
 * {@code github.com/tsenart/vegeta} v12.13.0, installed by {@code scripts/vegeta}) and
 * turns its results into a {@link LoadDriver.Result}.
 * <p>
 * Each run is one {@code vegeta attack} process, pinned with {@code taskset} to the
 * caller's CPU, HTTP/1.1 ({@code -http2=false}), response bodies not kept
 * ({@code -max-body=0}), results written to a file and decoded afterwards
 * ({@code vegeta encode -to=csv}), so that decoding does not compete with the attack. Its
 * CPU time is its user+system time, read as the waited-for children time of the
 * {@code bash} that starts it (bash's {@code times}, from {@code getrusage}, in
 * milliseconds), over the process's wall time; the server side's CPU and the machine's
 * busy time are sampled just before it starts and just after it exits.
 * <p>
 * TLS: vegeta presents the client leaf ({@code -cert}, {@code -key}) and is given the
 * roots ({@code -root-certs}), but runs with {@code -insecure}: Consul's leaves carry
 * only a SPIFFE URI SAN, and Go's verifier needs a DNS or IP SAN that matches the host it
 * dials, so it would refuse every server leaf. The servers still verify the client chain,
 * which is the cost that is measured. Without {@code -session-tickets} (the default)
 * vegeta's {@code tls.Config} has no {@code ClientSessionCache}, so every new connection
 * is a full handshake; with {@code -keepalive=false} Go's transport sends
 * {@code Connection: close} and opens a new connection for every request.
 *
 * @author connect-spring-boot authors
 */
final class Vegeta {

	private static final Pattern TIME = Pattern.compile("(\\d+)m([0-9.]+)s");

	private final Path binary;

	private final Path work;

	private @Nullable String lastError;

	/**
	 * Create a driver for a vegeta binary.
	 * @param binary the vegeta binary
	 * @param work where target and result files go
	 */
	Vegeta(Path binary, Path work) {
		this.binary = binary;
		this.work = work;
	}

	/**
	 * Return the vegeta binary that {@code scripts/vegeta} prints, installing it when it
	 * is missing, as {@code scripts/bench} does.
	 * @param script the path of {@code scripts/vegeta}
	 * @return the binary
	 * @throws IOException if the script fails
	 * @throws InterruptedException if interrupted
	 */
	static Path locate(Path script) throws IOException, InterruptedException {
		if (!Files.isExecutable(script)) {
			throw new IllegalStateException("No executable " + script.toAbsolutePath()
					+ ": it installs vegeta (the load generator of the end-to-end benchmarks)");
		}
		Process process = new ProcessBuilder(script.toAbsolutePath().toString())
			.redirectError(ProcessBuilder.Redirect.INHERIT)
			.start();
		process.getOutputStream().close();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
		if (process.waitFor() != 0 || output.isEmpty()) {
			throw new IllegalStateException(script + " could not find or install vegeta (exit " + process.exitValue()
					+ "); see its messages above. Go is needed to install it, or set VEGETA_BINARY.");
		}
		return Path.of(output);
	}

	/**
	 * Run one attack and return its result; with {@code keep} false the run is a warm-up
	 * whose results are not recorded ({@code null} is returned).
	 * @param attack what to run
	 * @param keep whether to record and return the results
	 * @return the result, {@code null} for a warm-up
	 * @throws IOException on failure
	 * @throws InterruptedException if interrupted
	 */
	LoadDriver.@Nullable Result run(Attack attack, boolean keep) throws IOException, InterruptedException {
		Path targets = this.work.resolve("vegeta-targets.txt");
		Files.writeString(targets, "GET " + attack.url() + "\n");
		Path results = this.work.resolve("vegeta-" + attack.mode() + ".bin");
		Path times = this.work.resolve("vegeta-times.txt");
		Files.deleteIfExists(times);
		List<String> command = new ArrayList<>(
				List.of("bash", "-c", "\"$@\"; status=$?; times > \"$VEGETA_TIMES\"; exit $status", "bash"));
		if (attack.cpu() != null) {
			command.addAll(List.of("taskset", "-c", attack.cpu()));
		}
		command.addAll(List.of(this.binary.toString(), "attack", "-targets=" + targets,
				"-duration=" + Math.round(attack.seconds() * 1000) + "ms",
				"-rate=" + ((attack.rate() > 0) ? attack.rate() + "/1s" : "0"), "-workers=" + attack.workers(),
				"-max-workers=" + attack.maxWorkers(), "-connections=" + attack.connections(),
				"-max-connections=" + (attack.keepAlive() ? attack.connections() : 0), "-http2=false",
				"-keepalive=" + attack.keepAlive(), "-max-body=0", "-timeout=30s",
				"-output=" + (keep ? results.toString() : "/dev/null")));
		Tls tls = attack.tls();
		if (tls != null) {
			command.addAll(List.of("-insecure", "-cert=" + tls.certificate(), "-key=" + tls.key(),
					"-root-certs=" + tls.roots()));
		}
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
		builder.environment().put("VEGETA_TIMES", times.toString());
		Cpu.Snapshot start = Cpu.Snapshot.take(ProcessHandle.current());
		long serverStart = Cpu.ticks(attack.serverPids());
		long callerStart = Cpu.ticks(attack.callerPids());
		Process process = builder.start();
		process.getOutputStream().close();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		int status = process.waitFor();
		long serverEnd = Cpu.ticks(attack.serverPids());
		long callerEnd = Cpu.ticks(attack.callerPids());
		Cpu.Snapshot end = Cpu.Snapshot.take(ProcessHandle.current());
		if (status != 0 || !Files.exists(times)) {
			throw new IllegalStateException("vegeta attack exited with " + status + ": " + output.trim());
		}
		if (!keep) {
			return null;
		}
		double generatorSeconds = childrenSeconds(Files.readString(times));
		double wall = start.secondsUntil(end);
		Counts counts = decode(results, attack);
		Files.deleteIfExists(results);
		this.lastError = counts.firstError;
		long errors = counts.errors + counts.unsent;
		return new LoadDriver.Result(attack.mode(), counts.ok, errors, counts.okPerSecond(),
				micros(counts.latencies, 50), micros(counts.latencies, 99), micros(counts.latencies, 99.9),
				counts.latencies.getMaxValue() / 1000.0,
				attack.serverPids().isEmpty() ? Double.NaN : (serverEnd - serverStart) / Cpu.TICKS_PER_SECOND,
				attack.callerPids().isEmpty() ? Double.NaN : (callerEnd - callerStart) / Cpu.TICKS_PER_SECOND,
				generatorSeconds, start.foreignSecondsUntil(end, Math.round(generatorSeconds * Cpu.TICKS_PER_SECOND)),
				wall, "vegeta");
	}

	/**
	 * Return the first failed request of the last recorded run.
	 * @return its status and error, {@code null} when none failed
	 */
	@Nullable String lastError() {
		return this.lastError;
	}

	/**
	 * Parse the output of bash's {@code times}: the shell's user and system time, then
	 * its waited-for children's (here: vegeta's), in milliseconds.
	 * @param times the output, such as {@code 0m0.002s 0m0.000s\n0m1.526s 0m0.019s}
	 * @return the children's user+system seconds
	 */
	static double childrenSeconds(String times) {
		String[] lines = times.trim().split("\n");
		Matcher matcher = TIME.matcher(lines[lines.length - 1]);
		double seconds = 0;
		int found = 0;
		while (matcher.find()) {
			seconds += Long.parseLong(matcher.group(1)) * 60 + Double.parseDouble(matcher.group(2));
			found++;
		}
		if (lines.length != 2 || found != 2) {
			throw new IllegalStateException("Unexpected output of bash's times: " + times);
		}
		return seconds;
	}

	private static double micros(Histogram histogram, double percentile) {
		return histogram.getValueAtPercentile(percentile) / 1000.0;
	}

	private Counts decode(Path results, Attack attack) throws IOException, InterruptedException {
		Process process = new ProcessBuilder(this.binary.toString(), "encode", "-to=csv", results.toString())
			.redirectError(ProcessBuilder.Redirect.DISCARD)
			.start();
		process.getOutputStream().close();
		Counts counts = new Counts();
		try (BufferedReader reader = new BufferedReader(
				new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
			for (String line = reader.readLine(); line != null; line = reader.readLine()) {
				counts.add(line);
			}
		}
		if (process.waitFor() != 0) {
			throw new IllegalStateException("vegeta encode exited with " + process.exitValue());
		}
		if (attack.rate() > 0 && counts.sent() > 0) {
			// An open-loop run that could not send at the rate: the hits never sent count
			// as
			// errors, as the Java driver counts requests still unsent after the end.
			long expected = Math.round(attack.rate() * attack.seconds());
			long missing = expected - counts.sent();
			if (missing > expected / 50) {
				counts.unsent = missing;
			}
		}
		return counts;
	}

	/**
	 * What one attack runs.
	 *
	 * @param mode {@code throughput}, {@code rate} or {@code churn} (recorded in the
	 * result)
	 * @param url the URL to {@code GET}
	 * @param tls the client leaf, key and roots; {@code null} for plain HTTP
	 * @param keepAlive whether connections are reused ({@code false}: a new connection,
	 * and with TLS a full handshake, per request)
	 * @param workers the initial number of vegeta workers (one request in flight each)
	 * @param maxWorkers the highest number of workers
	 * @param connections the connections per host: with keep-alive at most this many are
	 * opened ({@code -max-connections}) and kept ({@code -connections})
	 * @param rate requests per second, {@code 0} for as fast as the workers go (closed
	 * loop)
	 * @param seconds how long to attack
	 * @param cpu the CPU to pin vegeta to, {@code null} for none
	 * @param serverPids server-side processes whose CPU time to measure
	 * @param callerPids caller-side helper processes whose CPU time to measure
	 */
	record Attack(String mode, String url, @Nullable Tls tls, boolean keepAlive, int workers, int maxWorkers,
			int connections, int rate, double seconds, @Nullable String cpu, List<Long> serverPids,
			List<Long> callerPids) {

		/**
		 * Closed loop over kept-alive connections, one worker per connection.
		 * @param url the URL
		 * @param tls the TLS files or {@code null}
		 * @param connections the connections
		 * @param seconds how long
		 * @return the attack, unpinned, with no processes watched
		 */
		static Attack throughput(String url, @Nullable Tls tls, int connections, double seconds) {
			return new Attack("throughput", url, tls, true, connections, connections, connections, 0, seconds, null,
					Collections.emptyList(), Collections.emptyList());
		}

		/**
		 * Open loop at a constant rate over kept-alive connections: vegeta sends each
		 * request when it is due and starts more workers (up to four times the
		 * connections) when all are busy; their requests wait for a free connection, and
		 * that wait counts in their latency (it is timed from when vegeta sent the
		 * request, not from when a connection took it). When even those workers are busy
		 * vegeta falls behind the rate; the requests it did not send count as errors.
		 * @param url the URL
		 * @param tls the TLS files or {@code null}
		 * @param connections the connections kept
		 * @param rate requests per second
		 * @param seconds how long
		 * @return the attack, unpinned, with no processes watched
		 */
		static Attack rate(String url, @Nullable Tls tls, int connections, int rate, double seconds) {
			return new Attack("rate", url, tls, true, connections, connections * 4, connections, rate, seconds, null,
					Collections.emptyList(), Collections.emptyList());
		}

		/**
		 * Closed loop with a new connection (and a full TLS handshake) per request.
		 * @param url the URL
		 * @param tls the TLS files or {@code null}
		 * @param workers the workers
		 * @param seconds how long
		 * @return the attack, unpinned, with no processes watched
		 */
		static Attack churn(String url, @Nullable Tls tls, int workers, double seconds) {
			return new Attack("churn", url, tls, false, workers, workers, workers, 0, seconds, null,
					Collections.emptyList(), Collections.emptyList());
		}

		/**
		 * Return this attack pinned to a CPU and watching processes.
		 * @param cpu the CPU
		 * @param serverPids server-side processes
		 * @param callerPids caller-side helper processes
		 * @return the attack
		 */
		Attack on(@Nullable String cpu, List<Long> serverPids, List<Long> callerPids) {
			return new Attack(this.mode, this.url, this.tls, this.keepAlive, this.workers, this.maxWorkers,
					this.connections, this.rate, this.seconds, cpu, serverPids, callerPids);
		}

		/**
		 * Return this attack with another duration.
		 * @param seconds how long
		 * @return the attack
		 */
		Attack lasting(double seconds) {
			return new Attack(this.mode, this.url, this.tls, this.keepAlive, this.workers, this.maxWorkers,
					this.connections, this.rate, seconds, this.cpu, this.serverPids, this.callerPids);
		}

	}

	/**
	 * The client leaf, its key and the roots, as PEM files.
	 *
	 * @param certificate the client certificate
	 * @param key the client key (PKCS #8)
	 * @param roots the roots
	 */
	record Tls(Path certificate, Path key, Path roots) {

	}

	/**
	 * Counts decoded from vegeta's CSV results: timestamp (ns since the epoch), status
	 * code, latency (ns), bytes out, bytes in, error, ...
	 */
	private static final class Counts {

		final Histogram latencies = new Histogram(60_000_000_000L, 3);

		long ok;

		long errors;

		long unsent;

		long firstStart = Long.MAX_VALUE;

		long lastStart = Long.MIN_VALUE;

		long lastEnd = Long.MIN_VALUE;

		@Nullable String firstError;

		void add(String line) {
			String[] fields = line.split(",", 7);
			long timestamp = Long.parseLong(fields[0]);
			int code = Integer.parseInt(fields[1]);
			long latency = Long.parseLong(fields[2]);
			this.firstStart = Math.min(this.firstStart, timestamp);
			this.lastStart = Math.max(this.lastStart, timestamp);
			this.lastEnd = Math.max(this.lastEnd, timestamp + latency);
			if (code == 200) {
				this.ok++;
				this.latencies.recordValue(Math.min(latency, this.latencies.getHighestTrackableValue()));
			}
			else {
				this.errors++;
				if (this.firstError == null) {
					this.firstError = "status " + code + ": " + ((fields.length > 5) ? fields[5] : "");
				}
			}
		}

		long sent() {
			return this.ok + this.errors;
		}

		double okPerSecond() {
			double seconds = (this.lastEnd - this.firstStart) / 1e9;
			return (this.ok > 0 && seconds > 0) ? this.ok / seconds : 0;
		}

	}

}
