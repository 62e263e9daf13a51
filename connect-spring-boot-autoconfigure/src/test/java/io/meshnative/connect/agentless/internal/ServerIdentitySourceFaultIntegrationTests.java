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

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.meshnative.connect.agent.internal.CaRoots;
import io.meshnative.connect.agent.internal.LeafCertificate;
import io.meshnative.connect.agentless.internal.proto.connectca.ConnectCAServiceGrpc;
import io.meshnative.connect.agentless.internal.proto.connectca.SignRequest;
import io.meshnative.connect.agentless.internal.proto.connectca.SignResponse;
import io.meshnative.connect.agentless.internal.proto.connectca.WatchRootsRequest;
import io.meshnative.connect.agentless.internal.proto.connectca.WatchRootsResponse;
import io.meshnative.connect.identity.ConnectIdentityException;
import io.meshnative.connect.identity.internal.IdentitySource;
import io.meshnative.connect.test.ConsulAgentExtension;
import io.meshnative.connect.test.TestCertificateAuthority;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Faults of {@link ServerIdentitySource} that a real server does not produce on demand: a
 * gRPC server in front of a real Consul server forwards {@code WatchRoots} and
 * {@code Sign}, and refuses the next {@code Sign} calls with a chosen status, at start-up
 * or at a renewal (a CA root rotation makes the source sign again).
 *
 * @author connect-spring-boot authors
 */
class ServerIdentitySourceFaultIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.dev();

	private final ConcurrentLinkedQueue<Status> refusals = new ConcurrentLinkedQueue<>();

	private final AtomicInteger signs = new AtomicInteger();

	private ManagedChannel real;

	private Server fake;

	@BeforeEach
	void startFakeServer() throws IOException {
		this.real = NettyChannelBuilder.forAddress("127.0.0.1", consul.getAgent().getGrpcPort()).usePlaintext().build();
		this.fake = NettyServerBuilder.forPort(0).addService(new Forwarder()).build().start();
	}

	@AfterEach
	void stopFakeServer() {
		this.fake.shutdownNow();
		this.real.shutdownNow();
	}

	@Test
	void permissionDeniedFailsStartUpWithTheFix() {
		this.refusals.add(Status.PERMISSION_DENIED.withDescription("Permission denied: token lacks service:write"));
		try (ConsulServers servers = servers(this.fake.getPort()); ServerIdentitySource source = source(servers)) {
			assertThatExceptionOfType(ConnectIdentityException.class)
				.isThrownBy(() -> source.load(Duration.ofSeconds(10)))
				.withMessageContaining("PERMISSION_DENIED")
				.withMessageContaining("needs service:write on 'faults'");
		}
		assertThat(this.signs).hasValue(1);
	}

	@Test
	void wrongSpiffeIdFailsStartUp() {
		try (ConsulServers servers = servers(this.fake.getPort());
				ServerIdentitySource source = new ServerIdentitySource(servers, ConsulCredentials.ofToken(null),
						"faults", () -> "dc9", Duration.ZERO, Duration.ofSeconds(5))) {
			assertThatExceptionOfType(ConnectIdentityException.class)
				.isThrownBy(() -> source.load(Duration.ofSeconds(10)))
				.withMessageContaining("INVALID_ARGUMENT")
				.withMessageContaining("different datacenter");
		}
	}

	@Test
	void rateLimitedSignIsRetriedUntilItSucceeds() {
		this.refusals.add(Status.RESOURCE_EXHAUSTED.withDescription("rate limit reached, try again later"));
		this.refusals.add(Status.RESOURCE_EXHAUSTED.withDescription("rate limit reached, try again later"));
		try (ConsulServers servers = servers(this.fake.getPort()); ServerIdentitySource source = source(servers)) {
			IdentitySource.Material material = source.load(Duration.ofSeconds(20));
			assertThat(material.leaf().serviceUri()).endsWith("/svc/faults");
			assertThat(source.getSigns()).isEqualTo(1);
		}
		assertThat(this.signs).hasValue(3);
	}

	@Test
	void unreachableServerIsGivenUpForTheNext() {
		try (ConsulServers servers = servers(1, this.fake.getPort()); ServerIdentitySource source = source(servers)) {
			IdentitySource.Material material = source.load(Duration.ofSeconds(20));
			assertThat(material.roots().roots()).isNotEmpty();
			assertThat(servers.getFailovers()).isGreaterThanOrEqualTo(1);
			assertThat(servers.current().grpcPort()).isEqualTo(this.fake.getPort());
		}
	}

	@Test
	void allServersDownFailsStartUpNamingThem() {
		long started = System.nanoTime();
		try (ConsulServers servers = servers(1, 2); ServerIdentitySource source = source(servers)) {
			assertThatExceptionOfType(ConnectIdentityException.class)
				.isThrownBy(() -> source.load(Duration.ofSeconds(2)))
				.withMessageContaining("127.0.0.1:1, 127.0.0.1:2")
				.withMessageContaining("UNAVAILABLE");
		}
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
	}

	@Test
	void refusedRenewalIsCountedAndRetriedWhileTheLastLeafStays() {
		List<String> rejected = new CopyOnWriteArrayList<>();
		List<LeafCertificate> leaves = new CopyOnWriteArrayList<>();
		try (ConsulServers servers = servers(this.fake.getPort()); ServerIdentitySource source = source(servers)) {
			IdentitySource.Material material = source.load(Duration.ofSeconds(20));
			source.start(new IdentitySource.Listener() {

				@Override
				public void rootsChanged(CaRoots roots) {
				}

				@Override
				public void leafChanged(LeafCertificate leaf) {
					leaves.add(leaf);
				}

				@Override
				public void rejected(String reason) {
					rejected.add(reason);
				}

			});
			this.refusals.add(Status.RESOURCE_EXHAUSTED.withDescription("rate limit reached, try again later"));
			this.refusals.add(Status.RESOURCE_EXHAUSTED.withDescription("rate limit reached, try again later"));
			TestCertificateAuthority ca = TestCertificateAuthority
				.forConsulTrustDomain(consul.getAgent().getTrustDomain());
			Map<String, Object> config = new LinkedHashMap<>(consul.getOperator().getCaConfiguration().config());
			config.put("PrivateKey", ca.getPrivateKeyPem());
			config.put("RootCert", ca.getRootCertPem());
			consul.getOperator().updateCaConfiguration("consul", config);
			await().atMost(Duration.ofSeconds(30)).until(() -> !leaves.isEmpty());
			assertThat(rejected).hasSize(2).allMatch((reason) -> reason.contains("RESOURCE_EXHAUSTED"));
			assertThat(source.getSignFailures()).isEqualTo(2);
			assertThat(leaves.get(0).serialNumber()).isNotEqualTo(material.leaf().serialNumber());
			assertThat(leaves.get(0).privateKey()).isNotEqualTo(material.leaf().privateKey());
		}
	}

	private ServerIdentitySource source(ConsulServers servers) {
		return new ServerIdentitySource(servers, ConsulCredentials.ofToken(null), "faults", () -> "dc1", Duration.ZERO,
				Duration.ofSeconds(5));
	}

	private static ConsulServers servers(int... grpcPorts) {
		List<ConsulServers.Server> servers = new ArrayList<>();
		for (int port : grpcPorts) {
			servers.add(new ConsulServers.Server(URI.create("http://127.0.0.1:1"), "127.0.0.1", port));
		}
		return new ConsulServers(servers, null, Collections.emptyList());
	}

	/**
	 * Forwards to the real server, refusing {@code Sign} while refusals are queued.
	 */
	private final class Forwarder extends ConnectCAServiceGrpc.ConnectCAServiceImplBase {

		@Override
		public void watchRoots(WatchRootsRequest request, StreamObserver<WatchRootsResponse> responseObserver) {
			ConnectCAServiceGrpc.newStub(ServerIdentitySourceFaultIntegrationTests.this.real)
				.watchRoots(request, responseObserver);
		}

		@Override
		public void sign(SignRequest request, StreamObserver<SignResponse> responseObserver) {
			ServerIdentitySourceFaultIntegrationTests.this.signs.incrementAndGet();
			Status refusal = ServerIdentitySourceFaultIntegrationTests.this.refusals.poll();
			if (refusal != null) {
				responseObserver.onError(refusal.asRuntimeException());
				return;
			}
			ConnectCAServiceGrpc.newStub(ServerIdentitySourceFaultIntegrationTests.this.real)
				.sign(request, responseObserver);
		}

	}

}
