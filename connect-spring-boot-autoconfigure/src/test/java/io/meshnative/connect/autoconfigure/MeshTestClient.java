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

package io.meshnative.connect.autoconfigure;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import io.meshnative.connect.agent.internal.CaRoots;
import io.meshnative.connect.agent.internal.LeafCertificate;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.pem.PemContent;
import org.springframework.boot.ssl.pem.PemSslStore;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;

/**
 * A minimal HTTP/1.1 client over mTLS for tests: presents any certificate chain, trusts
 * given roots, does no host name check (mesh certificates carry only a SPIFFE ID), and
 * can keep a connection open for several requests.
 *
 * @author connect-spring-boot authors
 */
public final class MeshTestClient {

	private final SSLContext sslContext;

	private MeshTestClient(SSLContext sslContext) {
		this.sslContext = sslContext;
	}

	static MeshTestClient of(@Nullable List<X509Certificate> chain, @Nullable PrivateKey key,
			List<X509Certificate> roots) {
		PemSslStore keyStore = (chain != null && key != null) ? PemSslStore.of(chain, key) : null;
		SslBundle bundle = SslBundle.of(new PemSslStoreBundle(keyStore, PemSslStore.of(roots, null)));
		return new MeshTestClient(bundle.createSslContext());
	}

	/**
	 * Create a client that presents a leaf and trusts the given roots.
	 * @param leaf the leaf to present
	 * @param roots the roots to trust
	 * @return the client
	 */
	public static MeshTestClient of(LeafCertificate leaf, CaRoots roots) {
		return of(PemContent.of(leaf.certPem()).getCertificates(), leaf.privateKey(), roots(roots));
	}

	static List<X509Certificate> roots(CaRoots roots) {
		return roots.roots()
			.stream()
			.flatMap((root) -> PemContent.of(root.rootCert()).getCertificates().stream())
			.toList();
	}

	/**
	 * Send {@code GET} on a new connection.
	 * @param port the port on {@code 127.0.0.1}
	 * @param path the path
	 * @return the response
	 * @throws IOException on a failure
	 */
	public Response get(int port, String path) throws IOException {
		try (Connection connection = open(port)) {
			return connection.get(path);
		}
	}

	Response request(int port, String method, String path, Map<String, String> headers) throws IOException {
		try (Connection connection = open(port)) {
			return connection.request(method, path, headers);
		}
	}

	/**
	 * Open a connection that can carry several requests.
	 * @param port the port on {@code 127.0.0.1}
	 * @return the connection
	 * @throws IOException on a failure
	 */
	public Connection open(int port) throws IOException {
		return open(port, null);
	}

	Connection open(int port, @Nullable String protocol) throws IOException {
		SSLSocket socket = (SSLSocket) this.sslContext.getSocketFactory().createSocket("127.0.0.1", port);
		if (protocol != null) {
			socket.setEnabledProtocols(new String[] { protocol });
		}
		socket.setSoTimeout(10_000);
		socket.startHandshake();
		return new Connection(socket);
	}

	/**
	 * A response.
	 *
	 * @param status the status
	 * @param headers the headers, names in lower case
	 * @param body the body
	 */
	public record Response(int status, Map<String, String> headers, String body) {

	}

	/**
	 * A connection kept open for several requests.
	 */
	public static final class Connection implements AutoCloseable {

		private final SSLSocket socket;

		private final InputStream in;

		private final OutputStream out;

		Connection(SSLSocket socket) throws IOException {
			this.socket = socket;
			this.in = socket.getInputStream();
			this.out = socket.getOutputStream();
		}

		/**
		 * Return the TLS socket.
		 * @return the socket
		 */
		public SSLSocket getSocket() {
			return this.socket;
		}

		/**
		 * Send {@code GET} on this connection.
		 * @param path the path
		 * @return the response
		 * @throws IOException on a failure
		 */
		public Response get(String path) throws IOException {
			return request("GET", path, Collections.emptyMap());
		}

		Response request(String method, String path, Map<String, String> requestHeaders) throws IOException {
			StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
			if (requestHeaders.keySet().stream().noneMatch("Host"::equalsIgnoreCase)) {
				head.append("Host: mesh\r\n");
			}
			head.append("Accept: application/json\r\n");
			requestHeaders.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
			if (!method.equals("GET") && !method.equals("HEAD")) {
				head.append("Content-Length: 0\r\n");
			}
			this.out.write(head.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
			this.out.flush();
			String statusLine = readLine();
			String[] parts = statusLine.split(" ", 3);
			if (parts.length < 2) {
				throw new IOException("Malformed status line '" + statusLine + "'");
			}
			int status = Integer.parseInt(parts[1]);
			Map<String, String> headers = new LinkedHashMap<>();
			for (String line = readLine(); !line.isEmpty(); line = readLine()) {
				int colon = line.indexOf(':');
				headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
			}
			return new Response(status, headers, method.equals("HEAD") ? "" : readBody(headers));
		}

		private String readBody(Map<String, String> headers) throws IOException {
			ByteArrayOutputStream body = new ByteArrayOutputStream();
			if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
				for (int size = Integer.parseInt(readLine().trim(), 16); size > 0; size = Integer
					.parseInt(readLine().trim(), 16)) {
					body.write(this.in.readNBytes(size));
					readLine();
				}
				readLine();
			}
			else if (headers.containsKey("content-length")) {
				body.write(this.in.readNBytes(Integer.parseInt(headers.get("content-length"))));
			}
			return body.toString(StandardCharsets.UTF_8);
		}

		private String readLine() throws IOException {
			StringBuilder line = new StringBuilder();
			int c;
			while ((c = this.in.read()) != -1) {
				if (c == '\n') {
					break;
				}
				if (c != '\r') {
					line.append((char) c);
				}
			}
			if (c == -1 && line.length() == 0) {
				throw new IOException("Connection closed by the server");
			}
			return line.toString();
		}

		@Override
		public void close() throws IOException {
			this.socket.close();
		}

	}

}
