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

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import org.jspecify.annotations.Nullable;

/**
 * A raw HTTP/1.1 client for tests: writes the request line and headers exactly as given
 * (as ISO-8859-1 bytes, so any request target can be sent), over TLS with a mesh leaf or
 * over plain TCP, and keeps the connection for the next request until the server closes
 * it.
 *
 * @author connect-spring-boot authors
 */
final class RawHttpClient implements AutoCloseable {

	private final @Nullable SSLContext context;

	private final int port;

	private @Nullable Socket socket;

	private @Nullable InputStream in;

	private int connections;

	RawHttpClient(@Nullable SSLContext context, int port) {
		this.context = context;
		this.port = port;
	}

	/**
	 * Return how many connections this client opened.
	 * @return the count
	 */
	int connections() {
		return this.connections;
	}

	/**
	 * Send a request and read the answer; a connection the server closed (after a
	 * {@code Connection: close} answer or without one) is replaced for the next request.
	 * @param method the method
	 * @param target the request target, sent as is
	 * @param headers header lines ({@code Name: value})
	 * @return the answer, status {@code -1} when the connection closed without one
	 * @throws IOException if the connection cannot be opened or written
	 */
	Response send(String method, String target, List<String> headers) throws IOException {
		return send(method, target, headers, null);
	}

	/**
	 * Send a request with a body and read the answer.
	 * @param method the method
	 * @param target the request target, sent as is
	 * @param headers header lines ({@code Name: value}), including the body's framing
	 * @param body the body, {@code null} for none
	 * @return the answer, status {@code -1} when the connection closed without one
	 * @throws IOException if the connection cannot be opened or written
	 */
	Response send(String method, String target, List<String> headers, @Nullable String body) throws IOException {
		if (this.socket == null) {
			open();
		}
		Socket current = this.socket;
		InputStream input = this.in;
		if (current == null || input == null) {
			throw new IllegalStateException("not connected");
		}
		StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n");
		for (String header : headers) {
			head.append(header).append("\r\n");
		}
		OutputStream out = current.getOutputStream();
		head.append("\r\n");
		if (body != null) {
			head.append(body);
		}
		out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
		out.flush();
		Response response;
		try {
			response = read(input, method.equalsIgnoreCase("HEAD"));
		}
		catch (IOException ex) {
			response = new Response(-1, Collections.emptyMap(), "");
		}
		if (response.status() < 0 || "close".equalsIgnoreCase(response.header("connection"))) {
			close();
		}
		return response;
	}

	private void open() throws IOException {
		Socket opened;
		if (this.context != null) {
			SSLSocket tls = (SSLSocket) this.context.getSocketFactory().createSocket("127.0.0.1", this.port);
			tls.setSoTimeout(10_000);
			tls.startHandshake();
			opened = tls;
		}
		else {
			opened = new Socket("127.0.0.1", this.port);
			opened.setSoTimeout(10_000);
		}
		this.connections++;
		this.socket = opened;
		this.in = new BufferedInputStream(opened.getInputStream());
	}

	private static Response read(InputStream in, boolean head) throws IOException {
		String status = readLine(in);
		if (status == null) {
			return new Response(-1, Collections.emptyMap(), "");
		}
		String[] parts = status.split(" ", 3);
		Map<String, String> headers = new LinkedHashMap<>();
		for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
			int colon = line.indexOf(':');
			headers.merge(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim(),
					(a, b) -> a + "," + b);
		}
		int code = Integer.parseInt(parts[1]);
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		if (!head && code != 204 && code != 304 && code >= 200) {
			if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
				for (String size = readLine(in); size != null; size = readLine(in)) {
					int length = Integer.parseInt(size.trim(), 16);
					if (length == 0) {
						readLine(in);
						break;
					}
					body.write(in.readNBytes(length));
					readLine(in);
				}
			}
			else if (headers.containsKey("content-length")) {
				body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
			}
		}
		return new Response(code, headers, body.toString(StandardCharsets.UTF_8));
	}

	private static @Nullable String readLine(InputStream in) throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		int c;
		while ((c = in.read()) != -1 && c != '\n') {
			if (c != '\r') {
				line.write(c);
			}
		}
		return (c == -1 && line.size() == 0) ? null : line.toString(StandardCharsets.ISO_8859_1);
	}

	@Override
	public void close() throws IOException {
		Socket current = this.socket;
		this.socket = null;
		this.in = null;
		if (current != null) {
			current.close();
		}
	}

	/**
	 * An answer.
	 *
	 * @param status the status code, {@code -1} when the connection closed without one
	 * @param headers the headers by lower-case name (repeated ones joined with {@code ,})
	 * @param body the body
	 */
	record Response(int status, Map<String, String> headers, String body) {

		@Nullable String header(String name) {
			return this.headers.get(name);
		}

	}

}
