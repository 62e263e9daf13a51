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

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import io.meshnative.connect.benchmarks.BenchRunner.Arm;
import io.meshnative.connect.benchmarks.BenchRunner.ArmResult;
import io.meshnative.connect.benchmarks.BenchRunner.JmhResult;
import io.meshnative.connect.benchmarks.BenchRunner.Kind;
import io.meshnative.connect.benchmarks.BenchRunner.PairResult;
import io.meshnative.connect.benchmarks.BenchRunner.Round;
import io.meshnative.connect.benchmarks.BenchRunner.Stack;
import io.meshnative.connect.benchmarks.LoadDriver.Result;
import org.jspecify.annotations.Nullable;

/**
 * The Markdown report of a run: conditions, absolute figures, ratios against the static
 * mTLS arm (arm 2) and the sidecar arm (arm 4, Consul's built-in proxy; arm 5, our
 * connect-proxy in the same places, is compared with it), the performance targets, and
 * the JMH results.
 *
 * @author connect-spring-boot authors
 */
final class Report {

	/**
	 * How a target line says that it compares sequential single runs.
	 */
	static final String SEQUENTIAL = "sequential, not paired";

	final Settings settings;

	final Map<Arm, ArmResult> results = new LinkedHashMap<>();

	final Map<Arm, String> failures = new LinkedHashMap<>();

	/**
	 * The interleaved comparisons, by their connect-spring-boot arm.
	 */
	final Map<Arm, PairResult> pairs = new LinkedHashMap<>();

	/**
	 * Control pairs ({@code --control}): two servers of a static mTLS arm, by that arm.
	 */
	final Map<Arm, PairResult> controls = new LinkedHashMap<>();

	final List<String> log = new ArrayList<>();

	final String date = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z").format(ZonedDateTime.now());

	@Nullable Machine machine;

	String consulVersion = "";

	List<JmhResult> jmh = new ArrayList<>();

	Duration elapsed = Duration.ZERO;

	String notes = "";

	Report(Settings settings) {
		this.settings = settings;
	}

	String toMarkdown() {
		StringBuilder md = new StringBuilder();
		md.append("# Benchmarks\n\n");
		md.append("Written by `scripts/bench")
			.append(this.settings.quick ? " --quick" : "")
			.append("` on ")
			.append(this.date)
			.append(" (")
			.append(this.settings.quick ? "quick" : "full")
			.append(" mode, ")
			.append(this.elapsed.toMinutes())
			.append(" min ")
			.append(this.elapsed.toSecondsPart())
			.append(" s). Do not edit the figures by hand: run `scripts/bench` again. ")
			.append("Targets are the project's performance goals, not assertions.\n\n");
		conditions(md);
		keepAlive(md);
		pairs(md);
		controls(md);
		connectClient(md);
		churn(md);
		memory(md);
		targets(md);
		jmh(md);
		if (!this.notes.isEmpty()) {
			md.append(this.notes.trim()).append("\n\n");
		}
		if (!this.failures.isEmpty()) {
			md.append("## Arms that failed\n\n");
			this.failures.forEach((arm, failure) -> md.append("- `")
				.append(arm.id())
				.append("`: ")
				.append(failure.replace('\n', ' '))
				.append('\n'));
			md.append('\n');
		}
		return md.toString();
	}

