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

package io.meshnative.connect.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

import org.jspecify.annotations.Nullable;

/**
 * An HTTP/1.1 application on a raw server socket that records every request exactly as it
 * arrived: the request line split into method and target (bytes read as ISO-8859-1, so
 * the target is byte-exact) and the header lines in order. It answers {@code 200} with an
 * empty body, except for targets starting with {@code /drop}, whose connection it closes
 * without an answer. With an {@link SSLContext} it is a mesh endpoint: it presents that
 * context's certificate and requires a client certificate.
 * <p>
 * Also a dial trap: every accepted connection is counted, so a test can assert that
 * nothing ever connected.
 *
 * @author connect-spring-boot authors
 */
final class RecordingApp implements AutoCloseable {

	private final ServerSocket server;

	private final List<Request> requests = new CopyOnWriteArrayList<>();

	private final List<Socket> sockets = new CopyOnWriteArrayList<>();

	private final AtomicInteger connections = new AtomicInteger();

	private final List<String> failures = new CopyOnWriteArrayList<>();

	private RecordingApp(ServerSocket server) {
		this.server = server;
		Thread acceptor = new Thread(this::accept, "recording-app-" + server.getLocalPort());
		acceptor.setDaemon(true);
		acceptor.start();
	}

	static RecordingApp plain() throws IOException {
		return new RecordingApp(new ServerSocket(0, 100, InetAddress.getLoopbackAddress()));
	}

	static RecordingApp tls(SSLContext context) throws IOException {
		SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory()
			.createServerSocket(0, 100, InetAddress.getLoopbackAddress());
		server.setNeedClientAuth(true);
		return new RecordingApp(server);
	}

	int port() {
		return this.server.getLocalPort();
	}

	List<Request> requests() {
		return this.requests;
	}

	/**
	 * Return how many connections were accepted.
	 * @return the count
	 */
	int connections() {
		return this.connections.get();
	}

	/**
	 * Return what went wrong while reading requests (malformed framing).
	 * @return the problems
	 */
	List<String> failures() {
		return this.failures;
	}

	private void accept() {
		while (!this.server.isClosed()) {
			try {
				Socket socket = this.server.accept();
				this.connections.incrementAndGet();
				this.sockets.add(socket);
				Thread connection = new Thread(() -> serve(socket), "recording-app-connection");
				connection.setDaemon(true);
				connection.start();
			}
			catch (IOException ex) {
				return;
			}
		}
	}

	private void serve(Socket socket) {
		try (socket) {
			InputStream in = socket.getInputStream();
			OutputStream out = socket.getOutputStream();
			for (String line = readLine(in); line != null; line = readLine(in)) {
				Request request = readRequest(line, in);
				this.requests.add(request);
				if (request.target().startsWith("/drop")) {
					return;
				}
				out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
				out.flush();
			}
		}
		catch (SocketException ex) {
			// closed by the peer or by close()
		}
		catch (IOException | RuntimeException ex) {
			this.failures.add(ex.toString());
		}
	}

	private static Request readRequest(String requestLine, InputStream in) throws IOException {
		int first = requestLine.indexOf(' ');
		int last = requestLine.lastIndexOf(' ');
		if (first < 0 || last <= first) {
			throw new IOException("Malformed request line: " + requestLine);
		}
		List<Map.Entry<String, String>> headers = new ArrayList<>();
		for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
			int colon = line.indexOf(':');
			headers.add(Map.entry(line.substring(0, colon), line.substring(colon + 1).trim()));
		}
		Request request = new Request(requestLine.substring(0, first), requestLine.substring(first + 1, last), headers);
		String length = request.header("content-length");
		if (length != null) {
			in.readNBytes(Integer.parseInt(length));
		}
		else if ("chunked".equalsIgnoreCase(request.header("transfer-encoding"))) {
			skipChunks(in);
		}
		return request;
	}

	private static void skipChunks(InputStream in) throws IOException {
		for (String size = readLine(in); size != null; size = readLine(in)) {
			int length = Integer.parseInt(size.trim(), 16);
			if (length == 0) {
				readLine(in);
				return;
			}
			in.readNBytes(length);
			readLine(in);
		}
	}

	private static @Nullable String readLine(InputStream in) throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		int c;
		while ((c = in.read()) != -1 && c != '\n') {
			line.write(c);
		}
		if (c == -1 && line.size() == 0) {
			return null;
		}
		String text = line.toString(StandardCharsets.ISO_8859_1);
		return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
	}

	@Override
	public void close() throws IOException {
		this.server.close();
		for (Socket socket : this.sockets) {
			socket.close();
		}
	}

	/**
	 * A request as the application received it.
	 *
	 * @param method the method
	 * @param target the request target, byte for byte
	 * @param headers the header lines in order
	 */
	record Request(String method, String target, List<Map.Entry<String, String>> headers) {

		/**
		 * Return the values of a header, in order.
		 * @param name the name, compared without regard to case
		 * @return the values
		 */
		List<String> headers(String name) {
			return this.headers.stream()
				.filter((header) -> header.getKey().equalsIgnoreCase(name))
				.map(Map.Entry::getValue)
				.toList();
		}

		@Nullable String header(String name) {
			List<String> values = headers(name);
			return values.isEmpty() ? null : values.get(0);
		}

		/**
		 * Return the names of the headers, lower-cased.
		 * @return the names
		 */
		List<String> names() {
			return this.headers.stream().map((header) -> header.getKey().toLowerCase(Locale.ROOT)).toList();
		}

	}

}
