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

import java.io.File;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.AbstractStub;
import io.meshnative.connect.agent.internal.AgentQuery;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agent.internal.Watch;
import io.meshnative.connect.agentless.internal.ConsulCredentials;
import io.meshnative.connect.agentless.internal.ConsulServers;
import io.meshnative.connect.agentless.internal.ServerIdentitySource;
import io.meshnative.connect.identity.ConnectIdentityManager;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for agentless mode
 * ({@code connect.consul.mode=agentless}): the service's identity from the Consul
 * servers' gRPC API ({@code ConnectCAService.WatchRoots} and {@code Sign}, with a key
 * generated in the process), an ACL token that is static or obtained by logging in, and
 * the servers' HTTP API for intentions, discovery chains and endpoints. Nothing is
 * registered and no {@code /v1/agent/} endpoint is called.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@AutoConfiguration(before = { ConsulConnectAutoConfiguration.class, ConnectIdentityAutoConfiguration.class })
@ConditionalOnBooleanProperty(name = "connect.enabled", matchIfMissing = true)
@ConditionalOnProperty(name = "connect.consul.mode", havingValue = "agentless")
@ConditionalOnClass({ ManagedChannel.class, NettyChannelBuilder.class, AbstractStub.class, ProtoUtils.class })
@EnableConfigurationProperties(ConsulConnectProperties.class)
public final class ConnectAgentlessAutoConfiguration {

	private static final Log logger = LogFactory.getLog(ConnectAgentlessAutoConfiguration.class);