	private void conditions(StringBuilder md) {
		Machine machine = this.machine;
		md.append("## Conditions\n\n");
		if (machine != null) {
			md.append("- Machine: ")
				.append(machine.cores())
				.append(" cores, ")
				.append(machine.cpuModel())
				.append(" (")
				.append(machine.cpuFlags())
				.append("), ")
				.append(machine.kernel())
				.append(".\n");
			md.append("- Load average before the run (1, 5, 15 min, runnable/total, last pid): `")
				.append(machine.loadBefore())
				.append("`.");
			if (!this.settings.concurrentNote.isEmpty()) {
				md.append(' ').append(this.settings.concurrentNote);
			}
			md.append("\n- JDK 17: ").append(machine.jdk17()).append(".\n");
			md.append("- JDK 25: ").append(machine.jdk25()).append(".\n");
		}
		md.append("- Consul: ")
			.append(this.consulVersion)
			.append(" (`consul agent -dev`, built-in CA, P-256 leaves).\n");
		md.append("- Durations: ").append(this.settings.durationsText()).append(".\n");
		md.append("- Load: ")
			.append(this.settings.connections)
			.append(" kept-alive connections for throughput and for the fixed rate of ")
			.append(this.settings.rate)
			.append(" req/s; ")
			.append(this.settings.churnThreads)
			.append(" threads for churn. Every response is ")
			.append(BenchServerApplication.RESPONSE_SIZE)
			.append(" bytes (`GET /bytes`).\n");
		md.append("- Placement: the server side (the app; in arms 4 and 5 also its `-sidecar-for` proxy) runs pinned ")
			.append("to CPU 1; the caller side (the load generator; in arms 4 and 5 also the caller's upstream proxy) ")
			.append("to CPU 0, as if each side had a host of one core. The Consul agent is not pinned.\n");
		md.append("- Arm 5 has the shape of arm 4 with this project's `connect-proxy` in both places, each in its own ")
			.append("JVM (the runnable jar, JDK 17, the servers' heap and GC flags, default logging): ")
			.append("`--sidecar-for` the app's registration (a `sidecar_service` as in arm 4) on the server side, ")
			.append("an explicit `connect-proxy` registration of `bench-caller` with one upstream listener on the ")
			.append("caller side. No service-defaults are written, so both relay TCP (L4), as arm 4's proxies do.\n");
		md.append("- Load generator: [vegeta](https://github.com/tsenart/vegeta) v12.13.0 (Go, installed by ")
			.append("`scripts/vegeta`), pinned to CPU 0, HTTP/1.1 (`-http2=false`), response bodies discarded ")
			.append("(`-max-body=0`), with an agent-issued leaf for `bench-client` (`-cert`, `-key`; `-insecure` ")
			.append("because Go checks the server leaf's DNS/IP SAN against the dialed host and Consul leaves have ")
			.append("only a SPIFFE URI SAN; the servers still verify the client chain). Keep-alive throughput: ")
			.append("`-rate=0`, as many workers as connections (closed loop). Fixed rate: `-rate=1000/1s`, vegeta ")
			.append("sends each request when due and starts more workers (up to 4x the connections) when all are ")
			.append("busy; their requests wait for one of the connections and the wait counts in their latency. ")
			.append("Hits it could not send (all workers stuck) count as errors (\"overloaded\"). Latencies from ")
			.append("vegeta's results, in an ")
			.append("HdrHistogram. Churn: `-keepalive=false` (Go sends `Connection: close` and dials a new ")
			.append("connection per request) without `-session-tickets` (vegeta then sets no ")
			.append("`ClientSessionCache`), so every connection is a full TLS handshake.\n");
		md.append("- Generator CPU: vegeta's user+system time over its wall time (the caller-side proxy of arms 4 ")
			.append("and 5, on the same core, added); above ")
			.append(String.format(Locale.ROOT, "%.0f", Cpu.GENERATOR_LIMIT * 100))
			.append(" % of the core the figure is marked \"generator-bound\": it may be the generator's limit, ")
			.append("not the server's. Quietness: CPU used by processes outside the benchmark's process tree ")
			.append("(busy time of `/proc/stat` less the benchmark's processes) over the 3 s before each arm ")
			.append("(10 s before the first) and ")
			.append("during each measured run; above ")
			.append(String.format(Locale.ROOT, "%.1f", Cpu.FOREIGN_LIMIT))
			.append(" of a core the arm's figures are marked \"not quiet\". The load average is recorded, not ")
			.append("judged: this kind of virtual machine idles at 1.2 to 1.7 with under 0.1 core busy.\n");
		md.append("- Arm 3 is called by vegeta with the `bench-client` leaf (so arms 2 and 3 differ only ")
			.append("on the server side); the rows \"via @ConnectClient\" call it through a `RestClient` from ")
			.append("`ConnectClientFactory` (what `@ConnectClient` injects) with discovery-chain routing, driven by ")
			.append("the project's Java `LoadDriver` (a Java caller by nature; vegeta cannot call through it).\n\n");
		quietness(md);
	}

	private void quietness(StringBuilder md) {
		boolean any = this.results.values().stream().anyMatch((result) -> result.before != null);
		if (!any) {
			return;
		}
		md.append("Before each arm (only the Consul agent of the benchmark running):\n\n");
		this.results.forEach((arm, result) -> {
			Cpu.Quietness before = result.before;
			if (before != null) {
				md.append("- `")
					.append(arm.id())
					.append("`: ")
					.append(before.describe())
					.append(before.quiet() ? "" : " -- not quiet")
					.append('\n');
			}
		});
		md.append('\n');
	}

	private void keepAlive(StringBuilder md) {
		md.append("## Keep-alive: max throughput and latency at a fixed rate\n\n");
		md.append("\"overloaded\": the arm could not sustain the fixed rate (the generator fell more than 2 % ")
			.append("behind it, or requests failed; both count as errors), so its latencies mean nothing. ");
		md.append("Ratios: \"x static\" against arm 2 on the same server, JDK and TLS provider (plain and sidecar ")
			.append("against static Tomcat/JSSE on JDK 17), \"x sidecar\" against arm 4. Added p99 is this arm's ")
			.append("p99 minus that of its static arm. Server CPU is user+system time of the server-side processes ")
			.append("per request at the fixed rate.\n\n");
		md.append("| Arm | Server | JDK | TLS | max req/s | x static | x sidecar | p50 ms | p99 ms | p99.9 ms | ")
			.append("max ms | added p99 ms | server CPU us/req | errors | generator CPU % (max / rate) | quiet |\n");
		md.append(
				"| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: ")
			.append("| --- |\n");
		Result sidecar = throughputOf(sidecarArm());
		this.results.forEach((arm, result) -> {
			Result throughput = result.throughput;
			Result rate = result.rate;
			if (throughput == null || rate == null) {
				return;
			}
			Result reference = throughputOf(reference(arm));
			Result referenceRate = rateOf(reference(arm));
			md.append("| ").append(arm.label()).append(" | ");
			md.append(number(throughput.perSecond())).append(" | ");
			md.append(ratio(throughput.perSecond(), reference)).append(" | ");
			md.append(ratio(throughput.perSecond(), sidecar)).append(" | ");
			if (rate.errors() > 0) {
				md.append("overloaded | | | | | ");
			}
			else {
				md.append(ms(rate.p50Micros())).append(" | ");
				md.append(ms(rate.p99Micros())).append(" | ");
				md.append(ms(rate.p999Micros())).append(" | ");
				md.append(ms(rate.maxMicros())).append(" | ");
				md.append((referenceRate != null && referenceRate.errors() == 0)
						? signedMs(rate.p99Micros() - referenceRate.p99Micros()) : "-")
					.append(" | ");
			}
			md.append(cpuPerRequest(rate)).append(" | ");
			md.append(throughput.errors() + rate.errors()).append(" | ");
			md.append(generator(throughput)).append(" / ").append(generator(rate)).append(" | ");
			md.append(quiet(result, throughput, rate)).append(" |\n");
		});
		md.append('\n');
		callerProxyCpu(md, "Arm 4", rateOf(sidecarArm()));
		callerProxyCpu(md, "Arm 5", rateOf(connectProxyArm()));
		connectProxyRatios(md);
		warmupCurves(md);
		this.results.forEach((arm, result) -> {
			if (!result.serverInfo.isEmpty()) {
				md.append("- `").append(arm.id()).append("`: ").append(result.serverInfo).append('\n');
			}
		});
		md.append('\n');
	}

