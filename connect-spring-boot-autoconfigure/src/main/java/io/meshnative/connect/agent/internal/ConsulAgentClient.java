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

package io.meshnative.connect.agent.internal;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;

import org.springframework.util.Assert;

/**
 * Client for the parts of the Consul agent HTTP API that Connect needs. Calls are
 * non-blocking underneath (the JDK {@link HttpClient}), so many {@link Watch watches}
 * share a few threads; the synchronous methods wait for the answer and throw
 * {@link ConsulAgentException}. A plain HTTP agent is spoken to in HTTP/1.1, one
 * connection per request in flight (a blocking query holds one while it waits); an HTTPS
 * agent in HTTP/2, up to 200 requests sharing a connection.
 * <p>
 * The ACL token is sent as {@code X-Consul-Token}, never in the query string, and never
 * appears in {@link #toString()}, log messages or exceptions.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConsulAgentClient implements AutoCloseable {

	private static final AtomicInteger threadCount = new AtomicInteger();

	/**
	 * Requests in flight per HTTP/2 connection: below the 250 concurrent streams that
	 * Go's HTTP/2 server, and so the Consul agent, allows.
	 */
	static final int MAX_STREAMS_PER_CONNECTION = 200;

	/**
	 * Connections the watches may hold at once over plain HTTP by default: three quarters
	 * of the agent's default {@code limits.http_max_conns_per_client} (200), leaving room
	 * for the application's other calls and for other processes at the same address.
	 */
	public static final int DEFAULT_MAX_WATCH_CONNECTIONS = 150;

	private final URI address;

	private final String displayAddress;

	private final @Nullable String token;

	private final @Nullable Supplier<@Nullable String> tokenSupplier;

	private final @Nullable Consumer<String> unknownTokenListener;

	private final @Nullable Supplier<URI> addressSupplier;

	private final @Nullable Consumer<URI> unreachableListener;

	private final boolean server;

	private final @Nullable String namespace;

	private final @Nullable String partition;

	private final Duration requestTimeout;

	private final @Nullable Duration maxStale;

	private final HttpClient http;

	/**
	 * HTTP/2 clients of an agent reached over HTTPS, each with one connection; another is
	 * added when every connection carries {@link #MAX_STREAMS_PER_CONNECTION} requests.
	 */
	private final List<Lane> lanes = new CopyOnWriteArrayList<>();

	private final HttpClient.@Nullable Builder multiplexed;

	private final @Nullable ExecutorService ownedExecutor;

	private final Set<Watch<?>> watches = ConcurrentHashMap.newKeySet();

	private final @Nullable WatchSlots watchSlots;

	private final List<Watch.Listener> watchListeners = new CopyOnWriteArrayList<>();

	private ConsulAgentClient(Builder builder) {
		this.address = builder.address;
		this.displayAddress = displayAddress(builder.address);
		this.token = (builder.token != null && !builder.token.isBlank()) ? builder.token.trim() : null;
		this.tokenSupplier = builder.tokenSupplier;
		this.unknownTokenListener = builder.unknownTokenListener;
		this.addressSupplier = builder.addressSupplier;
		this.unreachableListener = builder.unreachableListener;
		this.server = builder.server;
		this.namespace = builder.namespace;
		this.partition = builder.partition;
		this.requestTimeout = builder.requestTimeout;
		this.maxStale = builder.maxStale;
		Executor executor = builder.executor;
		if (executor == null) {
			ExecutorService created = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 5, TimeUnit.SECONDS,
					new SynchronousQueue<>(), (runnable) -> {
						Thread thread = new Thread(runnable, "consul-agent-client-" + threadCount.incrementAndGet());
						thread.setDaemon(true);
						return thread;
					});
			this.ownedExecutor = created;
			executor = created;
		}
		else {
			this.ownedExecutor = null;
		}
		// Over HTTPS the agent speaks HTTP/2 (ALPN), which multiplexes watches on a
		// connection: the agent limits connections per client address (200 by default).
		// Plain HTTP stays HTTP/1.1, one connection per request in flight: the agent's
		// HTTP listener offers no h2c.
		boolean https = "https".equalsIgnoreCase(builder.address.getScheme());
		HttpClient.Builder http = HttpClient.newBuilder()
			.version(https ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
			.connectTimeout(builder.connectTimeout)
			.followRedirects(HttpClient.Redirect.NEVER)
			.executor(executor);
		if (builder.sslContext != null) {
			http.sslContext(builder.sslContext);
		}
		this.http = http.build();
		this.multiplexed = https ? http : null;
		this.watchSlots = https ? null : new WatchSlots(builder.maxWatchConnections);
		if (https) {
			this.lanes.add(new Lane(this.http));
		}
	}

	/**
	 * Create a builder for a client of the agent at the given address.
	 * @param address the agent address, {@code http://host:port} or
	 * {@code https://host:port}
	 * @return the builder
	 */
	public static Builder builder(URI address) {
		return new Builder(address);
	}

	/**
	 * Return the agent address.
	 * @return the address
	 */
	public URI getAddress() {
		return this.address;
	}

	/**
	 * Return whether this client talks to Consul servers (agentless mode) rather than a
	 * client agent.
	 * @return whether the address is a Consul server's
	 */
	public boolean isServer() {
		return this.server;
	}

	/**
	 * Return what this client talks to, for messages: {@code "Consul agent at "} and the
	 * address or, in agentless mode, {@code "Consul server at "} and the address calls
	 * currently go to.
	 * @return the description
	 */
	public String describeConsul() {
		if (!this.server) {
			return "Consul agent at " + this.address;
		}
		Supplier<URI> supplier = this.addressSupplier;
		return "Consul server at " + displayAddress((supplier != null) ? supplier.get() : this.address);
	}

	/**
	 * Return the timeout of calls that do not block.
	 * @return the request timeout
	 */
	public Duration getRequestTimeout() {
		return this.requestTimeout;
	}

	/**
	 * Run a query once, without blocking on the server.
	 * @param <T> the value type
	 * @param query the query
	 * @return the answer
	 * @throws ConsulAgentException if the call fails
	 */
	public <T> AgentResponse<T> query(AgentQuery<T> query) {
		return await(send(query, 0, null, null, this.requestTimeout));
	}

	/**
	 * Run a query once, without blocking the calling thread.
	 * @param <T> the value type
	 * @param query the query
	 * @return the answer; completes exceptionally with {@link ConsulAgentException} if
	 * the call fails
	 */
	public <T> CompletableFuture<AgentResponse<T>> queryAsync(AgentQuery<T> query) {
		return send(query, 0, null, null, this.requestTimeout);
	}

	/**
	 * Return the admin partition sent with calls that take one.
	 * @return the partition, {@code null} for the agent's
	 */
	public @Nullable String getPartition() {
		return this.partition;
	}

	/**
	 * Return the Connect CA roots.
	 * @return the roots
	 * @throws ConsulAgentException if the call fails
	 */
	public CaRoots getCaRoots() {
		return query(AgentQuery.caRoots()).value();
	}

	/**
	 * Return the current leaf certificate of a service, issuing one if needed.
	 * @param service the service name
	 * @return the leaf certificate
	 * @throws ConsulAgentException if the call fails, for example with 403 when the token
	 * lacks {@code service:write}
	 */
	public LeafCertificate getLeafCertificate(String service) {
		return query(AgentQuery.leafCertificate(service)).value();
	}

	/**
	 * Ask the agent whether a caller may connect to a service.
	 * @param request the caller and the target
	 * @return the decision
	 * @throws ConsulAgentException if the call fails
	 */
	public AuthorizeResult authorize(AuthorizeRequest request) {
		return await(authorizeAsync(request));
	}

	/**
	 * Ask the agent whether a caller may connect to a service, without waiting for the
	 * answer.
	 * @param request the caller and the target
	 * @return the decision; completes exceptionally with {@link ConsulAgentException} if
	 * the call fails
	 */
	public CompletableFuture<AuthorizeResult> authorizeAsync(AuthorizeRequest request) {
		return sendWrite("POST", "/v1/agent/connect/authorize", request, "service:write on '" + request.target() + "'",
				json(AuthorizeResult.class));
	}

	/**
	 * Return a service instance registered with the local agent.
	 * @param serviceId the instance ID
	 * @return the instance
	 * @throws ConsulAgentException if the call fails (404 when the agent does not know
	 * the ID)
	 */
	public AgentService getAgentService(String serviceId) {
		return query(AgentQuery.agentService(serviceId)).value();
	}

	/**
	 * Register a service instance with the local agent.
	 * @param registration the registration
	 * @throws ConsulAgentException if the call fails
	 */
	public void registerService(ServiceRegistration registration) {
		await(sendWrite("PUT", "/v1/agent/service/register", registration,
				"service:write on '" + registration.name() + "'", ConsulAgentClient::ignoreBody));
	}

	/**
	 * Deregister a service instance from the local agent.
	 * @param serviceId the instance ID
	 * @throws ConsulAgentException if the call fails
	 */
	public void deregisterService(String serviceId) {
		await(sendWrite("PUT", "/v1/agent/service/deregister/" + AgentQuery.segment(serviceId), null,
				"service:write on the service with ID '" + serviceId + "'", ConsulAgentClient::ignoreBody));
	}

	/**
	 * Return the compiled discovery chain of a service.
	 * @param service the service name
	 * @return the chain
	 * @throws ConsulAgentException if the call fails
	 */
	public DiscoveryChain getDiscoveryChain(String service) {
		return query(AgentQuery.discoveryChain(service, null)).value();
	}

	/**
	 * Send a query.
	 * @param <T> the value type
	 * @param query the query
	 * @param index the index to block on, {@code 0} for none
	 * @param hash the content hash to block on, or {@code null}
	 * @param wait the longest time the agent may block, or {@code null} when not blocking
	 * @param timeout the time after which the call fails
	 * @return the answer
	 */
	<T> CompletableFuture<AgentResponse<T>> send(AgentQuery<T> query, long index, @Nullable String hash,
			@Nullable Duration wait, Duration timeout) {
		List<String> parameters = new ArrayList<>(AgentQuery.encodeParameters(query.getParameters()));
		if (query.isScoped()) {
			addScope(parameters);
		}
		if (this.maxStale != null && isServerRead(query)) {
			parameters.add("stale");
			parameters.add("max_stale=" + GoDuration.format(this.maxStale));
		}
		if (index > 0) {
			parameters.add("index=" + index);
		}
		if (hash != null) {
			parameters.add("hash=" + AgentQuery.encode(hash));
		}
		if (wait != null && (index > 0 || hash != null)) {
			parameters.add("wait=" + GoDuration.format(wait));
		}
		String endpoint = query.describe();
		HttpRequest request = request(query.getPath(), parameters, timeout).GET().build();
		CompletableFuture<HttpResponse<byte[]>> exchange = sendAsync(request);
		CompletableFuture<AgentResponse<T>> answer = exchange.handle((response, failure) -> {
			notifyUnreachable(request, failure);
			T notFound = query.getNotFoundValue();
			if (notFound != null && failure == null && response != null && response.statusCode() == 404) {
				return notFoundResponse(response, notFound);
			}
			return handle(request, endpoint, query.getPermission(), response, failure, query::decode, timeout);
		});
		// Cancelling the answer (a watch stopped or giving its connection up) aborts the
		// exchange, which frees its connection at once
		answer.whenComplete((response, failure) -> {
			if (answer.isCancelled()) {
				exchange.cancel(true);
			}
		});
		return answer;
	}

	/**
	 * Whether a query is answered from the servers' state (a catalog, health, config,
	 * discovery-chain or intention read) rather than by the agent itself
	 * ({@code /v1/agent/}), so that Consul's consistency modes apply to it.
	 * @param query the query
	 * @return whether the query is a server read
	 */
	static boolean isServerRead(AgentQuery<?> query) {
		return !query.getPath().startsWith("/v1/agent/");
	}

	/**
	 * Answer a 404 of an endpoint where it means "none" (a config entry that does not
	 * exist): the agent still sends the index to block on.
	 * @param <T> the value type
	 * @param response the 404 response
	 * @param value the value that stands for "none"
	 * @return the answer
	 */
	private static <T> AgentResponse<T> notFoundResponse(HttpResponse<byte[]> response, T value) {
		return new AgentResponse<>(value, headerLong(response, "X-Consul-Index"),
				response.headers().firstValue("X-Consul-ContentHash").orElse(null), null, null);
	}

	private <T> CompletableFuture<T> sendWrite(String method, String path, @Nullable Object body, String permission,
			AgentQuery.Decoder<T> decoder) {
		HttpRequest.Builder builder = request(path, Collections.emptyList(), this.requestTimeout);
		if (body != null) {
			builder.header("Content-Type", "application/json");
			builder.method(method, HttpRequest.BodyPublishers.ofByteArray(AgentJson.MAPPER.writeValueAsBytes(body)));
		}
		else {
			builder.method(method, HttpRequest.BodyPublishers.noBody());
		}
		String endpoint = method + " " + path;
		HttpRequest request = builder.build();
		return sendAsync(request)
			.handle((response, failure) -> handle(request, endpoint, permission, response, failure, decoder,
					this.requestTimeout))
			.thenApply(AgentResponse::value);
	}

	/**
	 * Send a request: over HTTP/1.1 on a connection of its own, over HTTP/2 as a stream
	 * on the first connection with room for it. The agent's HTTP/2 server (Go) allows 250
	 * concurrent streams per connection, and the JDK client fails requests past the limit
	 * ("too many concurrent streams") instead of opening another connection.
	 * @param request the request
	 * @return the response
	 */
	private CompletableFuture<HttpResponse<byte[]>> sendAsync(HttpRequest request) {
		if (this.multiplexed == null) {
			return this.http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
		}
		Lane lane = reserveLane(this.multiplexed);
		CompletableFuture<HttpResponse<byte[]>> exchange = lane.http.sendAsync(request,
				HttpResponse.BodyHandlers.ofByteArray());
		CompletableFuture<HttpResponse<byte[]>> counted = exchange
			.whenComplete((response, failure) -> lane.inFlight.decrementAndGet());
		counted.whenComplete((response, failure) -> {
			if (counted.isCancelled()) {
				exchange.cancel(true);
			}
		});
		return counted;
	}

	private synchronized Lane reserveLane(HttpClient.Builder builder) {
		for (Lane lane : this.lanes) {
			if (lane.inFlight.get() < MAX_STREAMS_PER_CONNECTION) {
				lane.inFlight.incrementAndGet();
				return lane;
			}
		}
		Lane lane = new Lane(builder.build());
		lane.inFlight.incrementAndGet();
		this.lanes.add(lane);
		return lane;
	}

	private void notifyUnreachable(HttpRequest request, @Nullable Throwable failure) {
		Consumer<URI> listener = this.unreachableListener;
		Throwable cause = unwrap(failure);
		if (listener != null && (cause instanceof ConnectException || cause instanceof HttpConnectTimeoutException)) {
			URI uri = request.uri();
			listener.accept(URI.create(uri.getScheme() + "://" + uri.getRawAuthority()));
		}
	}

	private static <T> AgentQuery.Decoder<T> json(Class<T> type) {
		return (bytes) -> AgentJson.MAPPER.readValue(bytes, type);
	}

	private static Boolean ignoreBody(byte[] body) {
		return Boolean.TRUE;
	}

	private HttpRequest.Builder request(String path, List<String> parameters, Duration timeout) {
		Supplier<URI> supplier = this.addressSupplier;
		StringBuilder uri = new StringBuilder(((supplier != null) ? supplier.get() : this.address).toString());
		while (uri.length() > 0 && uri.charAt(uri.length() - 1) == '/') {
			uri.setLength(uri.length() - 1);
		}
		uri.append(path);
		char separator = (path.indexOf('?') >= 0) ? '&' : '?';
		for (String parameter : parameters) {
			uri.append(separator).append(parameter);
			separator = '&';
		}
		HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(uri.toString())).timeout(timeout);
		String current = currentToken();
		if (current != null) {
			builder.header("X-Consul-Token", current);
		}
		return builder;
	}

	private @Nullable String currentToken() {
		Supplier<@Nullable String> supplier = this.tokenSupplier;
		if (supplier == null) {
			return this.token;
		}
		try {
			String supplied = supplier.get();
			return (supplied != null && !supplied.isBlank()) ? supplied.trim() : null;
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

	private void addScope(List<String> parameters) {
		if (this.namespace != null && !this.namespace.isEmpty()) {
			parameters.add("ns=" + AgentQuery.encode(this.namespace));
		}
		if (this.partition != null && !this.partition.isEmpty()) {
			parameters.add("partition=" + AgentQuery.encode(this.partition));
		}
	}

	private <T> AgentResponse<T> handle(HttpRequest request, String endpoint, String permission,
			@Nullable HttpResponse<byte[]> response, @Nullable Throwable failure, AgentQuery.Decoder<T> decoder,
			Duration timeout) {
		// in agentless mode, the server this call went to (the address supplier may have
		// moved on since)
		String address = this.server ? displayAddress(request.uri()) : this.displayAddress;
		if (failure != null || response == null) {
			throw transportFailure(endpoint, address, unwrap(failure), timeout);
		}
		int status = response.statusCode();
		String body = new String(response.body(), StandardCharsets.UTF_8);
		if (status != 200) {
			if (status == 403 && body.contains("ACL not found") && this.unknownTokenListener != null) {
				response.request().headers().firstValue("X-Consul-Token").ifPresent(this.unknownTokenListener);
			}
			throw failure(endpoint, address, status, abbreviate(body), fixFor(status, body, permission), null);
		}
		String notConsul = this.server
				? "check that connect.consul.servers[*].http-address points at a Consul server's HTTP API"
				: "check that the agent address (CONSUL_HTTP_ADDR) points at a Consul agent";
		T value;
		try {
			value = decoder.decode(response.body());
		}
		catch (JacksonException | IllegalArgumentException ex) {
			throw failure(endpoint, address, status,
					"the body could not be decoded (" + withoutSecrets(ex.getMessage()) + ")", notConsul, null);
		}
		if (value == null) {
			throw failure(endpoint, address, status, "the body is empty or JSON null", notConsul, null);
		}
		return new AgentResponse<>(value, headerLong(response, "X-Consul-Index"),
				response.headers().firstValue("X-Consul-ContentHash").orElse(null),
				response.headers().firstValue("X-Cache").map("HIT"::equalsIgnoreCase).orElse(null),
				response.headers().firstValue("Age").map(ConsulAgentClient::seconds).orElse(null));
	}

	/**
	 * Remove what could be key or token material from a decoder message: a body that
	 * cannot be decoded may be a leaf whose private key the decoder quotes. Long runs of
	 * Base64 characters become {@code [...]}; the exception that carried the original
	 * message is not kept as a cause.
	 * @param message the decoder's message
	 * @return the message without such runs
	 */
	static String withoutSecrets(@Nullable String message) {
		return String.valueOf(message).replaceAll("[A-Za-z0-9+/=_-]{16,}", "[...]");
	}

	private ConsulAgentException failure(String endpoint, String address, int status, String consulMessage,
			@Nullable String fix, @Nullable Throwable cause) {
		return new ConsulAgentException(endpoint, address, status, consulMessage, fix, this.server, cause);
	}

	private ConsulAgentException transportFailure(String endpoint, String address, @Nullable Throwable failure,
			Duration timeout) {
		if (failure instanceof ConsulAgentException agentException) {
			return agentException;
		}
		if (failure instanceof HttpTimeoutException) {
			return failure(endpoint, address, 0, "no answer within " + timeout.toMillis() + "ms",
					"check that the " + (this.server ? "server" : "agent") + " is healthy; the client's request "
							+ "timeout sets the limit for calls that do not block",
					failure);
		}
		if (failure instanceof CancellationException) {
			return failure(endpoint, address, 0, "the call was cancelled", null, failure);
		}
		if (failure instanceof SSLException) {
			return failure(endpoint, address, 0, "TLS failure (" + failure.getMessage() + ")", this.server
					? "check the CA the client trusts for the servers (connect.agent.tls.ca-file or CONSUL_CACERT) "
							+ "against the server's HTTPS certificate"
					: "check the CA the client trusts for the agent (CONSUL_CACERT) against the agent's HTTPS certificate",
					failure);
		}
		String message = (failure != null) ? failure.getClass().getSimpleName()
				+ ((failure.getMessage() != null) ? " (" + failure.getMessage() + ")" : "") : "unknown failure";
		String fix = this.server
				? "check that a Consul server's HTTP API listens at " + address
						+ " and that connect.consul.servers[*].http-address points at it"
				: "check that a Consul agent runs at " + address
						+ " and that the agent address (CONSUL_HTTP_ADDR) points at it";
		return failure(endpoint, address, 0, (failure instanceof ConnectException) ? "connection refused" : message,
				fix, failure);
	}

	private @Nullable String fixFor(int status, String body, String permission) {
		if (status == 403) {
			if (body.contains("ACL not found")) {
				return this.server
						? "the ACL token is not known to Consul; use a valid token (connect.agent.token or "
								+ "CONSUL_HTTP_TOKEN) or a login (connect.consul.login.auth-method)"
						: "the ACL token is not known to Consul; use a valid token (CONSUL_HTTP_TOKEN)";
			}
			return this.server
					? "the ACL token (connect.agent.token or CONSUL_HTTP_TOKEN, or the login's service identity) needs "
							+ permission
					: "the ACL token (CONSUL_HTTP_TOKEN) needs " + permission;
		}
		if (status == 429) {
			return "the " + (this.server ? "server" : "agent") + " is rate limiting requests; calls are retried with "
					+ "backoff";
		}
		if (status == 500 && body.contains("CA has not finished initializing")) {
			return "wait until the Consul servers have a leader and the Connect CA is initialised; "
					+ "check that connect { enabled = true } is set on the servers";
		}
		if (status == 500 && body.contains("Connect must be enabled")) {
			return "enable Connect on the Consul servers with connect { enabled = true }";
		}
		return null;
	}

	private static long headerLong(HttpResponse<?> response, String name) {
		return response.headers().firstValue(name).map((value) -> {
			try {
				return Long.parseLong(value.trim());
			}
			catch (NumberFormatException ex) {
				return 0L;
			}
		}).orElse(0L);
	}

	private static @Nullable Duration seconds(String value) {
		try {
			return Duration.ofSeconds(Long.parseLong(value.trim()));
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	private static String abbreviate(String body) {
		String trimmed = body.trim();
		return (trimmed.length() > 500) ? trimmed.substring(0, 500) + "..." : trimmed;
	}

	static @Nullable Throwable unwrap(@Nullable Throwable failure) {
		Throwable current = failure;
		while ((current instanceof CompletionException || current instanceof ExecutionException)
				&& current.getCause() != null) {
			current = current.getCause();
		}
		return current;
	}

	private <T> T await(CompletableFuture<T> future) {
		try {
			return future.get();
		}
		catch (ExecutionException ex) {
			Throwable cause = unwrap(ex);
			if (cause instanceof RuntimeException runtime) {
				throw runtime;
			}
			throw new IllegalStateException(cause);
		}
		catch (InterruptedException ex) {
			future.cancel(true);
			Thread.currentThread().interrupt();
			throw failure("call", this.displayAddress, 0, "interrupted", null, ex);
		}
	}

	private static String displayAddress(URI address) {
		String scheme = (address.getScheme() != null) ? address.getScheme() : "http";
		String host = (address.getHost() != null) ? address.getHost() : String.valueOf(address.getAuthority());
		return scheme + "://" + host + ((address.getPort() >= 0) ? ":" + address.getPort() : "");
	}

	/**
	 * Add a listener told about the failures and recoveries of every {@link Watch} on
	 * this client, in addition to each watch's own listener.
	 * @param listener the listener
	 */
	public void addWatchListener(Watch.Listener listener) {
		this.watchListeners.add(listener);
	}

	List<Watch.Listener> getWatchListeners() {
		return this.watchListeners;
	}

	/**
	 * Return the watches on this client that are running.
	 * @return the running watches, a snapshot
	 */
	public List<Watch<?>> getWatches() {
		return List.copyOf(this.watches);
	}

	/**
	 * Return the connections the watches take turns on, over HTTP/1.1.
	 * @return the slots, or {@code null} over HTTP/2, where watches share connections
	 */
	@Nullable WatchSlots getWatchSlots() {
		return this.watchSlots;
	}

	void watchStarted(Watch<?> watch) {
		this.watches.add(watch);
	}

	void watchStopped(Watch<?> watch) {
		this.watches.remove(watch);
	}

	@Override
	public void close() {
		if (this.ownedExecutor != null) {
			this.ownedExecutor.shutdownNow();
		}
	}

	@Override
	public String toString() {
		return "ConsulAgentClient[address=" + this.displayAddress + ", token="
				+ ((this.token != null || this.tokenSupplier != null) ? "<set>" : "<none>") + "]";
	}

	/**
	 * Builder for {@link ConsulAgentClient}.
	 */
	public static final class Builder {

		private final URI address;

		private @Nullable String token;

		private @Nullable SSLContext sslContext;

		private @Nullable Supplier<@Nullable String> tokenSupplier;

		private @Nullable Consumer<String> unknownTokenListener;

		private @Nullable Supplier<URI> addressSupplier;

		private @Nullable Consumer<URI> unreachableListener;

		private boolean server;

		private @Nullable String namespace;

		private @Nullable String partition;

		private Duration connectTimeout = Duration.ofSeconds(5);

		private Duration requestTimeout = Duration.ofSeconds(30);

		private @Nullable Duration maxStale;

		private @Nullable Executor executor;

		private int maxWatchConnections = DEFAULT_MAX_WATCH_CONNECTIONS;

		private Builder(URI address) {
			Assert.notNull(address, "'address' must not be null");
			Assert.isTrue("http".equals(address.getScheme()) || "https".equals(address.getScheme()),
					() -> "Consul agent address '" + address + "' must start with http:// or https://");
			this.address = address;
		}

		/**
		 * Set the ACL token sent with every call.
		 * @param token the token, or {@code null} for none
		 * @return this builder
		 */
		public Builder token(@Nullable String token) {
			this.token = token;
			return this;
		}

		/**
		 * Set where the ACL token comes from at every call, instead of a fixed
		 * {@link #token(String) token}: a token obtained by logging in changes.
		 * @param tokenSupplier the supplier, answering {@code null} for none
		 * @return this builder
		 */
		public Builder tokenSupplier(@Nullable Supplier<@Nullable String> tokenSupplier) {
			this.tokenSupplier = tokenSupplier;
			return this;
		}

		/**
		 * Set what is told the token a call sent when Consul answers {@code 403 ACL not
		 * found} (the token expired or was revoked).
		 * @param unknownTokenListener the listener
		 * @return this builder
		 */
		public Builder unknownTokenListener(@Nullable Consumer<String> unknownTokenListener) {
			this.unknownTokenListener = unknownTokenListener;
			return this;
		}

		/**
		 * Set where the address of each call comes from, instead of the fixed address:
		 * agentless mode moves to another Consul server when one cannot be reached.
		 * @param addressSupplier the supplier of {@code scheme://host:port}
		 * @return this builder
		 */
		public Builder addressSupplier(@Nullable Supplier<URI> addressSupplier) {
			this.addressSupplier = addressSupplier;
			return this;
		}

		/**
		 * Set what is told the address ({@code scheme://host:port}) of a query that could
		 * not connect (connection refused or connect timeout).
		 * @param unreachableListener the listener
		 * @return this builder
		 */
		public Builder unreachableListener(@Nullable Consumer<URI> unreachableListener) {
			this.unreachableListener = unreachableListener;
			return this;
		}

		/**
		 * Set whether the address (and the {@link #addressSupplier(Supplier) address
		 * supplier}) is a Consul server's HTTP API, in agentless mode, rather than a
		 * client agent's: failures then say "Consul server at" and give agentless advice.
		 * @param server whether the client talks to Consul servers
		 * @return this builder
		 */
		public Builder server(boolean server) {
			this.server = server;
			return this;
		}

		/**
		 * Set the TLS context for an {@code https} agent address.
		 * @param sslContext the context, or {@code null} for the JDK default
		 * @return this builder
		 */
		public Builder sslContext(@Nullable SSLContext sslContext) {
			this.sslContext = sslContext;
			return this;
		}

		/**
		 * Set the namespace sent with calls that take one (Consul Enterprise).
		 * @param namespace the namespace, or {@code null}
		 * @return this builder
		 */
		public Builder namespace(@Nullable String namespace) {
			this.namespace = namespace;
			return this;
		}

		/**
		 * Set the admin partition sent with calls that take one (Consul Enterprise).
		 * @param partition the partition, or {@code null}
		 * @return this builder
		 */
		public Builder partition(@Nullable String partition) {
			this.partition = partition;
			return this;
		}

		/**
		 * Set the TCP connect timeout.
		 * @param connectTimeout the timeout
		 * @return this builder
		 */
		public Builder connectTimeout(Duration connectTimeout) {
			this.connectTimeout = connectTimeout;
			return this;
		}

		/**
		 * Set the timeout of calls that do not block.
		 * @param requestTimeout the timeout
		 * @return this builder
		 */
		public Builder requestTimeout(Duration requestTimeout) {
			this.requestTimeout = requestTimeout;
			return this;
		}

		/**
		 * Let any Consul server answer the server reads (every query outside
		 * {@code /v1/agent/}) from its own state, as long as it heard from the raft
		 * leader within a bound: the queries carry {@code ?stale&max_stale=<bound>}. A
		 * server whose last contact with the leader is older than the bound reads again
		 * from the leader (Consul does this for the health, catalog, discovery-chain and
		 * intention-match endpoints; config entries honour {@code stale} without the
		 * bound). Without it, the default, Consul's default consistency applies: a
		 * follower forwards every read to the leader.
		 * @param maxStale the bound, positive, or {@code null} for Consul's default
		 * consistency
		 * @return this builder
		 */
		public Builder staleReads(@Nullable Duration maxStale) {
			Assert.isTrue(maxStale == null || (!maxStale.isNegative() && !maxStale.isZero()),
					"'maxStale' must be positive");
			this.maxStale = maxStale;
			return this;
		}

		/**
		 * Set how many connections the watches may hold at once over plain HTTP
		 * (HTTP/1.1, one connection per blocking query); past it they take turns.
		 * @param maxWatchConnections the number of connections, at least 1
		 * @return this builder
		 */
		public Builder maxWatchConnections(int maxWatchConnections) {
			Assert.isTrue(maxWatchConnections > 0, "'maxWatchConnections' must be positive");
			this.maxWatchConnections = maxWatchConnections;
			return this;
		}

		/**
		 * Set the executor that completes calls; by default the client owns a pool of
		 * daemon threads.
		 * @param executor the executor
		 * @return this builder
		 */
		public Builder executor(@Nullable Executor executor) {
			this.executor = executor;
			return this;
		}

		/**
		 * Build the client.
		 * @return the client
		 */
		public ConsulAgentClient build() {
			return new ConsulAgentClient(this);
		}

	}

	/**
	 * An HTTP/2 client with its count of requests in flight.
	 *
	 * @param http the client
	 * @param inFlight the requests in flight
	 */
	private record Lane(HttpClient http, AtomicInteger inFlight) {

		Lane(HttpClient http) {
			this(http, new AtomicInteger());
		}

	}

}
