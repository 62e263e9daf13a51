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

package io.meshnative.connect.agentless.internal;

import java.io.File;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLException;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * The Consul servers agentless mode talks to, in order, with one gRPC channel to the
 * current one: like consul-dataplane's {@code -addresses}, a failure that says the server
 * is unreachable moves on to the next server, round the list.
 *
 * @author connect-spring-boot authors
 */
public final class ConsulServers implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(ConsulServers.class);

	private final List<Server> servers;

	private final @Nullable File grpcCaFile;

	private final List<ClientInterceptor> interceptors;

	private final AtomicLong failovers = new AtomicLong();

	private int current;

	private int currentHttp;

	private @Nullable ManagedChannel channel;

	private boolean closed;

	/**
	 * Create a new instance.
	 * @param servers the servers, at least one
	 * @param grpcCaFile the CA file that verifies the servers' gRPC TLS certificates, or
	 * {@code null} for plaintext gRPC
	 * @param interceptors interceptors of every gRPC call, in order
	 */
	public ConsulServers(List<Server> servers, @Nullable File grpcCaFile, List<ClientInterceptor> interceptors) {
		Assert.notEmpty(servers, "At least one Consul server is needed (connect.consul.servers)");
		this.servers = List.copyOf(servers);
		this.grpcCaFile = grpcCaFile;
		this.interceptors = new ArrayList<>(interceptors);
	}

	/**
	 * Return the channel to the current server, creating it if needed.
	 * @return the channel
	 */
	public synchronized ManagedChannel channel() {
		Assert.state(!this.closed, "Closed");
		ManagedChannel existing = this.channel;
		if (existing != null) {
			return existing;
		}
		Server server = this.servers.get(this.current);
		NettyChannelBuilder builder = NettyChannelBuilder.forAddress(server.grpcHost(), server.grpcPort())
			.intercept(this.interceptors);
		if (this.grpcCaFile != null) {
			try {
				builder.sslContext(
						new AlpnOptionalSslContext(GrpcSslContexts.forClient().trustManager(this.grpcCaFile).build()));
			}
			catch (SSLException ex) {
				throw new IllegalStateException("Could not use the gRPC CA file " + this.grpcCaFile
						+ " (connect.consul.grpc-ca-file or CONSUL_GRPC_CACERT): " + ex.getMessage(), ex);
			}
		}
		else {
			builder.usePlaintext();
		}
		ManagedChannel created = builder.build();
		this.channel = created;
		return created;
	}

	/**
	 * Move to the next server if the failed channel is still the current one.
	 * @param failed the channel whose call failed
	 * @param reason why, for the log
	 */
	public void failover(ManagedChannel failed, String reason) {
		ManagedChannel old;
		Server next;
		synchronized (this) {
			if (this.channel != failed || this.closed) {
				return;
			}
			old = failed;
			this.channel = null;
			Server previous = this.servers.get(this.current);
			this.current = (this.current + 1) % this.servers.size();
			next = this.servers.get(this.current);
			this.failovers.incrementAndGet();
			logger.warn("Consul server " + previous.describe() + " failed (" + reason + "); using " + next.describe()
					+ " next");
		}
		old.shutdownNow();
	}

	/**
	 * Return the HTTP API address of the server the HTTP calls use.
	 * @return the address
	 */
	public synchronized URI httpAddress() {
		return this.servers.get(this.currentHttp).http();
	}

	/**
	 * Move the HTTP calls to the next server if the unreachable address is still the one
	 * in use.
	 * @param unreachable the address ({@code scheme://host:port}) a call could not
	 * connect to
	 */
	public void httpUnreachable(URI unreachable) {
		synchronized (this) {
			URI current = this.servers.get(this.currentHttp).http();
			if (this.closed || !sameAuthority(current, unreachable)) {
				return;
			}
			this.currentHttp = (this.currentHttp + 1) % this.servers.size();
			this.failovers.incrementAndGet();
			logger.warn("Consul server HTTP API at " + current.getRawAuthority() + " cannot be reached; using "
					+ this.servers.get(this.currentHttp).http().getRawAuthority() + " next");
		}
	}

	private static boolean sameAuthority(URI first, URI second) {
		return String.valueOf(first.getRawAuthority()).equalsIgnoreCase(String.valueOf(second.getRawAuthority()));
	}

	/**
	 * Return the server in use.
	 * @return the server
	 */
	public synchronized Server current() {
		return this.servers.get(this.current);
	}

	/**
	 * Return the servers.
	 * @return the servers
	 */
	public List<Server> getServers() {
		return this.servers;
	}

	/**
	 * Return how many times a server was given up for the next.
	 * @return the failover count
	 */
	public long getFailovers() {
		return this.failovers.get();
	}

	/**
	 * Describe the servers for log and error messages.
	 * @return the description
	 */
	public String describe() {
		List<String> names = new ArrayList<>();
		for (Server server : this.servers) {
			names.add(server.describe());
		}
		return "the Consul servers at " + String.join(", ", names);
	}

	@Override
	public void close() {
		ManagedChannel old;
		synchronized (this) {
			this.closed = true;
			old = this.channel;
			this.channel = null;
		}
		if (old != null) {
			old.shutdown();
			try {
				if (!old.awaitTermination(2, TimeUnit.SECONDS)) {
					old.shutdownNow();
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				old.shutdownNow();
			}
		}
	}

	/**
	 * A Consul server: its HTTP API address and its gRPC address.
	 *
	 * @param http the HTTP API address, {@code http://host:8500} or
	 * {@code https://host:8501}
	 * @param grpcHost the gRPC host
	 * @param grpcPort the gRPC port ({@code 8502} plaintext, {@code 8503} TLS by default)
	 */
	public record Server(URI http, String grpcHost, int grpcPort) {

		/**
		 * Describe the server.
		 * @return {@code host:grpcPort}
		 */
		public String describe() {
			return this.grpcHost + ":" + this.grpcPort;
		}

	}

}