	/**
	 * Write the interleaved comparisons: per pair the median over rounds of each arm's
	 * throughput, the median of the per-round ratios with their range, and what the
	 * connect arm added per request at the fixed rate.
	 * @param md the report
	 */
	void pairs(StringBuilder md) {
		if (this.pairs.isEmpty()) {
			return;
		}
		md.append("## Paired: connect-spring-boot against static mTLS, interleaved\n\n");
		md.append("Both servers of a pair run side by side on the server CPU, each warmed up until steady; then every ")
			.append("round measures keep-alive throughput, the fixed rate and churn on one and then the other, ")
			.append("alternating which goes first. Ratios are per round (connect / static), so drift of the machine or ")
			.append("of the JIT falls on both arms alike; the table gives their median and range. Targets (issue 17): ")
			.append("ratio >= 0.95, added server CPU <= 10 us per request, added p99 <= 0.1 ms at 1,000 req/s.\n\n");
		md.append(
				"| Server | JDK | TLS | rounds | static max req/s | connect max req/s | ratio (median) | ratio range | ")
			.append("static CPU us/req | connect CPU us/req | added CPU us/req (median) | added p99 ms (median) | ")
			.append("generator CPU % (max) | quiet |\n");
		md.append("| --- | --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |\n");
		this.pairs.forEach((arm, pair) -> {
			List<Double> ratios = pair.throughputRatios();
			if (ratios.isEmpty()) {
				return;
			}
			String label = arm.label();
			md.append("| ").append(label.substring(label.indexOf('|') + 2)).append(" | ");
			md.append(ratios.size()).append(" | ");
			md.append(number(PairResult.median(throughputs(pair.staticRounds)))).append(" | ");
			md.append(number(PairResult.median(throughputs(pair.connectRounds)))).append(" | ");
			double ratio = PairResult.median(ratios);
			md.append(String.format(Locale.ROOT, "%.2f (%s)", ratio, (ratio >= 0.95) ? "met" : "missed")).append(" | ");
			md.append(range(ratios, "%.2f", "-")).append(" | ");
			md.append(String.format(Locale.ROOT, "%.0f", PairResult.median(cpus(pair.staticRounds)))).append(" | ");
			md.append(String.format(Locale.ROOT, "%.0f", PairResult.median(cpus(pair.connectRounds)))).append(" | ");
			double cpu = PairResult.median(pair.addedCpuMicros());
			md.append(String.format(Locale.ROOT, "%+.1f (%s)", cpu, (cpu <= 10) ? "met" : "missed")).append(" | ");
			double p99 = PairResult.median(pair.addedP99Micros()) / 1000;
			md.append(String.format(Locale.ROOT, "%+.2f (%s)", p99, (p99 <= 0.1) ? "met" : "missed")).append(" | ");
			md.append(String.format(Locale.ROOT, "%.0f", maxGeneratorShare(pair, Round::throughput) * 100))
				.append(" | ");
			md.append(pairQuiet(pair, Round::throughput, Round::rate) ? "yes" : "not quiet").append(" |\n");
		});
		md.append('\n');
		this.pairs.forEach((arm, pair) -> {
			md.append("- `").append(arm.id()).append("` rounds, connect / static max req/s: ");
			List<String> rounds = new ArrayList<>();
			for (int i = 0; i < Math.min(pair.staticRounds.size(), pair.connectRounds.size()); i++) {
				rounds.add(number(pair.connectRounds.get(i).throughput().perSecond()) + " / "
						+ number(pair.staticRounds.get(i).throughput().perSecond()));
			}
			md.append(String.join(", ", rounds));
			if (!pair.staticWarmup.isEmpty() || !pair.connectWarmup.isEmpty()) {
				md.append("; warm-up (req/s per 10 s) static ")
					.append(String.join(", ", pair.staticWarmup.stream().map(Report::number).toList()))
					.append(", connect ")
					.append(String.join(", ", pair.connectWarmup.stream().map(Report::number).toList()));
			}
			md.append('\n');
		});
		md.append('\n');
		pairedChurn(md);
	}