	ConnectAgentlessAutoConfiguration() {
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	ConsulServers consulServers(ConsulConnectProperties properties, Environment environment,
			ObjectProvider<ClientInterceptor> interceptors) {
		refuseRegistration(environment);
		List<ConsulServers.Server> servers = new ArrayList<>();
		boolean tls = false;
		for (ConsulConnectProperties.Consul.Server server : properties.getConsul().getServers()) {
			servers.add(server(server));
			tls |= isTls(server.getGrpcAddress());
		}
		if (servers.isEmpty()) {
			throw new AgentlessConfigurationException("connect.consul.mode=agentless needs at least one Consul server",
					"Set connect.consul.servers[0].http-address (for example http://consul-server:8500) and "
							+ "connect.consul.servers[0].grpc-address (for example consul-server:8502).");
		}
		File caFile = tls ? grpcCaFile(properties, environment) : null;
		logger.info("Agentless mode: the identity comes from the Consul servers (" + servers.size()
				+ " configured); this application is not registered by connect-spring-boot: the platform registers "
				+ "it (for example consul-k8s, or PUT /v1/catalog/register with a Connect-native service)");
		return new ConsulServers(servers, caFile, interceptors.orderedStream().toList());
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	ConsulCredentials consulCredentials(ConsulConnectProperties properties, ConsulAgentConnectionDetails details,
			ConsulServers servers) {
		ConsulConnectProperties.Consul.Login login = properties.getConsul().getLogin();
		if (StringUtils.hasText(login.getAuthMethod())) {
			return ConsulCredentials.login(servers, login.getAuthMethod().trim(), Path.of(login.getBearerTokenFile()),
					login.getMeta());
		}
		return ConsulCredentials.ofToken(details.getToken());
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	ConsulAgentClient consulAgentClient(ConsulConnectProperties properties, ConsulServers servers,
			ConsulCredentials credentials, Environment environment) {
		ConsulConnectProperties.Agent agent = properties.getAgent();
		if (agent.getWatchWait().compareTo(Watch.MAX_WAIT) > 0) {
			throw new IllegalStateException("connect.agent.watch-wait must be at most " + Watch.MAX_WAIT);
		}
		URI http = servers.getServers().get(0).http();
		SslBundle sslBundle = "https".equals(http.getScheme())
				? PropertiesConsulAgentConnectionDetails.resolveSslBundle(agent.getTls(), environment) : null;
		return ConsulAgentClient.builder(http)
			.server(true)
			.addressSupplier(servers::httpAddress)
			.unreachableListener(servers::httpUnreachable)
			.tokenSupplier(credentials::token)
			.unknownTokenListener(credentials::invalidate)
			.sslContext((sslBundle != null) ? sslBundle.createSslContext() : null)
			.namespace(agent.getNamespace())
			.partition(agent.getPartition())
			.connectTimeout(agent.getConnectTimeout())
			.requestTimeout(agent.getRequestTimeout())
			.maxWatchConnections(agent.getMaxWatchConnections())
			.staleReads(maxStale(properties.getConsul().getStaleReads()))
			.build();
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	ConnectIdentityManager connectIdentityManager(ConsulConnectProperties properties, ConsulServers servers,
			ConsulCredentials credentials, ConsulAgentClient client) {
		String service = properties.getServiceName();
		if (!StringUtils.hasText(service)) {
			throw new MissingServiceNameException();
		}
		String configuredDatacenter = properties.getConsul().getDatacenter();
		ServerIdentitySource source = new ServerIdentitySource(servers, credentials, service.trim(),
				() -> StringUtils.hasText(configuredDatacenter) ? configuredDatacenter.trim() : localDatacenter(client),
				properties.getConsul().getRootChangeSpread(), properties.getAgent().getRequestTimeout());
		ConnectIdentityManager manager = new ConnectIdentityManager(source, service.trim(),
				properties.getAgent().getStartupTimeout());
		try {
			manager.start();
		}
		catch (RuntimeException ex) {
			manager.close();
			throw ex;
		}
		return manager;
	}

	private static @Nullable Duration maxStale(ConsulConnectProperties.Consul.StaleReads staleReads) {
		if (!staleReads.isEnabled()) {
			return null;
		}
		Duration maxStale = staleReads.getMaxStale();
		if (maxStale.isNegative() || maxStale.isZero()) {
			throw new IllegalStateException("connect.consul.stale-reads.max-stale must be positive (it was " + maxStale
					+ "); to read from the leader only, set connect.consul.stale-reads.enabled=false");
		}
		return maxStale;
	}

	private static String localDatacenter(ConsulAgentClient client) {
		List<String> datacenters = client.query(AgentQuery.datacenters()).value();
		if (datacenters.isEmpty()) {
			throw new IllegalStateException("The Consul servers at " + client.getAddress()
					+ " list no datacenter; set connect.consul.datacenter");
		}
		return datacenters.get(0);
	}

	private static void refuseRegistration(Environment environment) {
		boolean consul = environment.getProperty("spring.cloud.consul.enabled", Boolean.class, true);
		boolean discovery = environment.getProperty("spring.cloud.consul.discovery.enabled", Boolean.class, true);
		boolean register = environment.getProperty("spring.cloud.consul.discovery.register", Boolean.class, true);
		if (consul && discovery && register) {
			throw new AgentlessConfigurationException(
					"spring.cloud.consul.discovery.register=true with connect.consul.mode=agentless: Spring Cloud "
							+ "Consul would register the service through the agent API (/v1/agent/service/register), "
							+ "which agentless mode never calls",
					"Remove spring.cloud.consul.discovery.register=true (agentless mode sets it to false by default): "
							+ "the platform registers the service (consul-k8s, or PUT /v1/catalog/register).");
		}
	}

	private static ConsulServers.Server server(ConsulConnectProperties.Consul.Server server) {
		String http = server.getHttpAddress();
		String grpc = server.getGrpcAddress();
		if (!StringUtils.hasText(http) || !StringUtils.hasText(grpc)) {
			throw new AgentlessConfigurationException(
					"Each of connect.consul.servers needs an http-address and a grpc-address",
					"Set both, for example http-address=http://consul-server:8500 and grpc-address=consul-server:8502.");
		}
		URI httpUri = URI.create(http.trim());
		String scheme = String.valueOf(httpUri.getScheme()).toLowerCase(Locale.ROOT);
		if (!scheme.equals("http") && !scheme.equals("https") || httpUri.getHost() == null) {
			throw new AgentlessConfigurationException(
					"Consul server HTTP address '" + http + "' must look like http://host:port or https://host:port",
					"Fix connect.consul.servers[*].http-address.");
		}
		String hostPort = grpc.trim().replaceFirst("^(?i)(https?)://", "");
		URI grpcUri = URI.create("grpc://" + hostPort);
		if (grpcUri.getHost() == null || grpcUri.getPort() < 0) {
			throw new AgentlessConfigurationException(
					"Consul server gRPC address '" + grpc + "' must look like host:port or https://host:port",
					"Fix connect.consul.servers[*].grpc-address (the servers' ports.grpc, 8502, or ports.grpc_tls, "
							+ "8503).");
		}
		return new ConsulServers.Server(httpUri, grpcUri.getHost(), grpcUri.getPort());
	}

	private static boolean isTls(@Nullable String grpcAddress) {
		return grpcAddress != null && grpcAddress.trim().toLowerCase(Locale.ROOT).startsWith("https://");
	}

	private static @Nullable File grpcCaFile(ConsulConnectProperties properties, Environment environment) {
		String[] candidates = { properties.getConsul().getGrpcCaFile(), environment.getProperty("CONSUL_GRPC_CACERT"),
				properties.getAgent().getTls().getCaFile(), environment.getProperty("CONSUL_CACERT") };
		for (String candidate : candidates) {
			if (StringUtils.hasText(candidate)) {
				return new File(candidate.trim());
			}
		}
		return null;
	}

}
