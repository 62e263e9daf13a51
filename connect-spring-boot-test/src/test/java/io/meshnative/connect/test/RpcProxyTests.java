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
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link RpcProxy}.
 *
 * @author connect-spring-boot authors
 */
class RpcProxyTests {

	private static final InetAddress FIRST = address(127, 0, 0, 1);

	private static final InetAddress SECOND = address(127, 0, 0, 2);

	private final AtomicInteger upstreamConnections = new AtomicInteger();

	private ServerSocket echo;

	private RpcProxy proxy;

	@BeforeEach
	void startEchoServerAndProxy() throws IOException {
		this.echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		Thread acceptor = new Thread(this::echoLoop, "echo");
		acceptor.setDaemon(true);
		acceptor.start();
		this.proxy = new RpcProxy(InetAddress.getLoopbackAddress(), 0, this.echo.getLocalSocketAddress());
	}

	@AfterEach
	void stop() throws IOException {
		this.proxy.close();
		this.echo.close();
	}

	@Test
	void forwardsBothWays() throws IOException {
		try (Socket socket = connect(FIRST)) {
			assertThat(roundTrip(socket, 'a')).isEqualTo('a');
			assertThat(roundTrip(socket, 'b')).isEqualTo('b');
		}
	}

	@Test
	void blockedSourceGetsSilenceOnOpenAndNewConnectionsWhileOthersPass() throws IOException {
		try (Socket open = connect(FIRST); Socket other = connect(SECOND)) {
			assertThat(roundTrip(open, 'a')).isEqualTo('a');
			assertThat(roundTrip(other, 'a')).isEqualTo('a');
			int upstreamBefore = this.upstreamConnections.get();
			this.proxy.block(FIRST);
			assertThat(this.proxy.isBlocked(FIRST)).isTrue();
			assertThatExceptionOfType(SocketTimeoutException.class).isThrownBy(() -> roundTrip(open, 'b'));
			try (Socket fresh = connect(FIRST)) {
				assertThatExceptionOfType(SocketTimeoutException.class).isThrownBy(() -> roundTrip(fresh, 'c'));
			}
			assertThat(roundTrip(other, 'd')).isEqualTo('d');
			assertThat(this.upstreamConnections.get()).isEqualTo(upstreamBefore);
		}
	}

	@Test
	void unblockClosesTheHeldConnectionsAndForwardsNewOnes() throws IOException {
		try (Socket held = connect(FIRST)) {
			this.proxy.block(FIRST);
			this.proxy.unblock(FIRST);
			assertThat(this.proxy.isBlocked(FIRST)).isFalse();
			held.setSoTimeout(5000);
			assertThat(readOrEnd(held)).isEqualTo(-1);
		}
		try (Socket fresh = connect(FIRST)) {
			assertThat(roundTrip(fresh, 'e')).isEqualTo('e');
		}
	}

	private Socket connect(InetAddress source) throws IOException {
		Socket socket = new Socket();
		socket.bind(new InetSocketAddress(source, 0));
		socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.proxyPort()), 2000);
		socket.setSoTimeout(1000);
		return socket;
	}

	private int proxyPort() {
		return ((InetSocketAddress) this.proxy.getLocalSocketAddress()).getPort();
	}

	private static char roundTrip(Socket socket, char c) throws IOException {
		OutputStream out = socket.getOutputStream();
		out.write(c);
		out.flush();
		int read = socket.getInputStream().read();
		assertThat(read).as("echo of '%s'", c).isNotEqualTo(-1);
		return (char) read;
	}

	private static int readOrEnd(Socket socket) {
		try {
			return socket.getInputStream().read();
		}
		catch (IOException ex) {
			return -1;
		}
	}

	private void echoLoop() {
		while (!this.echo.isClosed()) {
			try {
				Socket socket = this.echo.accept();
				this.upstreamConnections.incrementAndGet();
				Thread thread = new Thread(() -> echo(socket), "echo-connection");
				thread.setDaemon(true);
				thread.start();
			}
			catch (IOException ex) {
				// Closed at the end of the test.
			}
		}
	}

	private static void echo(Socket socket) {
		try (socket) {
			InputStream in = socket.getInputStream();
			OutputStream out = socket.getOutputStream();
			int read = in.read();
			while (read != -1) {
				out.write(read);
				out.flush();
				read = in.read();
			}
		}
		catch (IOException ex) {
			// The proxy closed the connection.
		}
	}

	private static InetAddress address(int a, int b, int c, int d) {
		try {
			return InetAddress.getByAddress(new byte[] { (byte) a, (byte) b, (byte) c, (byte) d });
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
