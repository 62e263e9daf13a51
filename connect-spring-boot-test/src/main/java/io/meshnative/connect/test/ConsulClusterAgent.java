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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * One Consul agent of a {@link ConsulCluster}: a server or a client agent of one
 * datacenter.
 * <p>
 * The handle stays valid while the cluster stops, kills and restarts the agent; its node
 * name, addresses, ports and data directory never change, except that
 * {@link ConsulCluster#restartWithoutData(ConsulClusterAgent)} empties the data
 * directory. The HTTP API listens on {@code 127.0.0.1} ({@link #getHttpAddress()}); the
 * agent's own address in the cluster ({@link #getAddress()}) is a loopback address of its
 * own, such as {@code 127.43.7.12}.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConsulClusterAgent {

	private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

	private final String nodeName;

	private final String datacenter;

	private final boolean server;

	private final InetAddress bindAddress;

	private final InetAddress advertiseAddress;

	private final Path directory;

	private final List<String> hcl;

	private final @Nullable String managementToken;

	private final HttpClient http;

	private Ports ports;

	private @Nullable Process process;

	private @Nullable RpcProxy proxy;

	private @Nullable String agentToken;

	ConsulClusterAgent(String nodeName, String datacenter, boolean server, InetAddress bindAddress,
			InetAddress advertiseAddress, Path directory, List<String> hcl, @Nullable String managementToken,
			HttpClient http, Ports ports) {
		this.nodeName = nodeName;
		this.datacenter = datacenter;
		this.server = server;
		this.bindAddress = bindAddress;
		this.advertiseAddress = advertiseAddress;
		this.directory = directory;
		this.hcl = List.copyOf(hcl);
		this.managementToken = managementToken;
		this.http = http;
		this.ports = ports;
	}

	/**
	 * Return the agent's node name, unique to its cluster and to the JVM.
	 * @return the node name
	 */
	public String getNodeName() {
		return this.nodeName;
	}

	/**
	 * Return the agent's datacenter, {@code dc1} or {@code dc2}.
	 * @return the datacenter
	 */
	public String getDatacenter() {
		return this.datacenter;
	}

	/**
	 * Return whether the agent is a server.
	 * @return whether the agent is a server
	 */
	public boolean isServer() {
		return this.server;
	}

	/**
	 * Return the node's address in the catalog, which services registered through this
	 * agent get by default. For a server it is the address of the proxy in front of its
	 * RPC port, at which clients and other servers reach it.
	 * @return the node address, for example {@code 127.43.7.12}
	 */
	public String getAddress() {
		return this.advertiseAddress.getHostAddress();
	}

	/**
	 * Return the agent's HTTP address, for example {@code http://127.0.0.1:41234}; the
	 * address stays the same across restarts.
	 * @return the HTTP address
	 */
	public String getHttpAddress() {
		return "http://127.0.0.1:" + getHttpPort();
	}

	/**
	 * Return the agent's HTTP port.
	 * @return the HTTP port
	 */
	public synchronized int getHttpPort() {
		return this.ports.http();
	}

	/**
	 * Return the agent's gRPC (xDS) port.
	 * @return the gRPC port
	 */
	public synchronized int getGrpcPort() {
		return this.ports.grpc();
	}

	/**
	 * Return the agent's data directory.
	 * @return the data directory
	 */
	public Path getDataDirectory() {
		return this.directory.resolve("data");
	}

	/**
	 * Return whether the agent process runs.
	 * @return whether the agent runs
	 */
	public synchronized boolean isRunning() {
		Process running = this.process;
		return running != null && running.isAlive();
	}

	/**
	 * Send a request to the agent's HTTP API with the cluster's management token (if ACLs
	 * are enabled) and return the body.
	 * @param method the HTTP method
	 * @param path the path and query, for example {@code /v1/agent/services}
	 * @param jsonBody the JSON body or {@code null}
	 * @return the response body
	 * @throws IllegalStateException if the agent answers with a status other than 200
	 * @throws UncheckedIOException if the agent cannot be reached or does not answer in
	 * time
	 */
	public String request(String method, String path, @Nullable String jsonBody) {
		HttpResponse<String> response = send(method, path, jsonBody, this.managementToken, REQUEST_TIMEOUT);
		if (response.statusCode() != 200) {
			throw new IllegalStateException(this.nodeName + ": " + method + " " + path + " answered HTTP "
					+ response.statusCode() + ": " + response.body().trim());
		}
		return response.body();
	}

	/**
	 * Send a request to the agent's HTTP API with the given token and return the
	 * response, whatever its status.
	 * @param method the HTTP method
	 * @param path the path and query, for example {@code /v1/agent/connect/ca/leaf/web}
	 * @param jsonBody the JSON body or {@code null}
	 * @param token the ACL token to send in {@code X-Consul-Token}, or {@code null} for
	 * none
	 * @param timeout how long to wait for the response
	 * @return the response
	 * @throws UncheckedIOException if the agent cannot be reached or does not answer
	 * within the timeout (the cause is then an
	 * {@link java.net.http.HttpTimeoutException})
	 */
	public HttpResponse<String> send(String method, String path, @Nullable String jsonBody, @Nullable String token,
			Duration timeout) {
		return ConsulHttp.send(this.http, getHttpAddress(), method, path, jsonBody, token, timeout, this.nodeName);
	}

	/**
	 * Return the last lines of the agent's log (all its runs), for diagnostics.
	 * @param lines the number of lines
	 * @return the log tail, or a note if there is no log
	 */
	public String logTail(int lines) {
		try {
			List<String> all = Files.readAllLines(getLogFile(), StandardCharsets.UTF_8);
			return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
		}
		catch (IOException ex) {
			return "(no log: " + ex.getMessage() + ")";
		}
	}

	@Override
	public String toString() {
		return this.nodeName + " (" + (this.server ? "server" : "client") + ", " + this.datacenter + ")";
	}

	Path getLogFile() {
		return this.directory.resolve("consul.log");
	}

	Path getDirectory() {
		return this.directory;
	}

	InetAddress getBindAddress() {
		return this.bindAddress;
	}

	InetAddress getAdvertiseAddress() {
		return this.advertiseAddress;
	}

	List<String> getHcl() {
		return this.hcl;
	}

	synchronized Ports getPorts() {
		return this.ports;
	}

	synchronized void setPorts(Ports ports) {
		this.ports = ports;
	}

	/**
	 * Return the Serf LAN address other agents join.
	 * @return the address as {@code host:port}
	 */
	synchronized String getSerfLanAddress() {
		return this.advertiseAddress.getHostAddress() + ":" + this.ports.serfLan();
	}

	/**
	 * Return the Serf WAN address servers of other datacenters join.
	 * @return the address as {@code host:port}
	 */
	synchronized String getSerfWanAddress() {
		return this.bindAddress.getHostAddress() + ":" + this.ports.serfWan();
	}

	/**
	 * Return the server's RPC address as Raft and {@code /v1/status/leader} name it.
	 * @return the address as {@code host:port}
	 */
	synchronized String getRpcAdvertiseAddress() {
		return this.advertiseAddress.getHostAddress() + ":" + this.ports.server();
	}

	synchronized @Nullable Process getProcess() {
		return this.process;
	}

	synchronized @Nullable RpcProxy getProxy() {
		return this.proxy;
	}

	synchronized @Nullable String getAgentToken() {
		return this.agentToken;
	}

	synchronized void setAgentToken(String agentToken) {
		this.agentToken = agentToken;
	}

	/**
	 * Start the proxy in front of the server's RPC port, replacing any previous one.
	 * @throws IOException if the proxy's address cannot be bound
	 */
	synchronized void openProxy() throws IOException {
		closeProxy();
		this.proxy = new RpcProxy(this.advertiseAddress, this.ports.server(),
				new InetSocketAddress(this.bindAddress, this.ports.server()));
	}

	synchronized void closeProxy() {
		RpcProxy current = this.proxy;
		this.proxy = null;
		if (current != null) {
			current.close();
		}
	}

	/**
	 * Start the agent process with the given command, its output appended to the log.
	 * @param command the command
	 * @throws IOException if the process cannot be started
	 */
	synchronized void launch(List<String> command) throws IOException {
		Files.createDirectories(getDataDirectory());
		Process started = new ProcessBuilder(command).directory(this.directory.toFile())
			.redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.appendTo(getLogFile().toFile()))
			.start();
		started.getOutputStream().close();
		this.process = started;
	}

	/**
	 * End the agent process, if any: SIGTERM and up to 15 seconds for a graceful stop, or
	 * at once with SIGKILL.
	 * @param kill whether to kill the process instead of stopping it
	 */
	void terminate(boolean kill) {
		Process running;
		synchronized (this) {
			running = this.process;
			this.process = null;
		}
		if (running == null) {
			return;
		}
		try {
			if (kill) {
				running.destroyForcibly().waitFor(15, TimeUnit.SECONDS);
			}
			else {
				running.destroy();
				if (!running.waitFor(15, TimeUnit.SECONDS)) {
					running.destroyForcibly().waitFor(15, TimeUnit.SECONDS);
				}
			}
		}
		catch (InterruptedException ex) {
			running.destroyForcibly();
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Ports of one agent. The agent binds its RPC and Serf ports on its own address and
	 * its HTTP and gRPC ports on {@code 127.0.0.1}.
	 *
	 * @param http the HTTP port
	 * @param grpc the gRPC port
	 * @param serfLan the Serf LAN port
	 * @param serfWan the Serf WAN port ({@code -1} on clients)
	 * @param server the server RPC port
	 */
	record Ports(int http, int grpc, int serfLan, int serfWan, int server) {

		String hcl() {
			return "ports { http = " + this.http + " https = -1 grpc = " + this.grpc + " grpc_tls = -1 dns = -1 "
					+ "serf_lan = " + this.serfLan + " serf_wan = " + this.serfWan + " server = " + this.server + " }";
		}

	}

}
