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

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TCP proxy in front of a Consul server's RPC port (server RPC, Raft and internal gRPC
 * share it) that can cut off callers by source address.
 * <p>
 * Consul agents dial servers from their bind address, so the source address of a
 * connection names the agent. While a source is {@link #block(InetAddress) blocked}, no
 * byte is forwarded in either direction on its connections and new connections from it
 * are accepted but never connected to the server: the agent sees a silent network, as
 * with dropped packets, not refused connections. {@link #unblock(InetAddress)} closes
 * every connection of that source (as a peer's TCP timeout would) so that the agent dials
 * again.
 *
 * @author connect-spring-boot authors
 */
final class RpcProxy implements Closeable {

	private static final AtomicInteger threadCount = new AtomicInteger();

	private final ServerSocket serverSocket;

	private final SocketAddress target;

	private final Set<InetAddress> blocked = ConcurrentHashMap.newKeySet();

	private final Set<Connection> connections = ConcurrentHashMap.newKeySet();

	private volatile boolean closed;

	/**
	 * Bind the proxy and start accepting connections.
	 * @param address the address to listen on
	 * @param port the port to listen on, {@code 0} for any free port
	 * @param target the server's RPC address
	 * @throws IOException if the address cannot be bound
	 */
	RpcProxy(InetAddress address, int port, SocketAddress target) throws IOException {
		this.target = target;
		this.serverSocket = new ServerSocket();
		this.serverSocket.setReuseAddress(true);
		this.serverSocket.bind(new InetSocketAddress(address, port), 128);
		start("consul-rpc-proxy-accept-" + port, this::acceptLoop);
	}

	/**
	 * Stop forwarding for connections from the given source, existing and new.
	 * @param source the source address
	 */
	void block(InetAddress source) {
		this.blocked.add(source);
	}

	/**
	 * Forward for the given source again, closing the connections it had.
	 * @param source the source address
	 */
	void unblock(InetAddress source) {
		this.blocked.remove(source);
		for (Connection connection : List.copyOf(this.connections)) {
			if (connection.source.equals(source)) {
				connection.close();
			}
		}
	}

	/**
	 * Return whether connections from the given source are blocked.
	 * @param source the source address
	 * @return whether the source is blocked
	 */
	boolean isBlocked(InetAddress source) {
		return this.blocked.contains(source);
	}

	/**
	 * Return the address the proxy listens on.
	 * @return the listening address
	 */
	SocketAddress getLocalSocketAddress() {
		return this.serverSocket.getLocalSocketAddress();
	}

	@Override
	public void close() {
		this.closed = true;
		closeQuietly(this.serverSocket);
		for (Connection connection : List.copyOf(this.connections)) {
			connection.close();
		}
	}

	private void acceptLoop() {
		while (!this.closed) {
			try {
				Socket client = this.serverSocket.accept();
				Connection connection = new Connection(client);
				this.connections.add(connection);
				if (this.closed) {
					connection.close();
				}
				else if (!isBlocked(connection.source)) {
					start("consul-rpc-proxy-connect", connection::connect);
				}
			}
			catch (IOException ex) {
				// Closed: the loop ends.
			}
		}
	}

	private static void start(String name, Runnable task) {
		Thread thread = new Thread(task, name + "-" + threadCount.incrementAndGet());
		thread.setDaemon(true);
		thread.start();
	}

	private static void closeQuietly(Closeable closeable) {
		try {
			closeable.close();
		}
		catch (IOException ex) {
			// Nothing to do: the socket is gone either way.
		}
	}

	private final class Connection {

		private final Socket client;

		private final InetAddress source;

		private final Socket upstream = new Socket();

		private boolean closed;

		Connection(Socket client) {
			this.client = client;
			this.source = client.getInetAddress();
		}

		void connect() {
			try {
				this.upstream.setTcpNoDelay(true);
				this.client.setTcpNoDelay(true);
				this.upstream.connect(RpcProxy.this.target, 5000);
				start("consul-rpc-proxy-up", () -> pump(this.client, this.upstream));
				start("consul-rpc-proxy-down", () -> pump(this.upstream, this.client));
			}
			catch (IOException ex) {
				close();
			}
		}

		private void pump(Socket from, Socket to) {
			byte[] buffer = new byte[16384];
			try {
				InputStream in = from.getInputStream();
				OutputStream out = to.getOutputStream();
				int read = in.read(buffer);
				while (read != -1) {
					if (isBlocked(this.source)) {
						awaitClosed();
						return;
					}
					out.write(buffer, 0, read);
					out.flush();
					read = in.read(buffer);
				}
			}
			catch (IOException ex) {
				// A side closed or failed: close both.
			}
			close();
		}

		private synchronized void awaitClosed() {
			while (!this.closed) {
				try {
					wait();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
			}
		}

		synchronized void close() {
			this.closed = true;
			notifyAll();
			closeQuietly(this.client);
			closeQuietly(this.upstream);
			RpcProxy.this.connections.remove(this);
		}

	}

}
