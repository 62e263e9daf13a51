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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A main class run in a child JVM, for tests that need a real process: one that can be
 * stopped with {@code SIGTERM} (a graceful shutdown) or killed with {@code SIGKILL} (no
 * shutdown at all). The child runs {@code java.home}'s {@code java} with the current
 * {@code java.class.path}, the given system properties and arguments, and writes its
 * standard output and error to a log file: <pre class="code">
 * try (JavaProcess backend = JavaProcess.builder(BackendMain.class)
 *         .systemProperty("server.port", "0")
 *         .log(Path.of("target/backend-1.log"))
 *         .start()) {
 *     ...
 *     backend.kill();
 * }
 * </pre> {@link #close()} kills a process still running, and a shutdown hook kills it if
 * the test JVM exits first, so that no child outlives its test.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class JavaProcess implements AutoCloseable {

	private final Process process;

	private final Path log;

	private final Thread killer;

	private JavaProcess(Process process, Path log) {
		this.process = process;
		this.log = log;
		this.killer = new Thread(process::destroyForcibly, "kill-" + log.getFileName());
		Runtime.getRuntime().addShutdownHook(this.killer);
	}

	/**
	 * Return a builder for a child JVM that runs a main class.
	 * @param mainClass the class whose {@code main} the child runs
	 * @return the builder
	 */
	public static Builder builder(Class<?> mainClass) {
		return new Builder(mainClass.getName());
	}

	/**
	 * Return the child's process ID.
	 * @return the ID
	 */
	public long pid() {
		return this.process.pid();
	}

	/**
	 * Return whether the child still runs.
	 * @return whether it is alive
	 */
	public boolean isAlive() {
		return this.process.isAlive();
	}

	/**
	 * Return the file the child's output goes to.
	 * @return the log file
	 */
	public Path getLog() {
		return this.log;
	}

	/**
	 * Return the child's output so far.
	 * @return the log's content, empty if it cannot be read
	 */
	public String output() {
		try {
			return Files.readString(this.log, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			return "";
		}
	}

	/**
	 * Stop the child with {@code SIGTERM} and wait for it to exit, as a process manager
	 * stops an application: its shutdown hooks run (a Spring application closes its
	 * context and shuts its web server down gracefully).
	 * @param timeoutSeconds how long to wait for it to exit
	 * @return the exit code
	 * @throws IllegalStateException if it did not exit in time (it is then killed)
	 */
	public int terminate(long timeoutSeconds) {
		this.process.destroy();
		return awaitExit(timeoutSeconds, "terminated");
	}

	/**
	 * Kill the child with {@code SIGKILL} and wait for it to exit: no shutdown hook runs,
	 * its sockets are closed by the kernel.
	 * @return the exit code
	 */
	public int kill() {
		this.process.destroyForcibly();
		return awaitExit(30, "killed");
	}

	private int awaitExit(long timeoutSeconds, String how) {
		try {
			if (!this.process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
				this.process.destroyForcibly();
				throw new IllegalStateException("Process " + this.process.pid() + " " + how + " did not exit within "
						+ timeoutSeconds + " s; killed it (log: " + this.log + ")");
			}
			return this.process.exitValue();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.process.destroyForcibly();
			throw new IllegalStateException("Interrupted while waiting for process " + this.process.pid(), ex);
		}
	}

	/**
	 * Kill the child if it still runs.
	 */
	@Override
	public void close() {
		if (this.process.isAlive()) {
			kill();
		}
		try {
			Runtime.getRuntime().removeShutdownHook(this.killer);
		}
		catch (IllegalStateException ex) {
			// The JVM is shutting down: the hook runs anyway
		}
	}

	/**
	 * A builder of a {@link JavaProcess}.
	 */
	public static final class Builder {

		private final String mainClass;

		private final Map<String, String> systemProperties = new LinkedHashMap<>();

		private final List<String> jvmArguments = new ArrayList<>();

		private final List<String> arguments = new ArrayList<>();

		private Path log;

		private Builder(String mainClass) {
			this.mainClass = mainClass;
			this.log = Paths.get("target", mainClass.substring(mainClass.lastIndexOf('.') + 1) + ".log");
		}

		/**
		 * Add a system property ({@code -Dname=value}).
		 * @param name the name
		 * @param value the value
		 * @return this builder
		 */
		public Builder systemProperty(String name, String value) {
			this.systemProperties.put(name, value);
			return this;
		}

		/**
		 * Add JVM options, such as {@code -Xmx256m}.
		 * @param options the options
		 * @return this builder
		 */
		public Builder jvmArguments(String... options) {
			this.jvmArguments.addAll(List.of(options));
			return this;
		}

		/**
		 * Add arguments for the main method.
		 * @param arguments the arguments
		 * @return this builder
		 */
		public Builder arguments(String... arguments) {
			this.arguments.addAll(List.of(arguments));
			return this;
		}

		/**
		 * Set the file the child's standard output and error go to (replaced if it
		 * exists); {@code target/<simple class name>.log} by default.
		 * @param log the log file
		 * @return this builder
		 */
		public Builder log(Path log) {
			this.log = log;
			return this;
		}

		/**
		 * Start the child.
		 * @return the running process
		 */
		public JavaProcess start() {
			List<String> command = new ArrayList<>();
			command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
			command.addAll(this.jvmArguments);
			this.systemProperties.forEach((name, value) -> command.add("-D" + name + "=" + value));
			command.add("-cp");
			command.add(System.getProperty("java.class.path"));
			command.add(this.mainClass);
			command.addAll(this.arguments);
			try {
				Path parent = this.log.toAbsolutePath().getParent();
				if (parent != null) {
					Files.createDirectories(parent);
				}
				Process process = new ProcessBuilder(command).redirectErrorStream(true)
					.redirectOutput(this.log.toFile())
					.start();
				process.getOutputStream().close();
				return new JavaProcess(process, this.log);
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Could not start " + this.mainClass, ex);
			}
		}

	}

}
