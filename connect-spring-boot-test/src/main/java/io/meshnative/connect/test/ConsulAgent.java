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

package io.meshnative.connect.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;

/**
 * A real Consul agent ({@code consul agent -dev}) bound to 127.0.0.1 on free ports, for
 * tests.
 * <p>
 * Each instance gets its own HTTP, DNS, gRPC, Serf and server RPC ports, node name and
 * working directory, so several agents can run at the same time. {@link #start()} returns
 * once the Connect CA is ready (the roots endpoint answers with an active root).
 * {@link #stop()} stops the process and deletes the working directory. Most tests use it
 * through {@link ConsulAgentExtension}.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConsulAgent implements AutoCloseable {

	private static final Pattern ACTIVE_ROOT = Pattern.compile("\"ActiveRootID\"\\s*:\\s*\"[^\"]+\"");

	private static final Pattern ACTIVE_TRUE = Pattern.compile("\"Active\"\\s*:\\s*true");

	private static final Pattern TRUST_DOMAIN = Pattern.compile("\"TrustDomain\"\\s*:\\s*\"([^\"]+)\"");

	private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);

	private final List<String> hcl;

	private final @Nullable String managementToken;

	private final Https https;

	private int httpsPort;

	private int grpcTlsPort;

	private final HttpClient http = ConsulHttp.client();

	private @Nullable Process process;

	private @Nullable Path workDirectory;

	private int httpPort;

	private int grpcPort;

	private int dnsPort;

	private @Nullable String nodeName;

	private int @Nullable [] ports;

	private ConsulAgent(List<String> hcl, @Nullable String managementToken, Https https) {
		this.hcl = List.copyOf(hcl);
		this.managementToken = managementToken;
		this.https = https;
	}

	/**
	 * Create a dev agent with ACLs disabled (every request allowed, authorize defaults to
	 * allow).
	 * @param hcl extra HCL fragments passed with {@code -hcl}
	 * @return a new agent, not yet started
	 */
	public static ConsulAgent dev(String... hcl) {
		return new ConsulAgent(List.of(hcl), null, Https.OFF);
	}

	/**
	 * Create a dev agent that also serves its HTTP API over TLS on
	 * {@link #getHttpsAddress()}, with a CA and server certificate made by
	 * {@code consul tls} ({@link #getCaFile()}). With {@code verifyIncoming}, HTTPS
	 * callers must present a client certificate signed by that CA
	 * ({@link #getClientCertFile()}, {@link #getClientKeyFile()}). The agent also serves
	 * gRPC over TLS with the same certificate on {@link #getGrpcTlsPort()} (with
	 * {@code verifyIncoming}, gRPC callers need a client certificate too). The plain HTTP
	 * and gRPC ports stay open.
	 * @param verifyIncoming whether HTTPS callers need a client certificate
	 * @param hcl extra HCL fragments passed with {@code -hcl}
	 * @return a new agent, not yet started
	 */
	public static ConsulAgent devWithHttps(boolean verifyIncoming, String... hcl) {
		return new ConsulAgent(List.of(hcl), null, verifyIncoming ? Https.VERIFY_INCOMING : Https.ON);
	}

	/**
	 * Create a dev agent with ACLs enabled and {@code default_policy = "deny"}. Requests
	 * need a token; {@link #getManagementToken()} returns a management token that may do
	 * anything.
	 * @param hcl extra HCL fragments passed with {@code -hcl}
	 * @return a new agent, not yet started
	 */
	public static ConsulAgent devWithAcl(String... hcl) {
		String token = UUID.randomUUID().toString();
		List<String> fragments = new ArrayList<>();
		fragments.add("acl { enabled = true default_policy = \"deny\" enable_token_persistence = false "
				+ "tokens { initial_management = \"" + token + "\" agent = \"" + token + "\" } }");
		fragments.addAll(List.of(hcl));
		return new ConsulAgent(fragments, token, Https.OFF);
	}

	/**
	 * Start the agent and wait until its Connect CA is ready.
	 * @return this agent
	 * @throws IllegalStateException if the agent does not start or its CA is not ready in
	 * time
	 */
	public synchronized ConsulAgent start() {
		if (this.process != null) {
			return this;
		}
		return launchAndAwait(null, Collections.emptyList());
	}

	/**
	 * Start a new agent process on the ports of the previous one, after {@link #stop()}:
	 * the way an agent comes back after an outage, at the address its clients know. The
	 * new agent is a fresh dev agent (no services, no intentions, a new CA unless the HCL
	 * fragments configure one, for example with {@code connect { ca_config { cluster_id =
	 * ..., private_key = ..., root_cert = ... } }}).
	 * @param extraHcl fragments of HCL passed with {@code -hcl} in addition to those the
	 * agent was created with, for example service definitions
	 * @return this agent
	 * @throws IllegalStateException if the agent runs, was never started, or does not
	 * start again in time
	 */
	public synchronized ConsulAgent startOnSamePorts(String... extraHcl) {
		if (this.process != null) {
			throw new IllegalStateException("Consul agent is running; stop() it first");
		}
		if (this.ports == null) {
			throw new IllegalStateException("Consul agent was never started, so it has no ports to reuse");
		}
		return launchAndAwait(this.ports, List.of(extraHcl));
	}

	private ConsulAgent launchAndAwait(int @Nullable [] reusedPorts, List<String> extraHcl) {
		Path binary = ConsulBinary.locate();
		IllegalStateException failure = null;
		for (int attempt = 1; attempt <= 3; attempt++) {
			try {
				launch(binary, reusedPorts, extraHcl);
				awaitReady();
				return this;
			}
			catch (IllegalStateException ex) {
				failure = (failure != null) ? failure : ex;
				if (failure != ex) {
					failure.addSuppressed(ex);
				}
				stop();
			}
		}
		throw failure;
	}

	private void launch(Path binary, int @Nullable [] reusedPorts, List<String> extraHcl) {
		try {
			int[] ports = (reusedPorts != null) ? reusedPorts : TestPorts.next((this.https != Https.OFF) ? 8 : 7);
			this.ports = ports;
			this.httpPort = ports[0];
			this.dnsPort = ports[1];
			this.grpcPort = ports[5];
			this.httpsPort = (this.https != Https.OFF) ? ports[6] : -1;
			this.grpcTlsPort = (this.https != Https.OFF) ? ports[7] : -1;
			this.nodeName = "connect-test-" + UUID.randomUUID().toString().substring(0, 8);
			this.workDirectory = Files.createTempDirectory("consul-agent-");
			List<String> command = new ArrayList<>();
			command.add(binary.toString());
			command.add("agent");
			command.add("-dev");
			command.add("-bind=127.0.0.1");
			command.add("-client=127.0.0.1");
			command.add("-node=" + this.nodeName);
			command.add("-datacenter=dc1");
			command.add("-hcl=ports { http = " + ports[0] + " dns = " + ports[1] + " serf_lan = " + ports[2]
					+ " serf_wan = " + ports[3] + " server = " + ports[4] + " grpc = " + ports[5] + " https = "
					+ this.httpsPort + " grpc_tls = " + this.grpcTlsPort + " }");
			if (this.https != Https.OFF) {
				command.add("-hcl=" + createTlsMaterial(binary, this.workDirectory));
			}
			for (String fragment : this.hcl) {
				command.add("-hcl=" + fragment);
			}
			for (String fragment : extraHcl) {
				command.add("-hcl=" + fragment);
			}
			Path log = this.workDirectory.resolve("consul.log");
			this.process = new ProcessBuilder(command).directory(this.workDirectory.toFile())
				.redirectErrorStream(true)
				.redirectOutput(log.toFile())
				.start();
			this.process.getOutputStream().close();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not start Consul agent '" + binary + "': " + ex.getMessage(), ex);
		}
	}

	private String createTlsMaterial(Path binary, Path directory) throws IOException {
		runTool(binary, directory, "tls", "ca", "create", "-days=30");
		runTool(binary, directory, "tls", "cert", "create", "-server", "-dc=dc1", "-days=30");
		runTool(binary, directory, "tls", "cert", "create", "-client", "-dc=dc1", "-days=30");
		return "tls { defaults { ca_file = \"" + getCaFile() + "\" cert_file = \""
				+ directory.resolve("dc1-server-consul-0.pem") + "\" key_file = \""
				+ directory.resolve("dc1-server-consul-0-key.pem") + "\" verify_incoming = "
				+ (this.https == Https.VERIFY_INCOMING) + " } }";
	}

	private static void runTool(Path binary, Path directory, String... arguments) throws IOException {
		List<String> command = new ArrayList<>();
		command.add(binary.toString());
		command.addAll(List.of(arguments));
		Process tool = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
		tool.getOutputStream().close();
		String output = new String(tool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		try {
			if (!tool.waitFor(60, TimeUnit.SECONDS) || tool.exitValue() != 0) {
				throw new IllegalStateException("'consul " + String.join(" ", arguments) + "' failed: " + output);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while running 'consul " + arguments[0] + "'", ex);
		}
	}

	private void awaitReady() {
		long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
		String last = "no answer yet";
		while (System.nanoTime() < deadline) {
			Process running = this.process;
			if (running == null || !running.isAlive()) {
				throw new IllegalStateException("Consul agent exited during start-up (exit code "
						+ ((running != null) ? running.exitValue() : "unknown") + "). Last log lines:\n" + logTail(40));
			}
			try {
				HttpResponse<String> response = send("GET", "/v1/agent/connect/ca/roots", null);
				if (response.statusCode() == 200 && ACTIVE_ROOT.matcher(response.body()).find()
						&& ACTIVE_TRUE.matcher(response.body()).find()) {
					return;
				}
				last = "HTTP " + response.statusCode() + ": " + response.body().trim();
			}
			catch (UncheckedIOException ex) {
				last = String.valueOf(ex.getMessage());
			}
			pause(running);
		}
		throw new IllegalStateException("Consul agent's Connect CA was not ready within " + STARTUP_TIMEOUT.toSeconds()
				+ "s (last answer from the roots endpoint: " + last + "). Last log lines:\n" + logTail(40));
	}

	private static void pause(Process running) {
		try {
			running.waitFor(100, TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting for the Consul agent", ex);
		}
	}

	/**
	 * Stop the agent (if it runs) and delete its working directory. The agent can be
	 * started again afterwards, on new ports and with a new CA ({@link #start()}), or on
	 * the same ports ({@link #startOnSamePorts(String...)}).
	 */
	public synchronized void stop() {
		Process running = this.process;
		this.process = null;
		if (running != null) {
			running.destroy();
			try {
				if (!running.waitFor(15, TimeUnit.SECONDS)) {
					running.destroyForcibly().waitFor(15, TimeUnit.SECONDS);
				}
			}
			catch (InterruptedException ex) {
				running.destroyForcibly();
				Thread.currentThread().interrupt();
			}
		}
		Path directory = this.workDirectory;
		this.workDirectory = null;
		if (directory != null) {
			deleteRecursively(directory);
		}
	}

	@Override
	public void close() {
		stop();
	}

	/**
	 * Return whether the agent process is running.
	 * @return whether the agent runs
	 */
	public synchronized boolean isRunning() {
		Process running = this.process;
		return running != null && running.isAlive();
	}

	/**
	 * Return the agent's HTTP address, for example {@code http://127.0.0.1:41234}.
	 * @return the HTTP address
	 */
	public String getHttpAddress() {
		return "http://127.0.0.1:" + requireStarted().httpPort;
	}

	/**
	 * Return the agent's HTTPS address, for example {@code https://127.0.0.1:41235}; the
	 * server certificate is valid for {@code 127.0.0.1} and {@code localhost}.
	 * @return the HTTPS address
	 * @throws IllegalStateException if the agent was not created with
	 * {@link #devWithHttps(boolean, String...)}
	 */
	public String getHttpsAddress() {
		if (this.https == Https.OFF) {
			throw new IllegalStateException("Consul agent was not created with devWithHttps(...)");
		}
		return "https://127.0.0.1:" + requireStarted().httpsPort;
	}

	/**
	 * Return the agent's gRPC TLS port ({@code ports.grpc_tls}), whose certificate is the
	 * HTTPS one, signed by {@link #getCaFile()}.
	 * @return the gRPC TLS port
	 * @throws IllegalStateException if the agent was not created with
	 * {@link #devWithHttps(boolean, String...)}
	 */
	public int getGrpcTlsPort() {
		if (this.https == Https.OFF) {
			throw new IllegalStateException("Consul agent was not created with devWithHttps(...)");
		}
		return requireStarted().grpcTlsPort;
	}

	/**
	 * Return the PEM file of the CA that signed the agent's HTTPS and gRPC TLS
	 * certificates.
	 * @return the CA file
	 */
	public Path getCaFile() {
		return tlsFile("consul-agent-ca.pem");
	}

	/**
	 * Return the PEM file of a client certificate signed by {@link #getCaFile()}.
	 * @return the client certificate file
	 */
	public Path getClientCertFile() {
		return tlsFile("dc1-client-consul-0.pem");
	}

	/**
	 * Return the PEM file of the private key of {@link #getClientCertFile()}.
	 * @return the client key file
	 */
	public Path getClientKeyFile() {
		return tlsFile("dc1-client-consul-0-key.pem");
	}

	private synchronized Path tlsFile(String name) {
		Path directory = this.workDirectory;
		if (this.https == Https.OFF || directory == null) {
			throw new IllegalStateException("Consul agent was not started with devWithHttps(...)");
		}
		return directory.resolve(name);
	}

	/**
	 * Return the {@code consul} binary the agent runs, for starting other Consul commands
	 * (for example {@code consul connect proxy}) against it.
	 * @return the binary
	 */
	public Path getBinary() {
		return ConsulBinary.locate();
	}

	/**
	 * Return the agent's HTTP port.
	 * @return the HTTP port
	 */
	public int getHttpPort() {
		return requireStarted().httpPort;
	}

	/**
	 * Return the agent's gRPC (xDS) port.
	 * @return the gRPC port
	 */
	public int getGrpcPort() {
		return requireStarted().grpcPort;
	}

	/**
	 * Return the agent's DNS port.
	 * @return the DNS port
	 */
	public int getDnsPort() {
		return requireStarted().dnsPort;
	}

	/**
	 * Return the agent's node name.
	 * @return the node name
	 */
	public String getNodeName() {
		String name = requireStarted().nodeName;
		return (name != null) ? name : "";
	}

	/**
	 * Return the agent's datacenter, always {@code dc1}.
	 * @return the datacenter
	 */
	public String getDatacenter() {
		return "dc1";
	}

	/**
	 * Return the management token of an agent created with
	 * {@link #devWithAcl(String...)}, or {@code null} when ACLs are disabled.
	 * @return the management token or {@code null}
	 */
	public @Nullable String getManagementToken() {
		return this.managementToken;
	}

	/**
	 * Return the Connect trust domain, for example
	 * {@code 11111111-2222-3333-4444-555555555555.consul}.
	 * @return the trust domain
	 */
	public String getTrustDomain() {
		String body = request("GET", "/v1/agent/connect/ca/roots", null);
		java.util.regex.Matcher matcher = TRUST_DOMAIN.matcher(body);
		if (!matcher.find()) {
			throw new IllegalStateException("Consul agent's roots response has no TrustDomain: " + body);
		}
		return matcher.group(1);
	}

	/**
	 * Send a request to the agent's HTTP API with the management token (if any) and
	 * return the body.
	 * @param method the HTTP method
	 * @param path the path and query, for example {@code /v1/agent/services}
	 * @param jsonBody the JSON body or {@code null}
	 * @return the response body
	 * @throws IllegalStateException if the agent answers with a status other than 200
	 */
	public String request(String method, String path, @Nullable String jsonBody) {
		return ConsulHttp.body(method, path, send(method, path, jsonBody));
	}

	private HttpResponse<String> send(String method, String path, @Nullable String jsonBody) {
		return ConsulHttp.send(this.http, getHttpAddress(), method, path, jsonBody, this.managementToken);
	}

	/**
	 * Return the last lines of the agent's log, for diagnostics.
	 * @param lines the number of lines
	 * @return the log tail, or an empty string if there is no log
	 */
	public synchronized String logTail(int lines) {
		Path directory = this.workDirectory;
		if (directory == null) {
			return "";
		}
		try {
			List<String> all = Files.readAllLines(directory.resolve("consul.log"), StandardCharsets.UTF_8);
			return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
		}
		catch (IOException ex) {
			return "(no log: " + ex.getMessage() + ")";
		}
	}

	private synchronized ConsulAgent requireStarted() {
		if (this.process == null) {
			throw new IllegalStateException("Consul agent is not started");
		}
		return this;
	}

	private static void deleteRecursively(Path directory) {
		try (Stream<Path> paths = Files.walk(directory)) {
			paths.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
		}
		catch (IOException ex) {
			// Best effort: a left-over temporary directory must not fail a test.
		}
	}

	private enum Https {

		OFF, ON, VERIFY_INCOMING

	}

}