	/**
	 * Write the control pairs: the ratios of two servers of one static arm, measured as a
	 * pair is, which is how far the paired method moves when nothing differs.
	 * @param md the report
	 */
	void controls(StringBuilder md) {
		if (this.controls.isEmpty()) {
			return;
		}
		md.append("## Control: static mTLS against itself\n\n");
		md.append("Two servers of the same static mTLS arm, measured exactly as a pair is (`--control`). Nothing ")
			.append("differs between them, so their ratios (second / first) are the noise of the paired method on ")
			.append("this machine: a connect / static ratio inside this range says nothing about the starter.\n\n");
		md.append(
				"| Server | JDK | TLS | rounds | first max req/s | second max req/s | ratio (median) | ratio range | ")
			.append("churn ratio (median) | churn ratio range | quiet |\n");
		md.append("| --- | --- | --- | ---: | ---: | ---: | ---: | --- | ---: | --- | --- |\n");
		this.controls.forEach((arm, pair) -> {
			List<Double> ratios = pair.throughputRatios();
			if (ratios.isEmpty()) {
				return;
			}
			String label = arm.label();
			List<Double> churn = pair.churnRatios();
			md.append("| ").append(label.substring(label.indexOf('|') + 2)).append(" | ");
			md.append(ratios.size()).append(" | ");
			md.append(number(PairResult.median(throughputs(pair.staticRounds)))).append(" | ");
			md.append(number(PairResult.median(throughputs(pair.connectRounds)))).append(" | ");
			md.append(String.format(Locale.ROOT, "%.2f", PairResult.median(ratios))).append(" | ");
			md.append(range(ratios, "%.2f", "-")).append(" | ");
			md.append(churn.isEmpty() ? "n/a" : String.format(Locale.ROOT, "%.2f", PairResult.median(churn)))
				.append(" | ");
			md.append(churn.isEmpty() ? "n/a" : range(churn, "%.2f", "-")).append(" | ");
			md.append(pairQuiet(pair, Round::throughput, Round::churn) ? "yes" : "not quiet").append(" |\n");
		});
		md.append('\n');
	}

	/**
	 * Write the churn of the interleaved rounds: per pair the median over rounds of each
	 * arm's new connections per second and server CPU per new connection, and the median
	 * of the per-round ratios with their range.
	 * @param md the report
	 */
	void pairedChurn(StringBuilder md) {
		if (this.pairs.values().stream().allMatch((pair) -> pair.churnRatios().isEmpty())) {
			return;
		}
		md.append("### Churn in the same rounds\n\n");
		md.append("A new connection per request (a full TLS 1.3 handshake each), measured in every round right after ")
			.append("the fixed rate, as long as the churn table's runs. Targets: new connections/s >= 0.9x static; ")
			.append("with BoringSSL, server CPU per new connection <= 1.2 ms.\n\n");
		md.append(
				"| Server | JDK | TLS | rounds | static new conn/s | connect new conn/s | ratio (median) | ratio range | ")
			.append("static CPU ms/conn (median) | connect CPU ms/conn (median) | generator CPU % (max) | quiet |\n");
		md.append("| --- | --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |\n");
		this.pairs.forEach((arm, pair) -> {
			List<Double> ratios = pair.churnRatios();
			if (ratios.isEmpty()) {
				return;
			}
			String label = arm.label();
			md.append("| ").append(label.substring(label.indexOf('|') + 2)).append(" | ");
			md.append(ratios.size()).append(" | ");
			md.append(number(PairResult.median(perSecond(pair.staticRounds, Round::churn)))).append(" | ");
			md.append(number(PairResult.median(perSecond(pair.connectRounds, Round::churn)))).append(" | ");
			double ratio = PairResult.median(ratios);
			md.append(String.format(Locale.ROOT, "%.2f (%s)", ratio, (ratio >= 0.9) ? "met" : "missed")).append(" | ");
			md.append(range(ratios, "%.2f", "-")).append(" | ");
			md.append(String.format(Locale.ROOT, "%.2f", PairResult.median(cpuPerConnection(pair.staticRounds))))
				.append(" | ");
			double cpu = PairResult.median(cpuPerConnection(pair.connectRounds));
			md.append(String.format(Locale.ROOT, "%.2f", cpu))
				.append(arm.boringssl() ? ((cpu <= 1.2) ? " (met)" : " (missed)") : "")
				.append(" | ");
			md.append(String.format(Locale.ROOT, "%.0f", maxGeneratorShare(pair, Round::churn) * 100)).append(" | ");
			md.append(pairQuiet(pair, Round::churn) ? "yes" : "not quiet").append(" |\n");
		});
		md.append('\n');
		this.pairs.forEach((arm, pair) -> {
			if (pair.churnRatios().isEmpty()) {
				return;
			}
			List<String> rounds = new ArrayList<>();
			List<String> cpus = new ArrayList<>();
			for (int i = 0; i < Math.min(pair.staticRounds.size(), pair.connectRounds.size()); i++) {
				Result connect = pair.connectRounds.get(i).churn();
				Result reference = pair.staticRounds.get(i).churn();
				rounds.add(number(connect.perSecond()) + " / " + number(reference.perSecond()));
				cpus.add(String.format(Locale.ROOT, "%.2f / %.2f", PairResult.cpuMillisPerConnection(connect),
						PairResult.cpuMillisPerConnection(reference)));
			}
			md.append("- `")
				.append(arm.id())
				.append("` churn rounds, connect / static new conn/s: ")
				.append(String.join(", ", rounds))
				.append("; server CPU ms/conn: ")
				.append(String.join(", ", cpus))
				.append('\n');
		});
		md.append('\n');
	}

	private static List<Double> throughputs(List<Round> rounds) {
		return perSecond(rounds, Round::throughput);
	}

	private static List<Double> perSecond(List<Round> rounds, Function<Round, Result> figure) {
		return rounds.stream().map((round) -> figure.apply(round).perSecond()).toList();
	}

	private static List<Double> cpus(List<Round> rounds) {
		return rounds.stream().map((round) -> PairResult.cpuMicros(round.rate())).toList();
	}

	private static List<Double> cpuPerConnection(List<Round> rounds) {
		return rounds.stream().map((round) -> PairResult.cpuMillisPerConnection(round.churn())).toList();
	}

