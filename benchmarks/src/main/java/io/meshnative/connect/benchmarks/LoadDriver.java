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

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreDetails;

/**
 * Java load driver. {@code scripts/bench} uses it only for the rows "via
 * {@code @ConnectClient}" (a Java caller by nature) and its transport for the readiness
 * probe: the keep-alive, fixed-rate and churn figures of every arm are vegeta's
 * ({@link Vegeta}), because this driver, one JSSE thread per connection on one core, was
 * the bottleneck (issue 17). It reports its own CPU time in the measured interval as the
 * generator's. Three modes, each with a warm-up that is not counted:
 * <ul>
 * <li>{@code throughput}: closed loop, as fast as possible over a fixed number of
 * kept-alive connections; reports requests per second.</li>
 * <li>{@code rate}: open loop at a constant arrival rate over a fixed number of
 * kept-alive connections. Request {@code i} is due at {@code start + i / rate}; its
 * latency is measured from that due time, not from when it was sent, so a stalled
 * connection shows up as latency of every request that had to wait (coordinated-omission
 * correction, as wrk2 does). Latencies go into an HdrHistogram. Requests still unsent
 * well after the end (the server cannot keep up) count as errors.</li>
 * <li>{@code churn}: closed loop, one new connection per request ({@code Connection:
 * close}); TLS sessions are invalidated after each request so that every connection is a
 * full handshake. Reports new connections per second.</li>
 * </ul>
 * The driver speaks HTTP/1.1 over plain sockets or JSSE {@link SSLSocket}s itself (the
 * same client code for every arm), or calls through a {@link Transport} given by the
 * caller. Optionally it reads the CPU time that given processes (the server side) spent
 * during the measured interval from {@code /proc}.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class LoadDriver {

	private static final long HIGHEST_TRACKABLE_NANOS = 60_000_000_000L;

	private final Transport transport;

	private final List<Long> cpuPids;

	private final List<Long> callerCpuPids;

	private final AtomicReference<@Nullable Throwable> firstError = new AtomicReference<>();

	/**
	 * Create a driver.
	 * @param transport how to open connections
	 * @param cpuPids server-side processes whose CPU time to report, may be empty
	 * @param callerCpuPids caller-side helper processes (a caller's sidecar) whose CPU
	 * time to report, may be empty
	 */
	public LoadDriver(Transport transport, List<Long> cpuPids, List<Long> callerCpuPids) {
		this.transport = transport;
		this.cpuPids = cpuPids;
		this.callerCpuPids = callerCpuPids;
	}

	/**
	 * Run the driver from the command line and print one {@code RESULT} line. Options:
	 * {@code --target=host:port}, {@code --tls=cert.pem,key.pem,roots.pem} (omit for
	 * plain HTTP), {@code --mode=throughput|rate|churn}, {@code --connections=16},
	 * {@code --rate=1000}, {@code --warmup=3} and {@code --duration=10} (seconds),
	 * {@code --cpu-pids=1,2}, and {@code --connect-client=upstream} with
	 * {@code --agent=http://host:port} to call through {@code @ConnectClient} instead.
	 * @param args the options
	 * @throws Exception on failure
	 */
	public static void main(String[] args) throws Exception {
		Map<String, String> options = options(args);
		String mode = options.getOrDefault("mode", "throughput");
		int connections = Integer.parseInt(options.getOrDefault("connections", "16"));
		double warmup = Double.parseDouble(options.getOrDefault("warmup", "3"));
		double duration = Double.parseDouble(options.getOrDefault("duration", "10"));
		String upstream = options.get("connect-client");
		try (Transport transport = (upstream != null) ? new ConnectClientTransport(upstream, required(options, "agent"))
				: socketTransport(options)) {
			LoadDriver driver = new LoadDriver(transport, pids(options, "cpu-pids"), pids(options, "caller-cpu-pids"));
			Result result = switch (mode) {
				case "throughput" -> driver.throughput(connections, warmup, duration);
				case "rate" -> driver.rate(connections, Double.parseDouble(options.getOrDefault("rate", "1000")),
						warmup, duration);
				case "churn" -> driver.churn(connections, warmup, duration);
				default -> throw new IllegalArgumentException("Unknown mode '" + mode + "'");
			};
			System.out.println(result.toLine());
			Throwable error = driver.firstError.get();
			if (error != null) {
				System.err.println("First error: " + error);
			}
		}
		System.exit(0);
	}

	private static List<Long> pids(Map<String, String> options, String name) {
		List<Long> pids = new ArrayList<>();
		for (String pid : options.getOrDefault(name, "").split(",")) {
			if (!pid.isBlank()) {
				pids.add(Long.parseLong(pid.trim()));
			}
		}
		return pids;
	}

	private static Transport socketTransport(Map<String, String> options) throws IOException {
		String[] target = required(options, "target").split(":");
		String tls = options.get("tls");
		SSLContext context = null;
		if (tls != null) {
			String[] files = tls.split(",");
			context = sslContext(Path.of(files[0]), Path.of(files[1]), Path.of(files[2]));
		}
		return new SocketTransport(target[0], Integer.parseInt(target[1]), context);
	}

	private static String required(Map<String, String> options, String name) {
		String value = options.get(name);
		if (value == null) {
			throw new IllegalArgumentException("Missing option --" + name);
		}
		return value;
	}

	private static Map<String, String> options(String[] args) {
		Map<String, String> options = new LinkedHashMap<>();
		for (String arg : args) {
			if (!arg.startsWith("--") || arg.indexOf('=') < 0) {
				throw new IllegalArgumentException("Options look like --name=value, not '" + arg + "'");
			}
			options.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
		}
		return options;
	}

	/**
	 * Create a client SSL context from PEM files, with Spring Boot's PEM support.
	 * @param certificate the client certificate chain
	 * @param privateKey the client key
	 * @param roots the trusted roots
	 * @return the SSL context
	 * @throws IOException if a file cannot be read
	 */
	public static SSLContext sslContext(Path certificate, Path privateKey, Path roots) throws IOException {
		PemSslStoreDetails keyStore = PemSslStoreDetails.forCertificate(Files.readString(certificate))
			.withPrivateKey(Files.readString(privateKey));
		PemSslStoreDetails trustStore = PemSslStoreDetails.forCertificate(Files.readString(roots));
		return SslBundle.of(new PemSslStoreBundle(keyStore, trustStore)).createSslContext();
	}

	/**
	 * Closed loop over kept-alive connections.
	 * @param connections the number of connections, one thread each
	 * @param warmupSeconds seconds not counted
	 * @param seconds seconds measured
	 * @return the result
	 * @throws InterruptedException if interrupted
	 */
	public Result throughput(int connections, double warmupSeconds, double seconds) throws InterruptedException {
		return closedLoop("throughput", connections, warmupSeconds, seconds, false);
	}

	/**
	 * Closed loop with a new connection per request.
	 * @param threads the number of threads
	 * @param warmupSeconds seconds not counted
	 * @param seconds seconds measured
	 * @return the result
	 * @throws InterruptedException if interrupted
	 */
	public Result churn(int threads, double warmupSeconds, double seconds) throws InterruptedException {
		return closedLoop("churn", threads, warmupSeconds, seconds, true);
	}

	private Result closedLoop(String mode, int threads, double warmupSeconds, double seconds, boolean churn)
			throws InterruptedException {
		long start = System.nanoTime();
		long measureStart = start + nanos(warmupSeconds);
		long end = measureStart + nanos(seconds);
		AtomicLong requests = new AtomicLong();
		AtomicLong errors = new AtomicLong();
		Histogram[] histograms = new Histogram[threads];
		long[] cpu = new long[6];
		Cpu.@Nullable Snapshot[] window = new Cpu.Snapshot[2];
		List<Thread> workers = new ArrayList<>();
		for (int t = 0; t < threads; t++) {
			Histogram histogram = new Histogram(HIGHEST_TRACKABLE_NANOS, 3);
			histograms[t] = histogram;
			workers.add(start("driver-" + t, () -> {
				Exchange exchange = null;
				long now = System.nanoTime();
				while (now < end) {
					boolean measured = now >= measureStart;
					try {
						if (exchange == null) {
							exchange = this.transport.open();
						}
						exchange.get(churn);
						if (!exchange.isOpen()) {
							closeQuietly(exchange);
							exchange = null;
						}
						long done = System.nanoTime();
						if (measured) {
							requests.incrementAndGet();
							histogram.recordValue(Math.min(done - now, HIGHEST_TRACKABLE_NANOS));
						}
						now = done;
					}
					catch (IOException | RuntimeException ex) {
						this.firstError.compareAndSet(null, ex);
						if (measured) {
							errors.incrementAndGet();
						}
						closeQuietly(exchange);
						exchange = null;
						now = System.nanoTime();
					}
					if (churn) {
						closeQuietly(exchange);
						exchange = null;
					}
				}
				closeQuietly(exchange);
			}));
		}
		workers.add(cpuSampler(measureStart, end, cpu, window));
		for (Thread worker : workers) {
			worker.join();
		}
		return Result.of(mode, requests.get(), errors.get(), seconds, merge(histograms), cpuSeconds(cpu, window));
	}

	/**
	 * Open loop at a constant arrival rate with coordinated-omission correction.
	 * @param connections the number of kept-alive connections, one thread each
	 * @param rate requests per second
	 * @param warmupSeconds seconds not counted
	 * @param seconds seconds measured
	 * @return the result
	 * @throws InterruptedException if interrupted
	 */
	public Result rate(int connections, double rate, double warmupSeconds, double seconds) throws InterruptedException {
		long period = (long) (1_000_000_000L / rate);
		long start = System.nanoTime() + 10_000_000L;
		long measureStart = start + nanos(warmupSeconds);
		long end = measureStart + nanos(seconds);
		long giveUp = end + nanos(Math.max(5, seconds));
		AtomicLong sequence = new AtomicLong();
		AtomicLong requests = new AtomicLong();
		AtomicLong errors = new AtomicLong();
		Histogram[] histograms = new Histogram[connections];
		long[] cpu = new long[6];
		Cpu.@Nullable Snapshot[] window = new Cpu.Snapshot[2];
		List<Thread> workers = new ArrayList<>();
		for (int t = 0; t < connections; t++) {
			Histogram histogram = new Histogram(HIGHEST_TRACKABLE_NANOS, 3);
			histograms[t] = histogram;
			workers.add(start("driver-" + t, () -> {
				Exchange exchange = null;
				while (true) {
					long due = start + sequence.getAndIncrement() * period;
					if (due >= end) {
						break;
					}
					if (System.nanoTime() > giveUp) {
						if (due >= measureStart) {
							errors.incrementAndGet();
						}
						continue;
					}
					waitUntil(due);
					boolean measured = due >= measureStart;
					try {
						if (exchange == null) {
							exchange = this.transport.open();
						}
						exchange.get(false);
						if (!exchange.isOpen()) {
							closeQuietly(exchange);
							exchange = null;
						}
						if (measured) {
							requests.incrementAndGet();
							histogram.recordValue(Math.min(System.nanoTime() - due, HIGHEST_TRACKABLE_NANOS));
						}
					}
					catch (IOException | RuntimeException ex) {
						this.firstError.compareAndSet(null, ex);
						if (measured) {
							errors.incrementAndGet();
						}
						closeQuietly(exchange);
						exchange = null;
					}
				}
				closeQuietly(exchange);
			}));
		}
		workers.add(cpuSampler(measureStart, end, cpu, window));
		for (Thread worker : workers) {
			worker.join();
		}
		return Result.of("rate", requests.get(), errors.get(), seconds, merge(histograms), cpuSeconds(cpu, window));
	}

	private Thread cpuSampler(long measureStart, long end, long[] cpu, Cpu.@Nullable Snapshot[] window) {
		long self = ProcessHandle.current().pid();
		ProcessHandle root = ProcessHandle.current().parent().orElse(ProcessHandle.current());
		return start("driver-cpu", () -> {
			waitUntil(measureStart);
			cpu[0] = Cpu.ticks(this.cpuPids);
			cpu[2] = Cpu.ticks(this.callerCpuPids);
			cpu[4] = Cpu.processTicks(self);
			window[0] = Cpu.Snapshot.take(root);
			waitUntil(end);
			cpu[1] = Cpu.ticks(this.cpuPids);
			cpu[3] = Cpu.ticks(this.callerCpuPids);
			cpu[5] = Cpu.processTicks(self);
			window[1] = Cpu.Snapshot.take(root);
		});
	}

	private static Thread start(String name, Runnable task) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		thread.start();
		return thread;
	}

	/**
	 * Return the CPU seconds of the measured window: server side, caller-side helpers,
	 * this driver (the generator), processes outside the benchmark, and the window's wall
	 * seconds.
	 * @param cpu the ticks sampled at the start and the end of the window
	 * @param window the machine snapshots at the start and the end of the window
	 * @return the seconds
	 */
	private double[] cpuSeconds(long[] cpu, Cpu.@Nullable Snapshot[] window) {
		Cpu.Snapshot start = window[0];
		Cpu.Snapshot end = window[1];
		return new double[] { (this.cpuPids.isEmpty()) ? Double.NaN : (cpu[1] - cpu[0]) / Cpu.TICKS_PER_SECOND,
				(this.callerCpuPids.isEmpty()) ? Double.NaN : (cpu[3] - cpu[2]) / Cpu.TICKS_PER_SECOND,
				(cpu[5] - cpu[4]) / Cpu.TICKS_PER_SECOND,
				(start != null && end != null) ? start.foreignSecondsUntil(end, 0) : Double.NaN,
				(start != null && end != null) ? start.secondsUntil(end) : Double.NaN };
	}

	private static void waitUntil(long deadline) {
		long remaining = deadline - System.nanoTime();
		while (remaining > 100_000) {
			LockSupport.parkNanos(remaining - 80_000);
			remaining = deadline - System.nanoTime();
		}
		while (System.nanoTime() < deadline) {
			Thread.onSpinWait();
		}
	}

	private static Histogram merge(Histogram[] histograms) {
		Histogram total = new Histogram(HIGHEST_TRACKABLE_NANOS, 3);
		for (Histogram histogram : histograms) {
			total.add(histogram);
		}
		return total;
	}

	private static long nanos(double seconds) {
		return (long) (seconds * 1_000_000_000L);
	}

	private static void closeQuietly(@Nullable Closeable closeable) {
		if (closeable != null) {
			try {
				closeable.close();
			}
			catch (IOException | RuntimeException ex) {
				// already broken: nothing to do
			}
		}
	}

	/**
	 * Opens connections to the system under test.
	 */
	public interface Transport extends Closeable {

		/**
		 * Open a connection.
		 * @return the connection
		 * @throws IOException if it cannot be opened
		 */
		Exchange open() throws IOException;

		@Override
		default void close() {
		}

	}

	/**
	 * A connection that sends {@code GET /bytes} and reads the whole response.
	 */
	public interface Exchange extends Closeable {

		/**
		 * Send one request and read the response.
		 * @param last whether this is the last request on the connection
		 * @throws IOException on failure or a status other than 200
		 */
		void get(boolean last) throws IOException;

		/**
		 * Return whether the connection can take another request (the server did not
		 * answer {@code Connection: close}).
		 * @return whether the connection is still usable
		 */
		default boolean isOpen() {
			return true;
		}

	}

	/**
	 * HTTP/1.1 over a plain or a JSSE TLS socket.
	 */
	static final class SocketTransport implements Transport {

		private static final byte[] REQUEST = "GET /bytes HTTP/1.1\r\nHost: bench\r\n\r\n"
			.getBytes(StandardCharsets.US_ASCII);

		private static final byte[] LAST_REQUEST = "GET /bytes HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"
			.getBytes(StandardCharsets.US_ASCII);

		private final InetSocketAddress address;

		private final @Nullable SSLSocketFactory sslSocketFactory;

		SocketTransport(String host, int port, @Nullable SSLContext sslContext) {
			this.address = new InetSocketAddress(host, port);
			this.sslSocketFactory = (sslContext != null) ? sslContext.getSocketFactory() : null;
		}

		@Override
		public Exchange open() throws IOException {
			Socket socket = new Socket();
			socket.setTcpNoDelay(true);
			socket.setSoLinger(true, 0);
			socket.connect(this.address, 5000);
			socket.setSoTimeout(30_000);
			if (this.sslSocketFactory != null) {
				SSLSocket ssl = (SSLSocket) this.sslSocketFactory.createSocket(socket, this.address.getHostString(),
						this.address.getPort(), true);
				ssl.startHandshake();
				socket = ssl;
			}
			return new SocketExchange(socket);
		}

		private static final class SocketExchange implements Exchange {

			private final Socket socket;

			private final InputStream in;

			private final OutputStream out;

			private final byte[] buffer = new byte[8192];

			private boolean closed;

			SocketExchange(Socket socket) throws IOException {
				this.socket = socket;
				this.in = new BufferedInputStream(socket.getInputStream(), 16384);
				this.out = new BufferedOutputStream(socket.getOutputStream(), 1024);
			}

			@Override
			public boolean isOpen() {
				return !this.closed;
			}

			@Override
			public void get(boolean last) throws IOException {
				this.out.write(last ? LAST_REQUEST : REQUEST);
				this.out.flush();
				String status = line();
				if (!status.startsWith("HTTP/1.1 200")) {
					throw new IOException("Unexpected status line '" + status + "'");
				}
				long length = -1;
				boolean chunked = false;
				for (String header = line(); !header.isEmpty(); header = line()) {
					String lower = header.toLowerCase(Locale.ROOT);
					if (lower.startsWith("content-length:")) {
						length = Long.parseLong(lower.substring(15).trim());
					}
					else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
						chunked = true;
					}
					else if (lower.startsWith("connection:") && lower.contains("close")) {
						this.closed = true;
					}
				}
				if (chunked) {
					for (long size = chunkSize(); size > 0; size = chunkSize()) {
						skip(size + 2);
					}
					line();
				}
				else if (length >= 0) {
					skip(length);
				}
				else {
					throw new IOException("Response without length");
				}
			}

			private long chunkSize() throws IOException {
				String line = line();
				int extension = line.indexOf(';');
				return Long.parseLong(((extension >= 0) ? line.substring(0, extension) : line).trim(), 16);
			}

			private void skip(long bytes) throws IOException {
				long remaining = bytes;
				while (remaining > 0) {
					int read = this.in.read(this.buffer, 0, (int) Math.min(remaining, this.buffer.length));
					if (read < 0) {
						throw new IOException("Connection closed in the body");
					}
					remaining -= read;
				}
			}

			private String line() throws IOException {
				StringBuilder line = new StringBuilder(64);
				int c;
				while ((c = this.in.read()) != '\n') {
					if (c < 0) {
						throw new IOException("Connection closed");
					}
					if (c != '\r') {
						line.append((char) c);
					}
				}
				return line.toString();
			}

			@Override
			public void close() throws IOException {
				if (this.socket instanceof SSLSocket ssl) {
					ssl.getSession().invalidate();
				}
				this.socket.close();
			}

		}

	}

	/**
	 * The outcome of one run.
	 *
	 * @param mode the mode
	 * @param requests requests (or connections, in churn mode) completed in the measured
	 * interval
	 * @param errors failed requests in the measured interval
	 * @param perSecond completed requests per second
	 * @param p50Micros median latency
	 * @param p99Micros 99th percentile latency
	 * @param p999Micros 99.9th percentile latency
	 * @param maxMicros highest latency
	 * @param serverCpuSeconds CPU seconds the server-side processes used in the measured
	 * interval, NaN when none were watched
	 * @param callerCpuSeconds CPU seconds the caller-side helper processes used in the
	 * measured interval, NaN when none were watched
	 * @param generatorCpuSeconds CPU seconds the load generator (this driver, or vegeta)
	 * used in the measured interval
	 * @param foreignCpuSeconds CPU seconds that processes outside the benchmark used in
	 * the measured interval, NaN when unknown
	 * @param wallSeconds wall seconds of the interval over which the CPU was measured
	 * @param generator what generated the load ({@code java} or {@code vegeta})
	 */
	public record Result(String mode, long requests, long errors, double perSecond, double p50Micros, double p99Micros,
			double p999Micros, double maxMicros, double serverCpuSeconds, double callerCpuSeconds,
			double generatorCpuSeconds, double foreignCpuSeconds, double wallSeconds, String generator) {

		static Result of(String mode, long requests, long errors, double seconds, Histogram histogram,
				double[] cpuSeconds) {
			return new Result(mode, requests, errors, requests / seconds, micros(histogram, 50), micros(histogram, 99),
					micros(histogram, 99.9), histogram.getMaxValue() / 1000.0, cpuSeconds[0], cpuSeconds[1],
					cpuSeconds[2], cpuSeconds[3], cpuSeconds[4], "java");
		}

		private static double micros(Histogram histogram, double percentile) {
			return histogram.getValueAtPercentile(percentile) / 1000.0;
		}

		/**
		 * Return the share of its core the load generator used, with the caller-side
		 * helpers that share its core (the caller's proxy of the sidecar arms).
		 * @return the share, 1.0 for a full core; NaN when unknown
		 */
		public double generatorCoreShare() {
			double caller = Double.isNaN(this.callerCpuSeconds) ? 0 : this.callerCpuSeconds;
			return (this.generatorCpuSeconds + caller) / this.wallSeconds;
		}

		/**
		 * Return whether the figure may be the load generator's limit rather than the
		 * server's: the generator's core (CPU 0) was more than 90 % busy with the
		 * generator and the caller-side helpers.
		 * @return whether generator-bound
		 */
		public boolean generatorBound() {
			return generatorCoreShare() > Cpu.GENERATOR_LIMIT;
		}

		/**
		 * Return whether processes outside the benchmark used at most 0.1 of a core
		 * during the measured interval (true when unknown).
		 * @return whether quiet
		 */
		public boolean quiet() {
			return Double.isNaN(this.foreignCpuSeconds)
					|| this.foreignCpuSeconds / this.wallSeconds <= Cpu.FOREIGN_LIMIT;
		}

		/**
		 * Return the result as the line the runner parses.
		 * @return the line
		 */
		public String toLine() {
			return String.format(Locale.ROOT,
					"RESULT mode=%s requests=%d errors=%d perSecond=%.1f p50us=%.1f p99us=%.1f p999us=%.1f maxus=%.1f"
							+ " cpu=%.2f callerCpu=%.2f generatorCpu=%.2f foreignCpu=%.2f wall=%.3f generator=%s",
					this.mode, this.requests, this.errors, this.perSecond, this.p50Micros, this.p99Micros,
					this.p999Micros, this.maxMicros, this.serverCpuSeconds, this.callerCpuSeconds,
					this.generatorCpuSeconds, this.foreignCpuSeconds, this.wallSeconds, this.generator);
		}

		/**
		 * Parse a line written by {@link #toLine()}.
		 * @param line the line
		 * @return the result
		 */
		public static Result parse(String line) {
			Map<String, String> fields = new LinkedHashMap<>();
			for (String field : line.substring("RESULT ".length()).split(" ")) {
				fields.put(field.substring(0, field.indexOf('=')), field.substring(field.indexOf('=') + 1));
			}
			return new Result(field(fields, "mode"), Long.parseLong(field(fields, "requests")),
					Long.parseLong(field(fields, "errors")), number(fields, "perSecond"), number(fields, "p50us"),
					number(fields, "p99us"), number(fields, "p999us"), number(fields, "maxus"), number(fields, "cpu"),
					number(fields, "callerCpu"), number(fields, "generatorCpu"), number(fields, "foreignCpu"),
					number(fields, "wall"), field(fields, "generator"));
		}

		private static double number(Map<String, String> fields, String name) {
			return Double.parseDouble(field(fields, name));
		}

		private static String field(Map<String, String> fields, String name) {
			String value = fields.get(name);
			if (value == null) {
				throw new IllegalArgumentException("Result line without " + name);
			}
			return value;
		}

	}

}
