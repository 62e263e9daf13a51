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
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToDoubleBiFunction;
import java.util.stream.Collectors;

import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.CaRoots;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.LeafCertificate;
import io.meshnative.connect.agent.internal.ServiceRegistration;
import io.meshnative.connect.test.ConsulAgent;
import io.meshnative.connect.test.TestPorts;
import org.jspecify.annotations.Nullable;

/**
 * Runs every end-to-end arm, fresh and in one run, then the JMH micro-benchmarks, and
 * writes the report ({@code docs/benchmarks.md}). Started by {@code scripts/bench}; see
 * {@link #main(String[])} for the options.
 * <p>
 * Placement: the server side of every arm (the application, and in the sidecar arms the
 * server's proxy) is pinned to CPU 1, the caller side (the load driver, and in the
 * sidecar arms the caller's proxy) to CPU 0, as if caller and callee ran on hosts of one
 * core each. The Consul agent is not pinned.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class BenchRunner {

	private static final String CALLER = "bench-client";

	/**
	 * Service of the caller-side proxy of the sidecar arms.
	 */
	private static final String PROXY_CALLER = "bench-caller";

	private static final int READY_TIMEOUT_SECONDS = 240;

	/**
	 * Length of one warm-up run, seconds.
	 */
	static final int WARMUP_CHUNK_SECONDS = 10;

	/**
	 * Shortest warm-up, seconds.
	 */
	static final int WARMUP_MIN_SECONDS = 30;

	/**
	 * Two warm-up runs in a row within this many percent of each other: steady.
	 */
	static final int WARMUP_STEADY_PERCENT = 3;

	private final Settings settings;

	private final Path work;

	private final String classpath;

	private final List<String> log = new ArrayList<>();

	private final Vegeta vegeta;

	private @Nullable ConsulAgent agent;

	private @Nullable ConsulAgentClient client;

	private BenchRunner(Settings settings, Path work, String classpath, Path vegeta) {
		this.settings = settings;
		this.work = work;
		this.classpath = classpath;
		this.vegeta = new Vegeta(vegeta, work);
	}

	/**
	 * Run the benchmarks. Options: {@code --quick} (short runs, fewer arms) or
	 * {@code --full}; {@code --out=docs/benchmarks.md}; {@code --classpath-file=} (the
	 * class path of the benchmarks module, one line); {@code --boringssl-dir=} (the
	 * netty-tcnative jars); {@code --jdk25=} (a JDK 25 home; JDK 25 arms are left out
	 * when absent); {@code --arms=a,b} (only arms whose id contains one of these);
	 * {@code --no-jmh}; {@code --warmup=SECONDS} (the warm-up run per arm);
	 * {@code --concurrent-note=} (text recorded about other work on the machine);
	 * {@code --notes=benchmarks/notes.md} (hand-written notes appended to the report);
	 * {@code --connect-proxy-jar=} (connect-proxy's runnable jar, for arm 5);
	 * {@code --vegeta=} (the vegeta binary; by default what {@code scripts/vegeta}
	 * prints); {@code --require-quiet} (stop without writing the report, exit status 3,
	 * when the machine is not quiet before an arm or during a measurement).
	 * @param args the options
	 * @throws Exception on failure
	 */
	public static void main(String[] args) throws Exception {
		Map<String, String> options = new LinkedHashMap<>();
		for (String arg : args) {
			int equals = arg.indexOf('=');
			options.put((equals < 0) ? arg.substring(2) : arg.substring(2, equals),
					(equals < 0) ? "true" : arg.substring(equals + 1));
		}
		Settings settings = Settings.from(options);
		String classpath = Files.readString(Path.of(required(options, "classpath-file"))).trim();
		classpath = Path.of("benchmarks/target/classes").toAbsolutePath() + File.pathSeparator + classpath;
		Path work = Files.createTempDirectory("connect-bench");
		Path vegeta = options.containsKey("vegeta") ? Path.of(options.get("vegeta"))
				: Vegeta.locate(Path.of("scripts/vegeta"));
		BenchRunner runner = new BenchRunner(settings, work, classpath, vegeta);
		long started = System.nanoTime();
		Report report;
		try {
			report = runner.run();
		}
		catch (NotQuietException ex) {
			System.out.println("[bench] --require-quiet: " + ex.getMessage() + ". No report written.");
			System.exit(3);
			return;
		}
		report.elapsed = Duration.ofNanos(System.nanoTime() - started);
		Path notes = Path.of(options.getOrDefault("notes", "benchmarks/notes.md"));
		if (Files.exists(notes)) {
			report.notes = Files.readString(notes);
		}
		Path out = Path.of(options.getOrDefault("out", "docs/benchmarks.md"));
		Files.createDirectories(out.toAbsolutePath().getParent());
		Files.writeString(out, report.toMarkdown());
		System.out.println("Wrote " + out + " in " + report.elapsed.toSeconds() + " s");
		System.exit(0);
	}

	private static String required(Map<String, String> options, String name) {
		String value = options.get(name);
		if (value == null) {
			throw new IllegalArgumentException("Missing option --" + name);
		}
		return value;
	}

	private Report run() throws Exception {
		Report report = new Report(this.settings);
		report.machine = Machine.read(this.settings);
		try (ConsulAgent consul = ConsulAgent.dev()) {
			this.agent = consul.start();
			this.client = ConsulAgentClient.builder(URI.create(consul.getHttpAddress())).build();
			report.consulVersion = firstLine(command(consul.getBinary().toString(), "version"));
			Certificates certificates = writeCertificates(this.client);
			boolean first = true;
			for (Arm arm : Arm.all(this.settings)) {
				if (!this.settings.selected(arm)) {
					continue;
				}
				progress("arm " + arm.id());
				Cpu.Quietness before = quietness(first);
				first = false;
				try {
					ArmResult result = runArm(arm, certificates);
					result.before = before;
					report.results.put(arm, result);
				}
				catch (NotQuietException ex) {
					throw ex;
				}
				catch (Exception ex) {
					progress("arm " + arm.id() + " failed: " + ex);
					report.failures.put(arm, ex.toString());
				}
			}
			for (Arm arm : Arm.all(this.settings)) {
				if (this.settings.pairRounds > 0 && arm.kind() == Kind.CONNECT && this.settings.selected(arm)) {
					measurePair(report, report.pairs, arm.staticReference(), arm, certificates);
				}
			}
			for (Arm arm : Arm.all(this.settings)) {
				if (this.settings.control && this.settings.pairRounds > 0 && arm.kind() == Kind.STATIC
						&& this.settings.selected(arm)) {
					measurePair(report, report.controls, arm, arm, certificates);
				}
			}
			this.client.close();
		}
		if (this.settings.jmh) {
			progress("JMH");
			report.jmh = runJmh();
		}
		report.log.addAll(this.log);
		return report;
	}

	/**
	 * Warm the arm's JIT up with keep-alive load at full throughput until the throughput
	 * is steady: in chunks of {@value #WARMUP_CHUNK_SECONDS} s, until two chunks in a row
	 * are within {@value #WARMUP_STEADY_PERCENT} % of each other (after at least
	 * {@value #WARMUP_MIN_SECONDS} s), or for at most the configured warm-up. Reactor
	 * Netty's server needs far longer than Tomcat here (its throughput on one core rises
	 * from 3,000 to 29,000 req/s over 70 s), so a fixed short warm-up measured the JIT,
	 * not the stack. Quick and smoke runs warm up once for their fixed time.
	 * @param arm the arm
	 * @param target where it listens
	 * @param tls the client's certificate, {@code null} for plain HTTP
	 * @return the throughput of each chunk, req/s (empty for quick and smoke runs)
	 * @throws Exception on failure
	 */
	private List<Double> warmUp(Arm arm, Target target, Vegeta.@Nullable Tls tls) throws Exception {
		double maximum = this.settings.times("warmup")[1];
		Vegeta.Attack attack = attack(arm, target, tls, "throughput");
		List<Double> curve = new ArrayList<>();
		if (this.settings.quick || this.settings.smoke) {
			progress("  warm-up: " + Settings.fmt(maximum) + " s keep-alive at full throughput (vegeta), discarded");
			this.vegeta.run(attack.lasting(maximum), false);
			return curve;
		}
		double elapsed = 0;
		while (elapsed < maximum) {
			LoadDriver.Result chunk = this.vegeta.run(attack.lasting(WARMUP_CHUNK_SECONDS), true);
			elapsed += WARMUP_CHUNK_SECONDS;
			curve.add((chunk != null) ? chunk.perSecond() : 0);
			if (elapsed >= WARMUP_MIN_SECONDS && steady(curve)) {
				break;
			}
		}
		progress("  warm-up: " + Settings.fmt(elapsed) + " s keep-alive at full throughput (vegeta), discarded; req/s "
				+ "per " + WARMUP_CHUNK_SECONDS + " s: "
				+ curve.stream().map((value) -> String.format(Locale.ROOT, "%.0f", value)).toList()
				+ (steady(curve) ? " (steady)" : " (NOT steady after the maximum of " + Settings.fmt(maximum) + " s)"));
		return curve;
	}

	/**
	 * Whether the last two warm-up chunks are within {@value #WARMUP_STEADY_PERCENT} % of
	 * each other.
	 * @param curve the throughput of each chunk
	 * @return whether steady
	 */
	static boolean steady(List<Double> curve) {
		if (curve.size() < 2) {
			return false;
		}
		double last = curve.get(curve.size() - 1);
		double previous = curve.get(curve.size() - 2);
		return previous > 0 && Math.abs(last - previous) / previous * 100 <= WARMUP_STEADY_PERCENT;
	}

	/**
	 * Sample how busy the machine is before an arm starts (only the Consul agent of the
	 * benchmark runs then), warn when it is not quiet, and stop with
	 * {@code --require-quiet}.
	 * @param first whether this is the first arm of the run: the sample then lasts
	 * {@value Cpu#FIRST_SAMPLE_SECONDS} s instead of 3 (the load average is recorded but
	 * not judged: this kind of virtual machine idles at a load average of 1.2 to 1.7 with
	 * under 0.1 core busy)
	 * @return the sample
	 */
	private Cpu.Quietness quietness(boolean first) {
		int seconds = this.settings.smoke ? 1 : (first ? Cpu.FIRST_SAMPLE_SECONDS : 3);
		Cpu.Quietness quietness = Cpu.Quietness.sample(seconds);
		List<String> reasons = new ArrayList<>();
		if (!quietness.quiet()) {
			reasons.add(String.format(Locale.ROOT, "%.2f cores used outside the benchmark > %.1f over %d s",
					quietness.foreignCores(), Cpu.FOREIGN_LIMIT, seconds));
		}
		boolean quiet = reasons.isEmpty();
		quietness = quietness.judged(quiet);
		String why = String.join("; ", reasons);
		progress("  before the arm: " + quietness.describe() + (quiet ? "" : " -- NOT QUIET: " + why));
		if (!quiet) {
			System.err.println("[bench] WARNING: the machine is not quiet (" + why
					+ "); the figures of this arm are marked \"not quiet\"");
			if (this.settings.requireQuiet) {
				throw new NotQuietException("not quiet before the arm: " + why + " (" + quietness.describe() + ")");
			}
		}
		return quietness;
	}

	private ArmResult runArm(Arm arm, Certificates certificates) throws Exception {
		List<Process> processes = new ArrayList<>();
		try {
			Target target = start(arm, certificates, processes);
			ArmResult result = new ArmResult();
			result.serverInfo = target.info;
			String javaHome = (arm.jdk() == 25) ? this.settings.jdk25 : System.getProperty("java.home");
			Memory.Sample idle = Memory.sample(target.serverPids(), javaHome);
			result.memoryIdle = idle;
			Vegeta.@Nullable Tls tls = (arm.tls())
					? new Vegeta.Tls(certificates.clientCert, certificates.clientKey, certificates.roots) : null;
			result.warmup = warmUp(arm, target, tls);
			result.throughput = driveVegeta(arm, target, tls, "throughput");
			result.rate = driveVegeta(arm, target, tls, "rate");
			Memory.Sample loaded = Memory.sample(target.serverPids(), javaHome);
			result.memoryLoaded = loaded;
			progress(String.format(Locale.ROOT,
					"  memory: RSS %.0f MB idle, %.0f MB after 1,000 req/s; live heap %.1f MB idle, %.1f MB after",
					idle.rssMb(), loaded.rssMb(), idle.liveHeapMb(), loaded.liveHeapMb()));
			result.churn = driveVegeta(arm, target, tls, "churn");
			if (arm.connectClient()) {
				List<String> viaClient = List.of("--connect-client=" + arm.service(),
						"--agent=" + agent().getHttpAddress());
				result.clientThroughput = drive(arm, target, viaClient, "throughput", this.settings.connections);
				result.clientRate = drive(arm, target, viaClient, "rate", this.settings.connections);
			}
			return result;
		}
		finally {
			for (Process process : processes) {
				stop(process);
			}
			if (arm.kind() == Kind.SIDECAR || arm.kind() == Kind.CONNECT) {
				client().deregisterService(arm.service() + "-1");
			}
			else if (arm.kind() == Kind.CONNECT_PROXY) {
				client().deregisterService(arm.service() + "-1");
				client().deregisterService(callerProxyId(arm));
			}
		}
	}

	/**
	 * Measure a pair (or, when both arms are the same, a control pair) and keep it in
	 * {@code results} under the second arm; a failure is reported under that arm.
	 * @param report the report
	 * @param results where the pair goes
	 * @param reference the first server's arm
	 * @param other the second server's arm
	 * @param certificates the certificates of the static arm and the load generator
	 */
	private void measurePair(Report report, Map<Arm, PairResult> results, Arm reference, Arm other,
			Certificates certificates) {
		String what = (reference == other) ? "control pair" : "pair";
		progress(what + " " + reference.id() + " / " + other.id() + " (interleaved, " + this.settings.pairRounds
				+ " rounds)");
		Cpu.Quietness before = quietness(false);
		try {
			PairResult pair = runPair(reference, other, certificates);
			pair.before = before;
			results.put(other, pair);
		}
		catch (NotQuietException ex) {
			throw ex;
		}
		catch (Exception ex) {
			progress(what + " " + other.id() + " failed: " + ex);
			report.failures.merge(other, what + ": " + ex, (first, second) -> first + "; " + second);
		}
	}

	/**
	 * Compare a connect-spring-boot arm with its static mTLS arm in one interleaved run:
	 * both servers run side by side on the server CPU (only one is loaded at a time),
	 * both are warmed up until steady, then each round measures keep-alive throughput,
	 * the fixed rate and churn (new connections without keep-alive) on one and then the
	 * other, alternating which goes first, so that drift of the machine or of the JIT
	 * over the run falls on both arms alike. The ratio of each round is reported with the
	 * median, so one noisy run cannot make the figure. A control pair passes the static
	 * arm twice: two servers of it, whose ratios show the method's noise.
	 * @param reference the static mTLS arm (the first server)
	 * @param connect the connect-spring-boot arm, or {@code reference} again for a
	 * control pair (the second server)
	 * @param certificates the certificates of the static arm and the load generator
	 * @return the rounds of both arms
	 * @throws Exception on failure
	 */
	private PairResult runPair(Arm reference, Arm connect, Certificates certificates) throws Exception {
		List<Process> processes = new ArrayList<>();
		try {
			Target staticTarget = start(reference, certificates, processes);
			Target connectTarget = start(connect, certificates, processes);
			Vegeta.Tls tls = new Vegeta.Tls(certificates.clientCert, certificates.clientKey, certificates.roots);
			PairResult pair = new PairResult();
			pair.staticWarmup = warmUp(reference, staticTarget, tls);
			pair.connectWarmup = warmUp(connect, connectTarget, tls);
			for (int round = 0; round < this.settings.pairRounds; round++) {
				boolean staticFirst = (round % 2) == 0;
				for (int turn = 0; turn < 2; turn++) {
					boolean staticTurn = (turn == 0) == staticFirst;
					Arm arm = staticTurn ? reference : connect;
					Target target = staticTurn ? staticTarget : connectTarget;
					progress("  round " + (round + 1) + ": " + arm.id()
							+ ((reference == connect) ? (staticTurn ? " (first server)" : " (second server)") : ""));
					(staticTurn ? pair.staticRounds : pair.connectRounds).add(measureRound(arm, target, tls));
				}
			}
			return pair;
		}
		finally {
			for (Process process : processes) {
				stop(process);
			}
			if (connect.kind() == Kind.CONNECT) {
				client().deregisterService(connect.service() + "-1");
			}
		}
	}

	/**
	 * Measure one arm's turn in a round of a pair: keep-alive throughput, the fixed rate
	 * and churn, each as the sequential arms measure it ({@link #driveVegeta}, same
	 * durations).
	 * @param arm the arm
	 * @param target where it listens
	 * @param tls the client's certificate
	 * @return the turn's figures
	 * @throws Exception on failure
	 */
	private Round measureRound(Arm arm, Target target, Vegeta.Tls tls) throws Exception {
		return new Round(driveVegeta(arm, target, tls, "throughput"), driveVegeta(arm, target, tls, "rate"),
				driveVegeta(arm, target, tls, "churn"));
	}

	private Target start(Arm arm, Certificates certificates, List<Process> processes) throws Exception {
		int port = TestPorts.next();
		List<String> properties = new ArrayList<>(List.of("--server.port=" + port,
				"--spring.main.web-application-type=" + ((arm.stack() == Stack.TOMCAT) ? "servlet" : "reactive"),
				"--spring.main.banner-mode=off", "--logging.level.root=warn",
				"--logging.level.org.springframework.boot.tomcat=info",
				"--logging.level.org.springframework.boot.reactor.netty=info",
				"--server.tomcat.max-keep-alive-requests=-1"));
		switch (arm.kind()) {
			case PLAIN, SIDECAR, CONNECT_PROXY -> properties.add("--connect.enabled=false");
			case STATIC -> {
				properties.add("--connect.enabled=false");
				properties.add("--server.ssl.bundle=static");
				properties.add("--server.ssl.client-auth=need");
				properties.add("--spring.ssl.bundle.pem.static.keystore.certificate=file:" + certificates.serverCert);
				properties.add("--spring.ssl.bundle.pem.static.keystore.private-key=file:" + certificates.serverKey);
				properties.add("--spring.ssl.bundle.pem.static.truststore.certificate=file:" + certificates.roots);
			}
			case CONNECT -> {
				properties.add("--connect.service-name=" + arm.service());
				properties.add("--connect.agent.address=" + agent().getHttpAddress());
			}
		}
		Path serverLog = this.work.resolve(arm.id() + ".log");
		for (int instance = 2; processes.stream().anyMatch((process) -> process.isAlive())
				&& Files.exists(serverLog); instance++) {
			serverLog = this.work.resolve(arm.id() + "-" + instance + ".log");
		}
		List<String> command = new ArrayList<>(java(arm, "1", arm.boringssl()));
		command.add(BenchServerApplication.class.getName());
		command.addAll(properties);
		Process server = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(serverLog.toFile())
			.start();
		processes.add(server);
		Map<Process, Path> logs = new LinkedHashMap<>(Map.of(server, serverLog));
		List<Long> serverPids = new ArrayList<>(List.of(server.pid()));
		List<Long> callerPids = new ArrayList<>();
		String host = "127.0.0.1";
		int targetPort = port;
		if (arm.kind() == Kind.CONNECT) {
			client().registerService(new ServiceRegistration(arm.service() + "-1", arm.service(), null, null, host,
					port, null, new AgentService.Connect(true, null), null, ServiceRegistration.Check.passingTtl("10m"),
					null));
		}
		if (arm.kind() == Kind.SIDECAR || arm.kind() == Kind.CONNECT_PROXY) {
			int sidecarPort = TestPorts.next();
			targetPort = TestPorts.next();
			client().registerService(
					new ServiceRegistration(arm.service() + "-1", arm.service(), null, null, host, port, null,
							new AgentService.Connect(null, Map.of("Port", sidecarPort, "Check", Map.of("TTL", "10m"))),
							null, null, null));
			agent().request("PUT", "/v1/agent/check/pass/service:" + arm.service() + "-1-sidecar-proxy", null);
			Started publicProxy;
			Started upstreamProxy;
			if (arm.kind() == Kind.SIDECAR) {
				publicProxy = proxy("1", "-sidecar-for", arm.service() + "-1");
				upstreamProxy = proxy("0", "-service", PROXY_CALLER, "-upstream", arm.service() + ":" + targetPort);
			}
			else {
				publicProxy = connectProxy(arm, "1", "--sidecar-for=" + arm.service() + "-1");
				registerCallerProxy(arm, targetPort);
				upstreamProxy = connectProxy(arm, "0", "--proxy-id=" + callerProxyId(arm));
			}
			processes.add(publicProxy.process());
			logs.put(publicProxy.process(), publicProxy.log());
			serverPids.add(publicProxy.process().pid());
			processes.add(upstreamProxy.process());
			logs.put(upstreamProxy.process(), upstreamProxy.log());
			callerPids.add(upstreamProxy.process().pid());
		}
		Target target = new Target(host, targetPort, serverPids, callerPids, "");
		awaitReady(arm, target, certificates, logs);
		String info = Files.readAllLines(serverLog)
			.stream()
			.filter((line) -> (arm.stack() == Stack.NETTY && line.contains("BENCH-NETTY-SSL-PROVIDER"))
					|| line.contains(" started on port"))
			.map((line) -> line.replaceAll(".*(BENCH-NETTY-SSL-PROVIDER|Tomcat started|Netty started)", "$1"))
			.collect(Collectors.joining("; "));
		return new Target(host, targetPort, serverPids, callerPids, info);
	}

	private void awaitReady(Arm arm, Target target, Certificates certificates, Map<Process, Path> logs)
			throws Exception {
		LoadDriver.SocketTransport probe = new LoadDriver.SocketTransport(target.host, target.port, arm.tls()
				? LoadDriver.sslContext(certificates.clientCert, certificates.clientKey, certificates.roots) : null);
		// Arm 5 starts two Spring Boot JVMs besides the app: 90 s on this loaded machine.
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_TIMEOUT_SECONDS);
		Exception last = null;
		while (System.nanoTime() < deadline) {
			for (Map.Entry<Process, Path> entry : logs.entrySet()) {
				if (!entry.getKey().isAlive()) {
					throw new IllegalStateException(entry.getValue().getFileName() + " of " + arm.id() + " exited: "
							+ String.join("\n", tail(entry.getValue(), 30)));
				}
			}
			try (LoadDriver.Exchange exchange = probe.open()) {
				exchange.get(true);
				return;
			}
			catch (IOException ex) {
				last = ex;
				LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
			}
		}
		StringBuilder tails = new StringBuilder();
		for (Path log : logs.values()) {
			tails.append("\n--- ").append(log.getFileName()).append('\n').append(String.join("\n", tail(log, 30)));
		}
		throw new IllegalStateException(
				"Arm " + arm.id() + " not ready after " + READY_TIMEOUT_SECONDS + " s: " + last + tails);
	}

	private Vegeta.Attack attack(Arm arm, Target target, Vegeta.@Nullable Tls tls, String mode) {
		String url = (arm.tls() ? "https://" : "http://") + target.host + ":" + target.port + "/bytes";
		double seconds = this.settings.times(mode)[1];
		Vegeta.Attack attack = switch (mode) {
			case "rate" -> Vegeta.Attack.rate(url, tls, this.settings.connections, this.settings.rate, seconds);
			case "churn" -> Vegeta.Attack.churn(url, tls, this.settings.churnThreads, seconds);
			default -> Vegeta.Attack.throughput(url, tls, this.settings.connections, seconds);
		};
		return attack.on("0", target.serverPids, target.callerPids);
	}

	/**
	 * Measure one mode with vegeta: a run of the mode's warm-up length, discarded, then
	 * the measured run.
	 * @param arm the arm
	 * @param target where to send the load
	 * @param tls the client's TLS files, {@code null} for plain HTTP
	 * @param mode {@code throughput}, {@code rate} or {@code churn}
	 * @return the result
	 * @throws Exception on failure
	 */
	private LoadDriver.Result driveVegeta(Arm arm, Target target, Vegeta.@Nullable Tls tls, String mode)
			throws Exception {
		Vegeta.Attack attack = attack(arm, target, tls, mode);
		double warmup = this.settings.times(mode)[0];
		if (warmup > 0) {
			this.vegeta.run(attack.lasting(warmup), false);
		}
		LoadDriver.Result result = this.vegeta.run(attack, true);
		if (result == null) {
			throw new IllegalStateException("vegeta returned no result");
		}
		String error = this.vegeta.lastError();
		if (error != null) {
			progress("First error: " + error);
		}
		return checked(mode, result);
	}

	private LoadDriver.Result checked(String what, LoadDriver.Result result) {
		progress("  " + what + ": " + result.toLine()
				+ String.format(Locale.ROOT, " (generator core %.0f %%%s%s)", result.generatorCoreShare() * 100,
						result.generatorBound() ? ", GENERATOR-BOUND" : "", result.quiet() ? "" : ", NOT QUIET"));
		if (!result.quiet()) {
			String foreign = String.format(Locale.ROOT, "%.2f", result.foreignCpuSeconds() / result.wallSeconds());
			System.err.println("[bench] WARNING: processes outside the benchmark used " + foreign + " cores during '"
					+ what + "'; the figure is marked \"not quiet\"");
			if (this.settings.requireQuiet) {
				throw new NotQuietException("not quiet during '" + what + "': " + foreign + " cores used outside");
			}
		}
		return result;
	}

	/**
	 * Measure with the Java {@link LoadDriver} in its own JVM: the rows through
	 * {@code @ConnectClient}, whose caller is a Java client by nature.
	 * @param arm the arm
	 * @param target where the driver calls
	 * @param extra the driver's options that choose the transport
	 * @param mode the mode
	 * @param connections connections or threads
	 * @return the result
	 * @throws Exception on failure
	 */
	private LoadDriver.Result drive(Arm arm, Target target, List<String> extra, String mode, int connections)
			throws Exception {
		double[] times = this.settings.times(mode);
		List<String> command = new ArrayList<>(java(arm, "0", arm.boringssl()));
		command.add(LoadDriver.class.getName());
		command.add("--target=" + target.host + ":" + target.port);
		command.add("--mode=" + (mode.equals("warmup") ? "throughput" : mode));
		command.add("--connections=" + connections);
		command.add("--rate=" + this.settings.rate);
		boolean viaClient = extra.stream().anyMatch((option) -> option.startsWith("--connect-client"));
		command.add("--warmup=" + (viaClient ? times[0] + this.settings.times("warmup")[1] : times[0]));
		command.add("--duration=" + times[1]);
		command.add("--cpu-pids=" + join(target.serverPids));
		command.add("--caller-cpu-pids=" + join(target.callerPids));
		command.addAll(extra);
		String output = command(command.toArray(new String[0]));
		String line = output.lines()
			.filter((candidate) -> candidate.startsWith("RESULT "))
			.findFirst()
			.orElseThrow(() -> new IllegalStateException("Driver printed no result:\n" + output));
		output.lines().filter((candidate) -> candidate.startsWith("First error")).forEach(this::progress);
		return checked(mode + (viaClient ? " @ConnectClient" : ""), LoadDriver.Result.parse(line));
	}

	private List<String> java(Arm arm, String cpu, boolean boringssl) {
		String classpath = this.classpath;
		if (boringssl) {
			classpath = classpath + File.pathSeparator + this.settings.boringSslClasspath();
		}
		List<String> command = jvm(arm, cpu);
		command.addAll(List.of("-cp", classpath));
		return command;
	}

	private List<String> jvm(Arm arm, String cpu) {
		String home = (arm.jdk() == 25) ? this.settings.jdk25 : System.getProperty("java.home");
		return new ArrayList<>(
				List.of("taskset", "-c", cpu, home + "/bin/java", "-Xms256m", "-Xmx512m", "-XX:+UseG1GC"));
	}

	private Started proxy(String cpu, String... arguments) throws IOException {
		List<String> command = new ArrayList<>(List.of("taskset", "-c", cpu, agent().getBinary().toString(), "connect",
				"proxy", "-http-addr=" + agent().getHttpAddress()));
		command.addAll(List.of(arguments));
		return launch(command, this.work.resolve("proxy-" + arguments[1] + ".log"));
	}

	/**
	 * Start connect-proxy in its own JVM (same JDK and heap as the arm's server), from
	 * its runnable jar, so that none of its dependencies joins the servers' class path.
	 * @param arm the arm
	 * @param cpu the CPU to pin it to
	 * @param which {@code --sidecar-for=...} or {@code --proxy-id=...}
	 * @return the started proxy
	 * @throws IOException if it cannot start
	 */
	private Started connectProxy(Arm arm, String cpu, String which) throws IOException {
		Path jar = Path.of(this.settings.connectProxyJar);
		if (!Files.isRegularFile(jar)) {
			throw new IllegalStateException("No connect-proxy runnable jar at " + jar.toAbsolutePath()
					+ ": build the benchmarks module with 'mvn package -pl benchmarks -am' first");
		}
		List<String> command = jvm(arm, cpu);
		command.addAll(List.of("-jar", jar.toAbsolutePath().toString(), which,
				"--connect.agent.address=" + agent().getHttpAddress(), "--server.port=0"));
		return launch(command, this.work.resolve("connect-proxy-" + which.substring(2, which.indexOf('=')) + ".log"));
	}

	private Started launch(List<String> command, Path log) throws IOException {
		Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		process.getOutputStream().close();
		return new Started(process, log);
	}

	/**
	 * Register the caller side's connect-proxy: a proxy of {@value #PROXY_CALLER} with
	 * one upstream listener for the arm's service on {@code upstreamPort}, as
	 * {@code consul connect proxy -service bench-caller -upstream} makes in arm 4. Its
	 * public listener and local application port are unused (the registration needs
	 * them).
	 * @param arm the arm
	 * @param upstreamPort the upstream listener's port
	 * @throws IOException if no free port is found
	 */
	private void registerCallerProxy(Arm arm, int upstreamPort) throws IOException {
		AgentService.Upstream upstream = new AgentService.Upstream(null, arm.service(), null, null, null, null,
				"127.0.0.1", upstreamPort, null, null);
		client().registerService(new ServiceRegistration(callerProxyId(arm), callerProxyId(arm), "connect-proxy", null,
				"127.0.0.1", TestPorts.next(), null, null, new AgentService.Proxy(PROXY_CALLER, null, "127.0.0.1",
						TestPorts.next(), null, null, null, List.of(upstream)),
				ServiceRegistration.Check.passingTtl("10m"), null));
	}

	private static String callerProxyId(Arm arm) {
		return PROXY_CALLER + "-" + arm.id() + "-proxy";
	}

	private Certificates writeCertificates(ConsulAgentClient client) throws IOException {
		CaRoots roots = client.getCaRoots();
		StringBuilder pem = new StringBuilder();
		for (CaRoots.Root root : roots.roots()) {
			pem.append(root.rootCert().trim()).append('\n');
		}
		Path rootsFile = write("roots.pem", pem.toString());
		LeafCertificate caller = client.getLeafCertificate(CALLER);
		LeafCertificate server = client.getLeafCertificate("bench-static");
		return new Certificates(write("client.pem", caller.certPem()),
				write("client-key.pem", pem(caller.privateKey())), write("server.pem", server.certPem()),
				write("server-key.pem", pem(server.privateKey())), rootsFile);
	}

	/**
	 * Write a private key as PKCS #8 PEM ({@code PRIVATE KEY}), which every TLS tool the
	 * benchmark drives reads.
	 * @param key the key
	 * @return the PEM text
	 */
	private static String pem(PrivateKey key) {
		return "-----BEGIN PRIVATE KEY-----\n"
				+ Base64.getMimeEncoder(64, new byte[] { '\n' }).encodeToString(key.getEncoded())
				+ "\n-----END PRIVATE KEY-----\n";
	}

	private Path write(String name, String content) throws IOException {
		Path file = this.work.resolve(name);
		Files.writeString(file, content);
		return file;
	}

	private List<JmhResult> runJmh() throws Exception {
		Path csv = this.work.resolve("jmh.csv");
		List<String> command = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java", "-cp",
				this.classpath, "org.openjdk.jmh.Main", "io.meshnative.connect.*Benchmark.*"));
		command.addAll(this.settings.jmhOptions());
		command.addAll(List.of("-rf", "csv", "-rff", csv.toString()));
		String output = command(command.toArray(new String[0]));
		if (!Files.exists(csv)) {
			throw new IllegalStateException("JMH wrote no results:\n" + output);
		}
		return JmhResult.parse(Files.readAllLines(csv));
	}

	private void progress(String message) {
		String line = "[bench " + DateTimeFormatter.ofPattern("HH:mm:ss").format(ZonedDateTime.now()) + "] " + message;
		System.out.println(line);
		this.log.add(line);
	}

	private ConsulAgent agent() {
		ConsulAgent agent = this.agent;
		if (agent == null) {
			throw new IllegalStateException("Consul agent not started");
		}
		return agent;
	}

	private ConsulAgentClient client() {
		ConsulAgentClient client = this.client;
		if (client == null) {
			throw new IllegalStateException("Consul agent not started");
		}
		return client;
	}

	static String command(String... command) throws IOException, InterruptedException {
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		process.getOutputStream().close();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		process.waitFor();
		return output;
	}

	private static String firstLine(String text) {
		return text.lines().findFirst().orElse("").trim();
	}

	private static List<String> tail(Path file, int lines) throws IOException {
		List<String> all = Files.readAllLines(file);
		return all.subList(Math.max(0, all.size() - lines), all.size());
	}

	private static String join(List<Long> pids) {
		return pids.stream().map(String::valueOf).collect(Collectors.joining(","));
	}

	private static void stop(Process process) throws InterruptedException {
		process.destroy();
		if (!process.waitFor(15, TimeUnit.SECONDS)) {
			process.destroyForcibly();
			process.waitFor(15, TimeUnit.SECONDS);
		}
	}

	/**
	 * The machine was not quiet and {@code --require-quiet} was given.
	 */
	static final class NotQuietException extends RuntimeException {

		NotQuietException(String message) {
			super(message);
		}

	}

	/**
	 * What kind of server an arm runs.
	 */
	enum Kind {

		/**
		 * Plain HTTP, no TLS: the floor.
		 */
		PLAIN,

		/**
		 * Spring Boot SSL bundle with static P-256 certificates issued by the agent,
		 * client auth {@code need}, no authorization: the TLS limit.
		 */
		STATIC,

		/**
		 * connect-spring-boot.
		 */
		CONNECT,

		/**
		 * A plain application behind {@code consul connect proxy -sidecar-for}, called
		 * through another {@code consul connect proxy} upstream listener.
		 */
		SIDECAR,

		/**
		 * The same shape as {@link #SIDECAR} with this project's connect-proxy in both
		 * places.
		 */
		CONNECT_PROXY;

		String token() {
			return (this == CONNECT_PROXY) ? "sidecar-connect-proxy" : name().toLowerCase(Locale.ROOT);
		}

	}

	/**
	 * The web server of an arm.
	 */
	enum Stack {

		/**
		 * Tomcat (servlet).
		 */
		TOMCAT,

		/**
		 * Reactor Netty (WebFlux).
		 */
		NETTY

	}

	/**
	 * One arm of the end-to-end comparison.
	 *
	 * @param kind what runs
	 * @param stack the web server
	 * @param jdk the JDK feature version of the server and the driver
	 * @param boringssl whether netty-tcnative-boringssl-static is on the class path
	 * @param connectClient whether to call it through {@code @ConnectClient} as well
	 */
	record Arm(Kind kind, Stack stack, int jdk, boolean boringssl, boolean connectClient) {

		static List<Arm> all(Settings settings) {
			List<Arm> arms = new ArrayList<>();
			arms.add(new Arm(Kind.PLAIN, Stack.TOMCAT, 17, false, false));
			arms.add(new Arm(Kind.SIDECAR, Stack.TOMCAT, 17, false, false));
			arms.add(new Arm(Kind.CONNECT_PROXY, Stack.TOMCAT, 17, false, false));
			List<Integer> jdks = (settings.jdk25.isEmpty()) ? List.of(17) : List.of(17, 25);
			for (int jdk : jdks) {
				for (Kind kind : List.of(Kind.STATIC, Kind.CONNECT)) {
					arms.add(new Arm(kind, Stack.TOMCAT, jdk, false, kind == Kind.CONNECT && jdk == 17));
					arms.add(new Arm(kind, Stack.NETTY, jdk, false, false));
					if (jdk == 17 || !settings.quick) {
						arms.add(new Arm(kind, Stack.NETTY, jdk, true, kind == Kind.CONNECT && jdk == 17));
					}
				}
			}
			return arms;
		}

		String id() {
			return this.kind.token() + "-" + this.stack.name().toLowerCase(Locale.ROOT)
					+ (this.boringssl ? "-boringssl" : "") + "-jdk" + this.jdk;
		}

		String service() {
			return "bench-" + this.kind.token() + "-" + this.stack.name().toLowerCase(Locale.ROOT);
		}

		boolean tls() {
			return this.kind == Kind.STATIC || this.kind == Kind.CONNECT;
		}

		String label() {
			String what = switch (this.kind) {
				case PLAIN -> "1 plain HTTP";
				case STATIC -> "2 static mTLS";
				case CONNECT -> "3 connect-spring-boot";
				case SIDECAR -> "4 sidecar (consul connect proxy x2)";
				case CONNECT_PROXY -> "5 sidecar (connect-proxy x2)";
			};
			String stackName = (this.stack == Stack.TOMCAT) ? "Tomcat" : "Netty";
			String tlsName = (!tls()) ? "-" : (this.boringssl ? "BoringSSL" : "JSSE");
			return what + " | " + stackName + " | " + this.jdk + " | " + tlsName;
		}

		/**
		 * Return the static mTLS arm this arm is compared with (same stack, JDK and TLS
		 * provider).
		 * @return the reference arm
		 */
		Arm staticReference() {
			return new Arm(Kind.STATIC, this.stack, this.jdk, this.boringssl, false);
		}

	}

	/**
	 * Where the driver sends requests and which processes make up each side.
	 *
	 * @param host the host to call
	 * @param port the port to call
	 * @param serverPids the server-side processes
	 * @param callerPids the caller-side helper processes
	 * @param info what the server logged about its web server and TLS provider
	 */
	record Target(String host, int port, List<Long> serverPids, List<Long> callerPids, String info) {

	}

	/**
	 * A started helper process and where its output goes.
	 *
	 * @param process the process
	 * @param log its output
	 */
	record Started(Process process, Path log) {

	}

	/**
	 * PEM files written for the run.
	 *
	 * @param clientCert the driver's leaf
	 * @param clientKey the driver's key
	 * @param serverCert the static arm's leaf
	 * @param serverKey the static arm's key
	 * @param roots the agent's roots
	 */
	record Certificates(Path clientCert, Path clientKey, Path serverCert, Path serverKey, Path roots) {

	}

	/**
	 * Everything measured for one arm.
	 */
	static final class ArmResult {

		String serverInfo = "";

		Cpu.@Nullable Quietness before;

		LoadDriver.@Nullable Result throughput;

		LoadDriver.@Nullable Result rate;

		LoadDriver.@Nullable Result churn;

		LoadDriver.@Nullable Result clientThroughput;

		LoadDriver.@Nullable Result clientRate;

		List<Double> warmup = Collections.emptyList();

		Memory.@Nullable Sample memoryIdle;

		Memory.@Nullable Sample memoryLoaded;

	}

	/**
	 * The interleaved rounds of a connect-spring-boot arm and its static mTLS arm.
	 */
	static final class PairResult {

		Cpu.@Nullable Quietness before;

		List<Double> staticWarmup = Collections.emptyList();

		List<Double> connectWarmup = Collections.emptyList();

		final List<Round> staticRounds = new ArrayList<>();

		final List<Round> connectRounds = new ArrayList<>();

		/**
		 * Return the connect/static throughput ratio of each round.
		 * @return the ratios, in round order
		 */
		List<Double> throughputRatios() {
			return perRound(
					(connect, reference) -> connect.throughput().perSecond() / reference.throughput().perSecond());
		}

		/**
		 * Return the server CPU the connect arm added per request at the fixed rate in
		 * each round, in microseconds.
		 * @return the added CPU, in round order
		 */
		List<Double> addedCpuMicros() {
			return perRound((connect, reference) -> cpuMicros(connect.rate()) - cpuMicros(reference.rate()));
		}

		/**
		 * Return the p99 the connect arm added at the fixed rate in each round, in
		 * microseconds.
		 * @return the added p99, in round order
		 */
		List<Double> addedP99Micros() {
			return perRound((connect, reference) -> connect.rate().p99Micros() - reference.rate().p99Micros());
		}

		/**
		 * Return the connect/static ratio of new connections per second of each round.
		 * @return the ratios, in round order
		 */
		List<Double> churnRatios() {
			return perRound((connect, reference) -> connect.churn().perSecond() / reference.churn().perSecond());
		}

		/**
		 * Return in how many rounds either arm could not sustain the fixed rate (it
		 * counted errors), so that its p99 measures the queue, not the server.
		 * @return the number of rounds
		 */
		long overloadedRounds() {
			return perRound((connect, reference) -> connect.rate().errors() + reference.rate().errors()).stream()
				.filter((errors) -> errors > 0)
				.count();
		}

		/**
		 * Apply a function to the connect arm's and the static arm's turn of each round.
		 * @param function of the connect turn and the static turn
		 * @return the values, in round order
		 */
		private List<Double> perRound(ToDoubleBiFunction<Round, Round> function) {
			List<Double> values = new ArrayList<>();
			for (int i = 0; i < Math.min(this.staticRounds.size(), this.connectRounds.size()); i++) {
				values.add(function.applyAsDouble(this.connectRounds.get(i), this.staticRounds.get(i)));
			}
			return values;
		}

		static double cpuMicros(LoadDriver.Result result) {
			return (result.requests() == 0) ? Double.NaN : result.serverCpuSeconds() * 1_000_000 / result.requests();
		}

		/**
		 * Return the server CPU per new connection of a churn run, in milliseconds.
		 * @param result the churn run
		 * @return the CPU per connection, NaN when unknown
		 */
		static double cpuMillisPerConnection(LoadDriver.Result result) {
			return (result.requests() == 0) ? Double.NaN : result.serverCpuSeconds() * 1000 / result.requests();
		}

		static double median(List<Double> values) {
			if (values.isEmpty()) {
				return Double.NaN;
			}
			List<Double> sorted = new ArrayList<>(values);
			Collections.sort(sorted);
			int middle = sorted.size() / 2;
			return ((sorted.size() % 2) == 1) ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
		}

	}

	/**
	 * One round of one arm of a pair.
	 *
	 * @param throughput keep-alive throughput
	 * @param rate the fixed rate
	 * @param churn a new connection per request
	 */
	record Round(LoadDriver.Result throughput, LoadDriver.Result rate, LoadDriver.Result churn) {

	}

	/**
	 * One JMH result row.
	 *
	 * @param benchmark the benchmark method
	 * @param mode the JMH mode
	 * @param score the score
	 * @param error the 99.9 % error
	 * @param unit the unit
	 * @param params the parameters
	 */
	record JmhResult(String benchmark, String mode, double score, double error, String unit, String params) {

		static List<JmhResult> parse(List<String> csv) {
			List<JmhResult> results = new ArrayList<>();
			if (csv.isEmpty()) {
				return results;
			}
			List<String> header = cells(csv.get(0));
			for (String line : csv.subList(1, csv.size())) {
				List<String> cells = cells(line);
				StringBuilder params = new StringBuilder();
				for (int i = 7; i < cells.size() && i < header.size(); i++) {
					if (cells.get(i).isEmpty()) {
						continue;
					}
					params.append((params.length() > 0) ? ", " : "")
						.append(header.get(i).replace("Param: ", ""))
						.append('=')
						.append(cells.get(i));
				}
				results.add(new JmhResult(cells.get(0), cells.get(1), parseDouble(cells.get(4)),
						parseDouble(cells.get(5)), cells.get(6), params.toString()));
			}
			return results;
		}

		private static double parseDouble(String text) {
			try {
				return Double.parseDouble(text);
			}
			catch (NumberFormatException ex) {
				return Double.NaN;
			}
		}

		private static List<String> cells(String line) {
			List<String> cells = new ArrayList<>();
			for (String cell : line.split(",", -1)) {
				cells.add(cell.replace("\"", ""));
			}
			return cells;
		}

	}

}
