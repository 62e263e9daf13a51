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

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.meshnative.connect.agent.internal.CaRoots;
import io.meshnative.connect.agent.internal.LeafCertificate;
import io.meshnative.connect.agentless.internal.proto.connectca.CARoot;
import io.meshnative.connect.agentless.internal.proto.connectca.ConnectCAServiceGrpc;
import io.meshnative.connect.agentless.internal.proto.connectca.SignRequest;
import io.meshnative.connect.agentless.internal.proto.connectca.SignResponse;
import io.meshnative.connect.agentless.internal.proto.connectca.WatchRootsRequest;
import io.meshnative.connect.agentless.internal.proto.connectca.WatchRootsResponse;
import io.meshnative.connect.identity.ConnectIdentityException;
import io.meshnative.connect.identity.internal.IdentitySource;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The service's identity from the Consul servers: roots from the
 * {@code ConnectCAService.WatchRoots} stream (opened again with backoff when it ends,
 * keeping the last roots meanwhile), the leaf from {@code ConnectCAService.Sign} with a
 * CSR for the service's SPIFFE ID and a key pair generated here, a new one for every
 * leaf. The leaf is renewed at a random moment between 60 % and 90 % of its lifetime (the
 * rule of Consul's agent, {@code agent/leafcert/util.go}), and again within a random
 * delay after the active root changes. A renewal that fails is logged, counted and
 * retried with backoff while the last leaf keeps serving. The servers and the credentials
 * belong to the caller, who closes them.
 *
 * @author connect-spring-boot authors
 */
public final class ServerIdentitySource implements IdentitySource {

	private static final Log logger = LogFactory.getLog(ServerIdentitySource.class);

	private static final long MIN_BACKOFF_MILLIS = 500;

	private static final long MAX_BACKOFF_MILLIS = 30_000;

	private final ConsulServers servers;

	private final ConsulCredentials credentials;

	private final String service;

	private final Supplier<String> datacenter;

	private final Duration rootChangeSpread;

	private final Duration requestTimeout;

	private final ScheduledExecutorService scheduler;

	private final CompletableFuture<CaRoots> firstRoots = new CompletableFuture<>();

	private final AtomicLong signs = new AtomicLong();

	private final AtomicLong signFailures = new AtomicLong();

	private final AtomicLong rootStreams = new AtomicLong();

	private final Object lock = new Object();

	private final Object pause = new Object();

	private volatile @Nullable CaRoots roots;

	private volatile @Nullable LeafCertificate leaf;

	private volatile @Nullable String leafRootId;

	private volatile @Nullable Listener listener;

	private volatile @Nullable String lastRootsError;

	private volatile boolean closed;

	private @Nullable String resolvedDatacenter;

	private Context.@Nullable CancellableContext rootsContext;

	private long rootsBackoffMillis = MIN_BACKOFF_MILLIS;

	private long signBackoffMillis = MIN_BACKOFF_MILLIS;

	private long signGeneration;

	/**
	 * Create a new instance.
	 * @param servers the servers
	 * @param credentials the ACL token
	 * @param service the service name
	 * @param datacenter the datacenter of the servers, asked for once, at the first sign
	 * @param rootChangeSpread the longest random delay between a change of the active
	 * root and the new leaf
	 * @param requestTimeout the deadline of a {@code Sign} call
	 */
	public ServerIdentitySource(ConsulServers servers, ConsulCredentials credentials, String service,
			Supplier<String> datacenter, Duration rootChangeSpread, Duration requestTimeout) {
		this.servers = servers;
		this.credentials = credentials;
		this.service = service;
		this.datacenter = datacenter;
		this.rootChangeSpread = rootChangeSpread;
		this.requestTimeout = requestTimeout;
		ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, (runnable) -> {
			Thread thread = new Thread(runnable, "connect-agentless-identity");
			thread.setDaemon(true);
			return thread;
		});
		executor.setRemoveOnCancelPolicy(true);
		this.scheduler = executor;
	}

	@Override
	public Material load(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		openRootsStream();
		CaRoots first = awaitFirstRoots(deadline, timeout);
		LeafCertificate signed = signAtStart(first, deadline, timeout);
		return new Material(first, signed);
	}

	@Override
	public void start(Listener listener) {
		this.listener = listener;
		CaRoots current = this.roots;
		CaRoots loaded = this.firstRoots.getNow(null);
		if (current != null && current != loaded) {
			rootsReceived(current);
		}
		scheduleRenewal();
	}

	@Override
	public String describe() {
		return this.servers.describe();
	}

	/**
	 * Return the number of leaves signed.
	 * @return the sign count
	 */
	public long getSigns() {
		return this.signs.get();
	}

	/**
	 * Return the number of failed {@code Sign} calls after start.
	 * @return the failure count
	 */
	public long getSignFailures() {
		return this.signFailures.get();
	}

	/**
	 * Return how many {@code WatchRoots} streams were opened.
	 * @return the stream count
	 */
	public long getRootStreams() {
		return this.rootStreams.get();
	}

	@Override
	public void close() {
		this.closed = true;
		Context.CancellableContext context;
		synchronized (this.lock) {
			context = this.rootsContext;
			this.rootsContext = null;
		}
		if (context != null) {
			context.cancel(null);
		}
		this.scheduler.shutdownNow();
	}

	private CaRoots awaitFirstRoots(long deadline, Duration timeout) {
		try {
			return this.firstRoots.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
		}
		catch (TimeoutException ex) {
			throw new ConnectIdentityException("Could not get the Connect CA roots of service '" + this.service
					+ "' from " + describe() + " within " + timeout.toSeconds() + "s (connect.agent.startup-timeout): "
					+ this.lastRootsError
					+ ". Fix: check connect.consul.servers (the servers' gRPC port, 8502 by default, 8503 with TLS) "
					+ "and that the servers are up", ex);
		}
		catch (ExecutionException ex) {
			throw new ConnectIdentityException(
					"Could not get the Connect CA roots from " + describe() + ": " + String.valueOf(ex.getMessage()),
					ex.getCause());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new ConnectIdentityException("Interrupted while loading the Connect identity", ex);
		}
	}

	private LeafCertificate signAtStart(CaRoots roots, long deadline, Duration timeout) {
		long delay = MIN_BACKOFF_MILLIS;
		while (true) {
			SignFailure failure;
			try {
				return sign(roots);
			}
			catch (SignFailure ex) {
				failure = ex;
			}
			if (!failure.transientFailure) {
				throw new ConnectIdentityException(String.valueOf(failure.getMessage()), failure.getCause());
			}
			long remaining = deadline - System.nanoTime();
			if (remaining <= 0) {
				throw new ConnectIdentityException(failure.getMessage() + " (still failing after " + timeout.toSeconds()
						+ "s, connect.agent.startup-timeout)", failure.getCause());
			}
			logger.debug("Connect leaf not signed yet, retrying in " + delay + "ms: " + failure.getMessage());
			try {
				synchronized (this.pause) {
					this.pause.wait(Math.max(1, Math.min(delay, TimeUnit.NANOSECONDS.toMillis(remaining) + 1)));
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new ConnectIdentityException("Interrupted while loading the Connect identity", ex);
			}
			delay = Math.min(delay * 2, 4000);
		}
	}

	private String datacenter() {
		synchronized (this.lock) {
			String known = this.resolvedDatacenter;
			if (known == null) {
				known = this.datacenter.get();
				this.resolvedDatacenter = known;
			}
			return known;
		}
	}

	private LeafCertificate sign(CaRoots roots) {
		String dc;
		try {
			dc = datacenter();
		}
		catch (RuntimeException ex) {
			throw new SignFailure("Could not learn the datacenter of " + describe() + " from /v1/catalog/datacenters ("
					+ ex.getMessage() + "). Fix: check connect.consul.servers[*].http-address, or set "
					+ "connect.consul.datacenter", true, ex);
		}
		URI spiffeId = URI.create("spiffe://" + roots.trustDomain() + "/ns/default/dc/" + dc + "/svc/" + this.service);
		KeyPair keyPair = CertificateSigningRequests.newKeyPair();
		String csr = CertificateSigningRequests.pem(keyPair, spiffeId);
		ManagedChannel channel = this.servers.channel();
		String token;
		try {
			token = this.credentials.token();
		}
		catch (ConsulLoginException ex) {
			throw new SignFailure(String.valueOf(ex.getMessage()), ex.isTransient(), ex);
		}
		SignResponse response;
		try {
			response = ConnectCAServiceGrpc.newBlockingStub(channel)
				.withInterceptors(new TokenInterceptor(token))
				.withDeadlineAfter(this.requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
				.sign(SignRequest.newBuilder().setCsr(csr).build());
		}
		catch (StatusRuntimeException ex) {
			throw signFailure(ex, channel, token, spiffeId);
		}
		LeafCertificate signed = leafCertificate(response.getCertPem(), keyPair, spiffeId);
		this.signs.incrementAndGet();
		this.leaf = signed;
		this.leafRootId = roots.activeRootId();
		logger.info("Connect leaf signed by " + this.servers.current().describe() + " for " + spiffeId + ", serial "
				+ signed.serialNumber() + ", valid until " + signed.validBefore());
		return signed;
	}

	private SignFailure signFailure(StatusRuntimeException ex, ManagedChannel channel, @Nullable String token,
			URI spiffeId) {
		Status status = ex.getStatus();
		String prefix = "Consul server " + this.servers.current().describe() + " refused to sign a leaf for " + spiffeId
				+ ": " + status.getCode() + " (" + status.getDescription() + ")";
		return switch (status.getCode()) {
			case PERMISSION_DENIED ->
				new SignFailure(prefix + ". Fix: the ACL token needs service:write on '" + this.service
						+ "' (a service identity for it, or 'service \"" + this.service + "\" { policy = \"write\" }')",
						false, ex);
			case INVALID_ARGUMENT -> new SignFailure(prefix
					+ ". Fix: the SPIFFE ID must name the servers' trust domain and datacenter (connect.consul.datacenter)",
					false, ex);
			case UNAUTHENTICATED -> {
				boolean renewed = this.credentials.invalidate(token);
				yield new SignFailure(prefix + (renewed ? "; logging in again"
						: ". Fix: the ACL token is not known to Consul; use a valid token (connect.agent.token or "
								+ "CONSUL_HTTP_TOKEN) or log in with connect.consul.login.auth-method"),
						renewed, ex);
			}
			case RESOURCE_EXHAUSTED -> new SignFailure(
					prefix + ". The servers limit the signing rate (CA csr_max_per_second); retrying with backoff",
					true, ex);
			case UNAVAILABLE -> {
				this.servers.failover(channel, String.valueOf(status.getDescription()));
				yield new SignFailure(prefix + "; trying the next server", true, ex);
			}
			case FAILED_PRECONDITION -> new SignFailure(
					prefix + ". Fix: enable Connect on the servers (connect { enabled = true })", false, ex);
			default -> new SignFailure(prefix, true, ex);
		};
	}

	private LeafCertificate leafCertificate(String certPem, KeyPair keyPair, URI spiffeId) {
		X509Certificate certificate;
		try {
			certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
				.generateCertificate(new ByteArrayInputStream(certPem.getBytes(StandardCharsets.US_ASCII)));
		}
		catch (CertificateException | RuntimeException ex) {
			throw new SignFailure("Consul server " + this.servers.current().describe()
					+ " answered Sign with a certificate that cannot be parsed: " + ex.getMessage(), true, ex);
		}
		return new LeafCertificate(serial(certificate.getSerialNumber()), certPem, keyPair.getPrivate(), this.service,
				spiffeId.toString(), certificate.getNotBefore().toInstant(), certificate.getNotAfter().toInstant(), 0,
				0);
	}

	private static String serial(BigInteger serial) {
		byte[] bytes = serial.toByteArray();
		StringBuilder text = new StringBuilder();
		for (int i = (bytes.length > 1 && bytes[0] == 0) ? 1 : 0; i < bytes.length; i++) {
			if (text.length() > 0) {
				text.append(':');
			}
			text.append(String.format("%02x", bytes[i] & 0xff));
		}
		return text.toString();
	}

	private void scheduleRenewal() {
		LeafCertificate current = this.leaf;
		if (current == null || this.closed) {
			return;
		}
		Instant after = current.validAfter();
		Instant before = current.validBefore();
		long delay = 0;
		if (after != null && before != null) {
			long lifetime = Duration.between(after, before).toMillis();
			long soft = after.toEpochMilli() + lifetime * 6 / 10;
			long hard = after.toEpochMilli() + lifetime * 9 / 10;
			long now = System.currentTimeMillis();
			long from = Math.max(now, soft);
			delay = (now >= hard) ? 0 : (from - now) + ThreadLocalRandom.current().nextLong(Math.max(1, hard - from));
		}
		scheduleSign(delay, "renewal");
	}

	private void scheduleSign(long delayMillis, String why) {
		long generation;
		synchronized (this.lock) {
			generation = ++this.signGeneration;
		}
		if (this.closed) {
			return;
		}
		logger.debug("Connect leaf " + why + " in " + delayMillis + "ms");
		this.scheduler.schedule(() -> renew(generation, why), delayMillis, TimeUnit.MILLISECONDS);
	}

	private void renew(long generation, String why) {
		synchronized (this.lock) {
			if (generation != this.signGeneration || this.closed) {
				return;
			}
		}
		CaRoots current = this.roots;
		if (current == null) {
			return;
		}
		try {
			LeafCertificate signed = sign(current);
			this.signBackoffMillis = MIN_BACKOFF_MILLIS;
			Listener target = this.listener;
			if (target != null) {
				target.leafChanged(signed);
			}
			scheduleRenewal();
		}
		catch (RuntimeException ex) {
			this.signFailures.incrementAndGet();
			long delay = jitter(this.signBackoffMillis);
			this.signBackoffMillis = Math.min(this.signBackoffMillis * 2, MAX_BACKOFF_MILLIS);
			Listener target = this.listener;
			if (target != null) {
				target.rejected("leaf " + why + " failed, retrying in " + delay + "ms: " + ex.getMessage());
			}
			scheduleSign(delay, why + " (retry)");
		}
	}

	private void openRootsStream() {
		if (this.closed) {
			return;
		}
		this.rootStreams.incrementAndGet();
		ManagedChannel channel = this.servers.channel();
		String token;
		try {
			token = this.credentials.token();
		}
		catch (ConsulLoginException ex) {
			this.lastRootsError = ex.getMessage();
			scheduleRootsStream(ex.getMessage());
			return;
		}
		Context.CancellableContext context = Context.current().withCancellation();
		synchronized (this.lock) {
			this.rootsContext = context;
		}
		context.run(() -> ConnectCAServiceGrpc.newStub(channel)
			.withInterceptors(new TokenInterceptor(token))
			.watchRoots(WatchRootsRequest.getDefaultInstance(), new RootsObserver(channel, token, context)));
	}

	private void scheduleRootsStream(@Nullable String reason) {
		if (this.closed) {
			return;
		}
		long delay = jitter(this.rootsBackoffMillis);
		this.rootsBackoffMillis = Math.min(this.rootsBackoffMillis * 2, MAX_BACKOFF_MILLIS);
		Listener target = this.listener;
		if (target != null) {
			target.rejected("the WatchRoots stream ended (" + reason + "); opening it again in " + delay
					+ "ms, keeping the last roots");
		}
		try {
			this.scheduler.schedule(this::openRootsStream, delay, TimeUnit.MILLISECONDS);
		}
		catch (RuntimeException ex) {
			logger.debug("WatchRoots not reopened: " + ex.getMessage());
		}
	}

	private void rootsReceived(CaRoots received) {
		CaRoots previous = this.roots;
		this.roots = received;
		this.rootsBackoffMillis = MIN_BACKOFF_MILLIS;
		this.firstRoots.complete(received);
		Listener target = this.listener;
		if (target == null) {
			return;
		}
		if (previous == null || !previous.equals(received)) {
			target.rootsChanged(received);
		}
		String signedBy = this.leafRootId;
		if (signedBy != null && !signedBy.equals(received.activeRootId())) {
			long spread = this.rootChangeSpread.toMillis();
			long delay = (spread > 0) ? ThreadLocalRandom.current().nextLong(spread) : 0;
			logger.info("Connect CA active root changed to " + received.activeRootId()
					+ "; the leaf is signed again in " + delay + "ms");
			this.leafRootId = received.activeRootId();
			scheduleSign(delay, "after a root change");
		}
	}

	private static CaRoots toRoots(WatchRootsResponse response) {
		List<CaRoots.Root> roots = new ArrayList<>();
		for (CARoot root : response.getRootsList()) {
			roots.add(new CaRoots.Root(root.getId(), root.getName(),
					BigInteger.valueOf(root.getSerialNumber()).and(new BigInteger("FFFFFFFFFFFFFFFF", 16)),
					root.getSigningKeyId(), "", null, null, root.getRootCert(), root.getIntermediateCertsList(),
					root.getActive(), "", 0, 0, 0));
		}
		return new CaRoots(response.getActiveRootId(), response.getTrustDomain(), roots);
	}

	private static long jitter(long millis) {
		return millis / 2 + ThreadLocalRandom.current().nextLong(Math.max(1, millis / 2));
	}

	/**
	 * Describe a TLS failure among the causes of a gRPC failure, with the fix: gRPC
	 * reports an untrusted server certificate as {@code UNAVAILABLE} with an
	 * uninformative description.
	 * @param failure the failure
	 * @return the text to append, empty when no TLS failure is among the causes
	 */
	static String tlsProblem(@Nullable Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof javax.net.ssl.SSLException
					|| cause instanceof java.security.cert.CertificateException) {
				return "; the TLS handshake with the server failed (" + cause.getMessage() + "): "
						+ "connect.consul.grpc-ca-file (or CONSUL_GRPC_CACERT) must name the CA that signed the "
						+ "servers' gRPC certificate";
			}
			if (cause.getCause() == cause) {
				break;
			}
		}
		return "";
	}

	/**
	 * Follows one {@code WatchRoots} stream.
	 */
	private final class RootsObserver implements StreamObserver<WatchRootsResponse> {

		private final ManagedChannel channel;

		private final @Nullable String token;

		private final Context.CancellableContext context;

		RootsObserver(ManagedChannel channel, @Nullable String token, Context.CancellableContext context) {
			this.channel = channel;
			this.token = token;
			this.context = context;
		}

		@Override
		public void onNext(WatchRootsResponse response) {
			try {
				rootsReceived(toRoots(response));
			}
			catch (RuntimeException ex) {
				Listener target = ServerIdentitySource.this.listener;
				if (target != null) {
					target.rejected("unusable roots from WatchRoots: " + ex.getMessage());
				}
			}
		}

		@Override
		public void onError(Throwable failure) {
			if (ServerIdentitySource.this.closed || this.context.isCancelled() && failure == null) {
				return;
			}
			Status status = Status.fromThrowable(failure);
			String reason = status.getCode() + " (" + status.getDescription() + ") from "
					+ ServerIdentitySource.this.servers.current().describe() + tlsProblem(failure);
			ServerIdentitySource.this.lastRootsError = reason;
			if (status.getCode() == Status.Code.UNAUTHENTICATED) {
				ServerIdentitySource.this.credentials.invalidate(this.token);
			}
			if (status.getCode() == Status.Code.UNAVAILABLE) {
				ServerIdentitySource.this.servers.failover(this.channel, reason);
			}
			if (status.getCode() == Status.Code.UNAUTHENTICATED && !ServerIdentitySource.this.credentials.isLogin()) {
				ServerIdentitySource.this.firstRoots.completeExceptionally(
						new IllegalStateException(reason + ". Fix: the ACL token is not known to Consul; use a valid "
								+ "token (connect.agent.token or CONSUL_HTTP_TOKEN)"));
			}
			scheduleRootsStream(reason);
		}

		@Override
		public void onCompleted() {
			if (!ServerIdentitySource.this.closed) {
				scheduleRootsStream("closed by " + ServerIdentitySource.this.servers.current().describe());
			}
		}

	}

	/**
	 * Sends the ACL token as {@code x-consul-token}.
	 */
	private static final class TokenInterceptor implements ClientInterceptor {

		private final @Nullable String token;

		TokenInterceptor(@Nullable String token) {
			this.token = token;
		}

		@Override
		public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions callOptions,
				Channel next) {
			return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {

				@Override
				public void start(Listener<R> responseListener, Metadata headers) {
					if (TokenInterceptor.this.token != null) {
						headers.put(ConsulCredentials.TOKEN_KEY, TokenInterceptor.this.token);
					}
					super.start(responseListener, headers);
				}

			};
		}

	}

	/**
	 * A {@code Sign} that failed.
	 */
	private static final class SignFailure extends RuntimeException {

		private final boolean transientFailure;

		SignFailure(String message, boolean transientFailure, @Nullable Throwable cause) {
			super(message, cause);
			this.transientFailure = transientFailure;
		}

	}

}
