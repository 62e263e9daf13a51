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

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * Finds the {@code consul} binary that {@link ConsulAgent} runs.
 * <p>
 * In order: the {@code connect.consul.binary} system property or the
 * {@code CONSUL_BINARY} environment variable; the script named by the
 * {@code connect.consul-script} system property (the project's {@code scripts/consul},
 * which builds a pinned release once and caches it); {@code consul} on the {@code PATH}.
 *
 * @author connect-spring-boot authors
 */
final class ConsulBinary {

	private static final Object lock = new Object();

	private static @Nullable Path located;

	private ConsulBinary() {
	}

	/**
	 * Return the path of a runnable {@code consul} binary, locating it on first use.
	 * @return the binary
	 * @throws IllegalStateException if no binary can be found
	 */
	static Path locate() {
		synchronized (lock) {
			Path path = located;
			if (path == null) {
				path = find();
				located = path;
			}
			return path;
		}
	}

	private static Path find() {
		String explicit = firstNonEmpty(System.getProperty("connect.consul.binary"), System.getenv("CONSUL_BINARY"));
		if (explicit != null) {
			Path path = Path.of(explicit);
			if (!Files.isExecutable(path)) {
				throw new IllegalStateException("Consul binary '" + explicit
						+ "' (from connect.consul.binary or CONSUL_BINARY) is not an executable file");
			}
			return path;
		}
		String script = System.getProperty("connect.consul-script");
		if (script != null && !script.isEmpty()) {
			return runScript(Path.of(script));
		}
		Path onPath = findOnPath();
		if (onPath != null) {
			return onPath;
		}
		throw new IllegalStateException("No Consul binary found. Put 'consul' (1.14 or later) on the PATH, set "
				+ "CONSUL_BINARY to its location, or run the project's scripts/consul, which builds one with Go.");
	}

	private static Path runScript(Path script) {
		if (!Files.isExecutable(script)) {
			throw new IllegalStateException("Consul script '" + script + "' (connect.consul-script) is not executable");
		}
		try {
			Process process = new ProcessBuilder(List.of(script.toString()))
				.redirectError(ProcessBuilder.Redirect.INHERIT)
				.start();
			process.getOutputStream().close();
			String output;
			try (InputStream in = process.getInputStream()) {
				output = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
			}
			if (!process.waitFor(60, TimeUnit.MINUTES) || process.exitValue() != 0) {
				throw new IllegalStateException("'" + script + "' failed to provide a Consul binary (exit code "
						+ (process.isAlive() ? "none, timed out" : process.exitValue())
						+ "); its messages are above in the test output");
			}
			String[] lines = output.split("\\R");
			Path path = Path.of(lines[lines.length - 1].trim());
			if (!Files.isExecutable(path)) {
				throw new IllegalStateException("'" + script + "' printed '" + path + "', which is not executable");
			}
			return path;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not run '" + script + "': " + ex.getMessage(), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting for '" + script + "'", ex);
		}
	}

	private static @Nullable Path findOnPath() {
		String pathVariable = System.getenv("PATH");
		if (pathVariable == null) {
			return null;
		}
		for (String directory : pathVariable.split(File.pathSeparator)) {
			if (!directory.isEmpty()) {
				Path candidate = Path.of(directory, "consul");
				if (Files.isExecutable(candidate)) {
					return candidate;
				}
			}
		}
		return null;
	}

	private static @Nullable String firstNonEmpty(@Nullable String... values) {
		for (String value : values) {
			if (value != null && !value.isBlank()) {
				return value;
			}
		}
		return null;
	}

}