	private static double maxGeneratorShare(PairResult pair, Function<Round, Result> figure) {
		double max = 0;
		for (List<Round> rounds : List.of(pair.staticRounds, pair.connectRounds)) {
			for (Round round : rounds) {
				double share = figure.apply(round).generatorCoreShare();
				max = Double.isNaN(share) ? max : Math.max(max, share);
			}
		}
		return max;
	}

	@SafeVarargs
	private static boolean pairQuiet(PairResult pair, Function<Round, Result>... figures) {
		boolean quiet = pair.before == null || pair.before.quiet();
		for (List<Round> rounds : List.of(pair.staticRounds, pair.connectRounds)) {
			for (Round round : rounds) {
				for (Function<Round, Result> figure : figures) {
					quiet &= figure.apply(round).quiet();
				}
			}
		}
		return quiet;
	}

	/**
	 * Return the lowest and the highest value.
	 * @param values the values
	 * @param format the format of one value
	 * @param separator between the two
	 * @return the text
	 */
	private static String range(List<Double> values, String format, String separator) {
		return String.format(Locale.ROOT, format,
				values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN)) + separator
				+ String.format(Locale.ROOT, format,
						values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN));
	}

	private void warmupCurves(StringBuilder md) {
		if (this.results.values().stream().allMatch((result) -> result.warmup.isEmpty())) {
			return;
		}
		md.append("Warm-up (req/s of each discarded 10 s keep-alive run before the measurement; the JIT is warm ")
			.append("when two in a row are within 3 %):\n\n");
		this.results.forEach((arm, result) -> {
			if (!result.warmup.isEmpty()) {
				md.append("- `").append(arm.id()).append("`: ");
				md.append(String.join(", ", result.warmup.stream().map(Report::number).toList()));
				md.append(BenchRunner.steady(result.warmup) ? "" : " (not steady)").append('\n');
			}
		});
		md.append('\n');
	}

	private static void callerProxyCpu(StringBuilder md, String arm, @Nullable Result rate) {
		if (rate != null && !Double.isNaN(rate.callerCpuSeconds()) && rate.requests() > 0) {
			md.append(arm)
				.append("'s caller-side proxy used ")
				.append(String.format(Locale.ROOT, "%.0f", rate.callerCpuSeconds() * 1_000_000 / rate.requests()))
				.append(" us CPU per request at the fixed rate, on top of the server side shown above.\n\n");
		}
	}

	private void connectProxyRatios(StringBuilder md) {
		ArmResult ours = find(this.results, connectProxyArm());
		ArmResult builtIn = find(this.results, sidecarArm());
		if (ours == null || builtIn == null || ours.throughput == null || builtIn.throughput == null) {
			return;
		}
		md.append("connect-proxy (arm 5) against `consul connect proxy` (arm 4): keep-alive throughput ")
			.append(ratio(ours.throughput.perSecond(), builtIn.throughput))
			.append("x");
		if (ours.churn != null && builtIn.churn != null) {
			md.append(", new connections/s ").append(ratio(ours.churn.perSecond(), builtIn.churn)).append("x");
		}
		if (ours.rate != null && builtIn.rate != null) {
			md.append(", server-side CPU per request ")
				.append(cpuRatio(ours.rate.serverCpuSeconds(), builtIn.rate.serverCpuSeconds()))
				.append(", caller-side proxy CPU per request ")
				.append(cpuRatio(ours.rate.callerCpuSeconds(), builtIn.rate.callerCpuSeconds()));
			if (ours.rate.errors() == 0 && builtIn.rate.errors() == 0) {
				md.append(", p99 at the fixed rate ")
					.append(signedMs(ours.rate.p99Micros() - builtIn.rate.p99Micros()))
					.append(" ms");
			}
		}
		md.append(".\n\n");
	}

	private static String cpuRatio(double ours, double builtIn) {
		if (Double.isNaN(ours) || Double.isNaN(builtIn) || builtIn == 0) {
			return "-";
		}
		return String.format(Locale.ROOT, "%.2fx", ours / builtIn);
	}

	private void connectClient(StringBuilder md) {
		boolean any = this.results.values().stream().anyMatch((result) -> result.clientThroughput != null);
		if (!any) {
			return;
		}
		md.append("## Arm 3 called through @ConnectClient\n\n");
		md.append(
				"| Server | JDK | TLS | max req/s | x static (vegeta) | p50 ms | p99 ms | p99.9 ms | max ms | errors ")
			.append("| Java driver CPU % (max / rate) | quiet |\n");
		md.append("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
		this.results.forEach((arm, result) -> {
			Result throughput = result.clientThroughput;
			Result rate = result.clientRate;
			if (throughput == null || rate == null) {
				return;
			}
			String label = arm.label();
			md.append("| ").append(label.substring(label.indexOf('|') + 2)).append(" | ");
			md.append(number(throughput.perSecond())).append(" | ");
			md.append(ratio(throughput.perSecond(), throughputOf(reference(arm)))).append(" | ");
			md.append(ms(rate.p50Micros())).append(" | ");
			md.append(ms(rate.p99Micros())).append(" | ");
			md.append(ms(rate.p999Micros())).append(" | ");
			md.append(ms(rate.maxMicros())).append(" | ");
			md.append(throughput.errors() + rate.errors()).append(" | ");
			md.append(generator(throughput)).append(" / ").append(generator(rate)).append(" | ");
			md.append(quiet(result, throughput, rate)).append(" |\n");
		});
		md.append('\n');
	}

	private void churn(StringBuilder md) {
		md.append("## Churn: a new connection per request\n\n");
		md.append("| Arm | Server | JDK | TLS | new conn/s | x static | x sidecar | server CPU ms/conn | errors ")
			.append("| generator CPU % | quiet |\n");
		md.append("| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
		Result sidecar = churnOf(sidecarArm());
		this.results.forEach((arm, result) -> {
			Result churn = result.churn;
			if (churn == null) {
				return;
			}
			md.append("| ").append(arm.label()).append(" | ");
			md.append(number(churn.perSecond())).append(" | ");
			md.append(ratio(churn.perSecond(), churnOf(reference(arm)))).append(" | ");
			md.append(ratio(churn.perSecond(), sidecar)).append(" | ");
			md.append(cpuPerConnection(churn)).append(" | ");
			md.append(churn.errors()).append(" | ");
			md.append(generator(churn)).append(" | ");
			md.append(quiet(result, churn)).append(" |\n");
		});
		md.append('\n');
	}

	private void memory(StringBuilder md) {
		md.append("## Memory\n\n");
		md.append("Server side of each arm (the app; in arms 4 and 5 also its public proxy): resident set size ")
			.append("(`VmRSS`) and the heap still in use after a full collection (`jcmd GC.run`, then ")
			.append("`GC.heap_info`), once started and idle, and again right after the 1,000 req/s run. Every JVM ")
			.append("runs with `-Xms256m -Xmx512m`, so RSS includes heap the JVM committed but does not use. ")
			.append("\"Added\" is this arm minus its static arm.\n\n");
		md.append("| Arm | Server | JDK | TLS | RSS idle MB | RSS after load MB | added RSS MB | live heap idle MB ")
			.append("| live heap after load MB | added live heap MB |\n");
		md.append("| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
		this.results.forEach((arm, result) -> {
			Memory.Sample idle = result.memoryIdle;
			Memory.Sample loaded = result.memoryLoaded;
			if (idle == null || loaded == null) {
				return;
			}
			ArmResult reference = this.results.get(reference(arm));
			Memory.Sample referenceLoaded = (reference != null) ? reference.memoryLoaded : null;
			md.append("| ").append(arm.label()).append(" | ");
			md.append(mb(idle.rssMb())).append(" | ").append(mb(loaded.rssMb())).append(" | ");
			md.append((referenceLoaded != null) ? signedMb(loaded.rssMb() - referenceLoaded.rssMb()) : "-")
				.append(" | ");
			md.append(mb(idle.liveHeapMb())).append(" | ").append(mb(loaded.liveHeapMb())).append(" | ");
			md.append((referenceLoaded != null) ? signedMb(loaded.liveHeapMb() - referenceLoaded.liveHeapMb()) : "-")
				.append(" |\n");
		});
		md.append('\n');
	}

	private static String mb(double value) {
		return String.format(Locale.ROOT, "%.1f", value);
	}

	private static String signedMb(double value) {
		return String.format(Locale.ROOT, "%+.1f", value);
	}

	/**
	 * Judge every connect-spring-boot arm against the targets: on its paired rounds when
	 * it has them (the median of the per-round figures, with their range and the number
	 * of rounds), on the sequential arms otherwise, saying which in every line.
	 * @param md the report
	 */
	void targets(StringBuilder md) {
		md.append("## Performance targets\n\n");
		md.append("Judged on the paired rounds where an arm has them: the connect-spring-boot arm and its static ")
			.append("arm side by side, measured alternately, the median of the per-round figures with their range. ")
			.append("Lines marked \"sequential, not paired\" compare single runs of arms measured minutes apart ")
			.append("(the tables above), which move by 20-30 % from run to run.\n\n");
		Set<Arm> arms = new LinkedHashSet<>();
		this.results.keySet().stream().filter((arm) -> arm.kind() == Kind.CONNECT).forEach(arms::add);
		this.pairs.forEach((arm, pair) -> {
			if (find(this.results, arm) == null) {
				arms.add(arm);
			}
		});
		for (Arm arm : arms) {
			ArmResult result = find(this.results, arm);
			PairResult pair = find(this.pairs, arm);
			if (pair != null && pair.throughputRatios().isEmpty()) {
				pair = null;
			}
			if (pair == null && (result == null || result.throughput == null)) {
				continue;
			}
			md.append("- `")
				.append(arm.id())
				.append("`")
				.append((pair != null) ? " (paired, " + rounds(pair.throughputRatios().size()) + ")"
						: " (no paired rounds)")
				.append(":\n");
			throughputTarget(md, arm, result, pair);
			addedCpuTarget(md, arm, result, pair);
			addedP99Target(md, arm, result, pair);
			churnTarget(md, arm, result, pair);
			if (arm.boringssl()) {
				handshakeTarget(md, arm, result, pair);
			}
		}
		Result jsse = churnOf(new Arm(Kind.CONNECT, Stack.NETTY, 17, false, false));
		Result boring = churnOf(new Arm(Kind.CONNECT, Stack.NETTY, 17, true, true));
		if (jsse != null && boring != null) {
			md.append("- BoringSSL vs JSSE on Netty, JDK 17, churn: ")
				.append(String.format(Locale.ROOT, "%.2fx", boring.perSecond() / jsse.perSecond()))
				.append(" new connections/s, ")
				.append(String.format(Locale.ROOT, "%.2fx",
						PairResult.cpuMillisPerConnection(jsse) / PairResult.cpuMillisPerConnection(boring)))
				.append(" less server CPU per connection (target >= 5x): ")
				.append(SEQUENTIAL)
				.append(".\n");
		}
		md.append('\n');
	}

	private void throughputTarget(StringBuilder md, Arm arm, @Nullable ArmResult result, @Nullable PairResult pair) {
		if (pair != null) {
			List<Double> ratios = pair.throughputRatios();
			double ratio = PairResult.median(ratios);
			md.append(String.format(Locale.ROOT, "  - throughput %.2fx of static %s: %s\n", ratio,
					verdict(ratio >= 0.95, ">= 0.95"), paired(ratios, "%.2f", "-")));
		}
		else if (result != null && result.throughput != null) {
			md.append("  - throughput ")
				.append(target(result.throughput.perSecond(), throughputOf(reference(arm)), 0.95))
				.append(" of static (>= 0.95): ")
				.append(SEQUENTIAL)
				.append('\n');
		}
		Result sidecar = throughputOf(sidecarArm());
		if (result != null && result.throughput != null && sidecar != null) {
			md.append("  - throughput ")
				.append(target(result.throughput.perSecond(), sidecar, 2.0))
				.append(" of sidecar (>= 2.0): ")
				.append(SEQUENTIAL)
				.append(" (the sidecar arm has no paired rounds)\n");
		}
	}

	private void addedCpuTarget(StringBuilder md, Arm arm, @Nullable ArmResult result, @Nullable PairResult pair) {
		if (pair != null) {
			List<Double> added = pair.addedCpuMicros();
			double median = PairResult.median(added);
			md.append(String.format(Locale.ROOT, "  - added server CPU %+.1f us per request at 1,000 req/s %s: %s\n",
					median, verdict(median <= 10, "<= 10"), paired(added, "%+.1f", " to ")));
			return;
		}
		Result rate = (result != null) ? result.rate : null;
		Result referenceRate = rateOf(reference(arm));
		if (rate != null && referenceRate != null) {
			double added = PairResult.cpuMicros(rate) - PairResult.cpuMicros(referenceRate);
			if (!Double.isNaN(added)) {
				md.append(
						String.format(Locale.ROOT, "  - added server CPU %+.1f us per request at 1,000 req/s %s: %s\n",
								added, verdict(added <= 10, "<= 10"), SEQUENTIAL));
			}
		}
	}

	private void addedP99Target(StringBuilder md, Arm arm, @Nullable ArmResult result, @Nullable PairResult pair) {
		if (pair != null) {
			List<Double> added = pair.addedP99Micros().stream().map((micros) -> micros / 1000).toList();
			double median = PairResult.median(added);
			long overloaded = pair.overloadedRounds();
			md.append(String.format(Locale.ROOT, "  - added p99 %+.2f ms at 1,000 req/s %s: %s", median,
					verdict(median <= 0.1, "<= 0.1"), paired(added, "%+.2f", " to ")));
			md.append((overloaded > 0)
					? "; overloaded in " + overloaded + " of " + added.size() + " rounds, whose p99 measures the queue"
					: "")
				.append('\n');
			return;
		}
		Result rate = (result != null) ? result.rate : null;
		Result referenceRate = rateOf(reference(arm));
		if (rate == null || referenceRate == null) {
			return;
		}
		if (rate.errors() > 0 || referenceRate.errors() > 0) {
			md.append("  - added p99 at 1,000 req/s: n/a (overloaded), ").append(SEQUENTIAL).append('\n');
			return;
		}
		double added = (rate.p99Micros() - referenceRate.p99Micros()) / 1000;
		md.append(String.format(Locale.ROOT, "  - added p99 %+.2f ms at 1,000 req/s %s: %s\n", added,
				verdict(added <= 0.1, "<= 0.1"), SEQUENTIAL));
	}

	private void churnTarget(StringBuilder md, Arm arm, @Nullable ArmResult result, @Nullable PairResult pair) {
		List<Double> ratios = (pair != null) ? pair.churnRatios() : Collections.emptyList();
		if (!ratios.isEmpty()) {
			double ratio = PairResult.median(ratios);
			md.append(String.format(Locale.ROOT, "  - churn %.2fx of static new connections/s %s: %s\n", ratio,
					verdict(ratio >= 0.9, ">= 0.9"), paired(ratios, "%.2f", "-")));
		}
		else if (result != null && result.churn != null) {
			md.append("  - churn ")
				.append(target(result.churn.perSecond(), churnOf(reference(arm)), 0.9))
				.append(" of static new connections/s (>= 0.9): ")
				.append(SEQUENTIAL)
				.append('\n');
		}
	}

	private void handshakeTarget(StringBuilder md, Arm arm, @Nullable ArmResult result, @Nullable PairResult pair) {
		if (pair != null && !pair.connectRounds.isEmpty()) {
			List<Double> connect = cpuPerConnection(pair.connectRounds);
			double median = PairResult.median(connect);
			md.append(String.format(Locale.ROOT, "  - server CPU per new connection %.2f ms %s, static %.2f ms: %s\n",
					median, verdict(median <= 1.2, "<= 1.2"), PairResult.median(cpuPerConnection(pair.staticRounds)),
					paired(connect, "%.2f", "-")));
		}
		else if (result != null && result.churn != null) {
			double connect = PairResult.cpuMillisPerConnection(result.churn);
			if (Double.isNaN(connect)) {
				return;
			}
			Result reference = churnOf(reference(arm));
			md.append(String.format(Locale.ROOT, "  - server CPU per new connection %.2f ms %s", connect,
					verdict(connect <= 1.2, "<= 1.2")));
			if (reference != null) {
				md.append(String.format(Locale.ROOT, ", static %.2f ms", PairResult.cpuMillisPerConnection(reference)));
			}
			md.append(": ").append(SEQUENTIAL).append('\n');
		}
	}

	private static String verdict(boolean met, String goal) {
		return "(" + (met ? "met" : "missed") + ", " + goal + ")";
	}

	private static String paired(List<Double> values, String format, String separator) {
		return "paired, median of " + rounds(values.size()) + ", range " + range(values, format, separator);
	}

	private static String rounds(int count) {
		return count + ((count == 1) ? " round" : " rounds");
	}

	private void jmh(StringBuilder md) {
		if (this.jmh.isEmpty()) {
			return;
		}
		md.append("## Micro-benchmarks (JMH, JDK 17, one thread)\n\n");
		md.append("| Benchmark | Parameters | Mode | Score | Error (99.9 %) | Unit |\n");
		md.append("| --- | --- | --- | ---: | ---: | --- |\n");
		for (JmhResult result : this.jmh) {
			String name = result.benchmark().replace("io.meshnative.connect.", "");
			md.append("| ")
				.append(name)
				.append(" | ")
				.append(result.params())
				.append(" | ")
				.append(result.mode())
				.append(" | ")
				.append(String.format(Locale.ROOT, "%.3f", result.score()))
				.append(" | ")
				.append(String.format(Locale.ROOT, "%.3f", result.error()))
				.append(" | ")
				.append(result.unit())
				.append(" |\n");
		}
		md.append("\nTargets: a cached authorization decision < 1 us; chain evaluation + LB pick < 2 us.\n\n");
	}

	private Arm reference(Arm arm) {
		return switch (arm.kind()) {
			case PLAIN, SIDECAR, CONNECT_PROXY -> new Arm(Kind.STATIC, Stack.TOMCAT, 17, false, false);
			default -> arm.staticReference();
		};
	}

	private static Arm sidecarArm() {
		return new Arm(Kind.SIDECAR, Stack.TOMCAT, 17, false, false);
	}

	private static Arm connectProxyArm() {
		return new Arm(Kind.CONNECT_PROXY, Stack.TOMCAT, 17, false, false);
	}

	private @Nullable Result throughputOf(Arm arm) {
		ArmResult result = find(this.results, arm);
		return (result != null) ? result.throughput : null;
	}

	private @Nullable Result rateOf(Arm arm) {
		ArmResult result = find(this.results, arm);
		return (result != null) ? result.rate : null;
	}

	private @Nullable Result churnOf(Arm arm) {
		ArmResult result = find(this.results, arm);
		return (result != null) ? result.churn : null;
	}

	/**
	 * Return the entry of an arm of the same kind, stack, JDK and TLS provider (whether
	 * it was also called through {@code @ConnectClient} does not matter).
	 * @param <T> the type of the entries
	 * @param entries by arm
	 * @param arm the arm
	 * @return the entry, {@code null} when none
	 */
	private static <T> @Nullable T find(Map<Arm, T> entries, Arm arm) {
		for (Map.Entry<Arm, T> entry : entries.entrySet()) {
			Arm candidate = entry.getKey();
			if (candidate.kind() == arm.kind() && candidate.stack() == arm.stack() && candidate.jdk() == arm.jdk()
					&& candidate.boringssl() == arm.boringssl()) {
				return entry.getValue();
			}
		}
		return null;
	}

	private static String target(double value, @Nullable Result reference, double goal) {
		if (reference == null || reference.perSecond() == 0) {
			return "n/a";
		}
		double ratio = value / reference.perSecond();
		return String.format(Locale.ROOT, "%.2fx (%s)", ratio, (ratio >= goal) ? "met" : "missed");
	}

	private static String ratio(double value, @Nullable Result reference) {
		if (reference == null || reference.perSecond() == 0) {
			return "-";
		}
		return String.format(Locale.ROOT, "%.2f", value / reference.perSecond());
	}

	private static String number(double value) {
		return String.format(Locale.ROOT, "%,.0f", value);
	}

	private static String ms(double micros) {
		return String.format(Locale.ROOT, "%.2f", micros / 1000);
	}

	private static String signedMs(double micros) {
		return String.format(Locale.ROOT, "%+.2f", micros / 1000);
	}

	/**
	 * Return the share of its core the generator used, marked when generator-bound.
	 * @param result the figure
	 * @return the text
	 */
	static String generator(Result result) {
		double share = result.generatorCoreShare();
		if (Double.isNaN(share)) {
			return "-";
		}
		return String.format(Locale.ROOT, "%.0f", share * 100) + (result.generatorBound() ? " generator-bound" : "");
	}

	/**
	 * Return "yes" when the machine was quiet before the arm and during the given
	 * figures, "not quiet" otherwise.
	 * @param arm the arm's results
	 * @param figures the figures of the row
	 * @return the text
	 */
	static String quiet(ArmResult arm, Result... figures) {
		boolean quiet = arm.before == null || arm.before.quiet();
		for (Result figure : figures) {
			quiet &= figure.quiet();
		}
		return quiet ? "yes" : "not quiet";
	}

	private static String cpuPerRequest(Result result) {
		if (Double.isNaN(result.serverCpuSeconds()) || result.requests() == 0) {
			return "-";
		}
		return String.format(Locale.ROOT, "%.0f", result.serverCpuSeconds() * 1_000_000 / result.requests());
	}

	private static String cpuPerConnection(Result result) {
		if (Double.isNaN(result.serverCpuSeconds()) || result.requests() == 0) {
			return "-";
		}
		return String.format(Locale.ROOT, "%.2f", PairResult.cpuMillisPerConnection(result));
	}

}
