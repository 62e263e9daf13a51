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

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.meshnative.connect.authz.ConnectAuthorizer;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.DeprecatedConfigurationProperty;

/**
 * Configuration properties for Consul Connect.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@ConfigurationProperties("connect")
public class ConsulConnectProperties {

	/**
	 * Whether to enable Consul Connect.
	 */
	private boolean enabled = true;

	/**
	 * Name of this service in the mesh; its leaf certificate and SPIFFE ID are issued for
	 * this name.
	 */
	private @Nullable String serviceName;

	private final Agent agent = new Agent();

	private final Consul consul = new Consul();

	private final Inbound inbound = new Inbound();

	private final Authz authz = new Authz();

	/**
	 * Settings per upstream, keyed by upstream (service) name; an upstream needs no entry
	 * here to be called.
	 */
	private final Map<String, Upstream> upstreams = new LinkedHashMap<>();

	/**
	 * HTTP service groups (declared with @ImportHttpServices) bound to mesh upstreams,
	 * keyed by group name, the value being the upstream (service) name: every client of
	 * such a group calls the upstream through its discovery chain over mTLS, as
	 * a @ConnectClient does.
	 */
	private final Map<String, String> httpServiceGroups = new LinkedHashMap<>();

	private final Health health = new Health();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public @Nullable String getServiceName() {
		return this.serviceName;
	}

	public void setServiceName(@Nullable String serviceName) {
		this.serviceName = serviceName;
	}

	public Agent getAgent() {
		return this.agent;
	}

	public Consul getConsul() {
		return this.consul;
	}

	public Inbound getInbound() {
		return this.inbound;
	}

	public Authz getAuthz() {
		return this.authz;
	}

	public Map<String, Upstream> getUpstreams() {
		return this.upstreams;
	}

	public Map<String, String> getHttpServiceGroups() {
		return this.httpServiceGroups;
	}

	public Health getHealth() {
		return this.health;
	}

	/**
	 * Settings of one upstream that take precedence over, or fill in for, what its
	 * discovery chain says.
	 */
	public static class Upstream {

		/**
		 * Datacenter to compile the upstream's discovery chain for, when not the local
		 * agent's.
		 */
		private @Nullable String datacenter;

		/**
		 * Consul Enterprise namespace of the upstream, when not this service's.
		 */
		private @Nullable String namespace;

		/**
		 * Consul Enterprise admin partition of the upstream, when not this service's.
		 */
		private @Nullable String partition;

		/**
		 * Connect timeout to the upstream's instances, overriding the resolver's.
		 */
		private @Nullable Duration connectTimeout;

		/**
		 * Request timeout used when neither the route nor the resolver sets one; 15
		 * seconds (Envoy's default route timeout) if not set either.
		 */
		private @Nullable Duration requestTimeout;

		/**
		 * Load-balancing policy, overriding the resolver's (hash policies still come from
		 * the resolver).
		 */
		private @Nullable LoadBalancerPolicy loadBalancerPolicy;

		/**
		 * Whether an idempotent request (GET, HEAD, OPTIONS, TRACE, PUT, DELETE) whose
		 * connection is reset or closed before any response arrives is sent once more, to
		 * another endpoint. Requests that could not be sent at all (connection or TLS
		 * handshake refused) always go to another endpoint.
		 */
		private boolean retryIdempotentOnReset = true;

		public @Nullable String getDatacenter() {
			return this.datacenter;
		}

		public void setDatacenter(@Nullable String datacenter) {
			this.datacenter = datacenter;
		}

		public @Nullable String getNamespace() {
			return this.namespace;
		}

		public void setNamespace(@Nullable String namespace) {
			this.namespace = namespace;
		}

		public @Nullable String getPartition() {
			return this.partition;
		}

		public void setPartition(@Nullable String partition) {
			this.partition = partition;
		}

		public @Nullable Duration getConnectTimeout() {
			return this.connectTimeout;
		}

		public void setConnectTimeout(@Nullable Duration connectTimeout) {
			this.connectTimeout = connectTimeout;
		}

		public @Nullable Duration getRequestTimeout() {
			return this.requestTimeout;
		}

		public void setRequestTimeout(@Nullable Duration requestTimeout) {
			this.requestTimeout = requestTimeout;
		}

		public @Nullable LoadBalancerPolicy getLoadBalancerPolicy() {
			return this.loadBalancerPolicy;
		}

		public void setLoadBalancerPolicy(@Nullable LoadBalancerPolicy loadBalancerPolicy) {
			this.loadBalancerPolicy = loadBalancerPolicy;
		}

		public boolean isRetryIdempotentOnReset() {
			return this.retryIdempotentOnReset;
		}

		public void setRetryIdempotentOnReset(boolean retryIdempotentOnReset) {
			this.retryIdempotentOnReset = retryIdempotentOnReset;
		}

	}

	/**
	 * Load-balancing policies, as Consul's service-resolver names them.
	 */
	public enum LoadBalancerPolicy {

		/**
		 * Each instance in turn.
		 */
		ROUND_ROBIN,

		/**
		 * An instance chosen at random.
		 */
		RANDOM,

		/**
		 * The less busy of two instances chosen at random.
		 */
		LEAST_REQUEST,

		/**
		 * Consistent hashing on a ring, by the resolver's hash policies.
		 */
		RING_HASH,

		/**
		 * Consistent hashing with Maglev, by the resolver's hash policies.
		 */
		MAGLEV

	}

	/**
	 * Inbound mTLS on the application's server port.
	 */
	public static class Inbound {

		/**
		 * Whether the server port serves mTLS with the service's leaf certificate,
		 * requires a client certificate and authorizes every caller.
		 */
		private boolean enabled = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

	/**
	 * Authorization of callers with Consul intentions.
	 */
	public static class Authz {

		/**
		 * No longer used: decisions are computed locally from the watched intentions.
		 */
		private Duration cacheTtl = Duration.ofSeconds(10);

		/**
		 * What to decide while the intentions for this service are not known (not read
		 * yet, or the ACL token may not read them) and, when no intention matches, while
		 * the default decision is not known.
		 */
		private ConnectAuthorizer.FailureMode failureMode = ConnectAuthorizer.FailureMode.DENY;

		@Deprecated(since = "0.1.0", forRemoval = true)
		@DeprecatedConfigurationProperty(
				reason = "Decisions are computed locally from the watched intentions; nothing is cached for a time")
		public Duration getCacheTtl() {
			return this.cacheTtl;
		}

		@Deprecated(since = "0.1.0", forRemoval = true)
		public void setCacheTtl(Duration cacheTtl) {
			this.cacheTtl = cacheTtl;
		}

		public ConnectAuthorizer.FailureMode getFailureMode() {
			return this.failureMode;
		}

		public void setFailureMode(ConnectAuthorizer.FailureMode failureMode) {
			this.failureMode = failureMode;
		}

	}

	/**
	 * The Connect health indicator.
	 */
	public static class Health {

		/**
		 * How close to its expiry the leaf certificate makes the health OUT_OF_SERVICE.
		 * The agent renews a leaf between 60% and 90% of its lifetime, so a leaf this
		 * close to expiry means renewal is failing; keep it below 10% of the CA's leaf
		 * TTL.
		 */
		private Duration leafExpiryWarning = Duration.ofMinutes(5);

		/**
		 * How long every call to the agent may fail before the health reports it in the
		 * 'agent' detail (the status stays UP while the leaf is valid).
		 */
		private Duration agentUnreachableThreshold = Duration.ofMinutes(1);

		public Duration getLeafExpiryWarning() {
			return this.leafExpiryWarning;
		}

		public void setLeafExpiryWarning(Duration leafExpiryWarning) {
			this.leafExpiryWarning = leafExpiryWarning;
		}

		public Duration getAgentUnreachableThreshold() {
			return this.agentUnreachableThreshold;
		}

		public void setAgentUnreachableThreshold(Duration agentUnreachableThreshold) {
			this.agentUnreachableThreshold = agentUnreachableThreshold;
		}

	}

	/**
	 * How the application reaches Consul: through the local agent, or straight to the
	 * servers (agentless mode).
	 */
	public static class Consul {

		/**
		 * Whether to talk to the local Consul agent ('agent') or only to the Consul
		 * servers ('agentless', for meshes without client agents, such as consul-k8s with
		 * consul-dataplane). Agentless mode needs grpc-netty, grpc-protobuf and grpc-stub
		 * on the class path and never registers the service.
		 */
		private Mode mode = Mode.AGENT;

		/**
		 * Consul servers to use in agentless mode, tried in order; a server that cannot
		 * be reached is given up for the next.
		 */
		private final List<Server> servers = new ArrayList<>();

		/**
		 * Datacenter of the servers, named in the SPIFFE ID of the leaf certificate. When
		 * not set, the first datacenter the servers list (their own).
		 */
		private @Nullable String datacenter;

		/**
		 * PEM file of the CA that signed the servers' gRPC TLS certificates, for gRPC
		 * addresses that start with 'https://'. When not set, CONSUL_GRPC_CACERT, else
		 * the HTTP CA file (connect.agent.tls.ca-file or CONSUL_CACERT).
		 */
		private @Nullable String grpcCaFile;

		/**
		 * Longest random delay between a change of the active CA root and the request for
		 * a leaf signed by the new root; spreads the load on the servers.
		 */
		private Duration rootChangeSpread = Duration.ofSeconds(30);

		private final Login login = new Login();

		private final StaleReads staleReads = new StaleReads();

		public Mode getMode() {
			return this.mode;
		}

		public void setMode(Mode mode) {
			this.mode = mode;
		}

		public List<Server> getServers() {
			return this.servers;
		}

		public @Nullable String getDatacenter() {
			return this.datacenter;
		}

		public void setDatacenter(@Nullable String datacenter) {
			this.datacenter = datacenter;
		}

		public @Nullable String getGrpcCaFile() {
			return this.grpcCaFile;
		}

		public void setGrpcCaFile(@Nullable String grpcCaFile) {
			this.grpcCaFile = grpcCaFile;
		}

		public Duration getRootChangeSpread() {
			return this.rootChangeSpread;
		}

		public void setRootChangeSpread(Duration rootChangeSpread) {
			this.rootChangeSpread = rootChangeSpread;
		}

		public Login getLogin() {
			return this.login;
		}

		public StaleReads getStaleReads() {
			return this.staleReads;
		}

		/**
		 * How the application reaches Consul.
		 */
		public enum Mode {

			/**
			 * Through the local Consul agent.
			 */
			AGENT,

			/**
			 * Only through the Consul servers' HTTP and gRPC APIs.
			 */
			AGENTLESS

		}

		/**
		 * A Consul server.
		 */
		public static class Server {

			/**
			 * HTTP API address of the server, 'http://host:8500' or 'https://host:8501'.
			 */
			private @Nullable String httpAddress;

			/**
			 * gRPC address of the server, 'host:8502' (plaintext) or 'https://host:8503'
			 * (TLS).
			 */
			private @Nullable String grpcAddress;

			public @Nullable String getHttpAddress() {
				return this.httpAddress;
			}

			public void setHttpAddress(@Nullable String httpAddress) {
				this.httpAddress = httpAddress;
			}

			public @Nullable String getGrpcAddress() {
				return this.grpcAddress;
			}

			public void setGrpcAddress(@Nullable String grpcAddress) {
				this.grpcAddress = grpcAddress;
			}

		}

		/**
		 * Login with a Consul auth method, instead of a static ACL token.
		 */
		public static class Login {

			/**
			 * Consul auth method to log in with (for example a Kubernetes or JWT auth
			 * method). When set, the ACL token comes from ACLService.Login instead of
			 * connect.agent.token.
			 */
			private @Nullable String authMethod;

			/**
			 * File holding the bearer token presented to the auth method, read at every
			 * login.
			 */
			private String bearerTokenFile = "/var/run/secrets/kubernetes.io/serviceaccount/token";

			/**
			 * Metadata set on the ACL tokens created by the login.
			 */
			private final Map<String, String> meta = new LinkedHashMap<>();

			public @Nullable String getAuthMethod() {
				return this.authMethod;
			}

			public void setAuthMethod(@Nullable String authMethod) {
				this.authMethod = authMethod;
			}

			public String getBearerTokenFile() {
				return this.bearerTokenFile;
			}

			public void setBearerTokenFile(String bearerTokenFile) {
				this.bearerTokenFile = bearerTokenFile;
			}

			public Map<String, String> getMeta() {
				return this.meta;
			}

		}

		/**
		 * Consistency of the HTTP reads from the servers in agentless mode (health,
		 * discovery chains, intentions, config entries).
		 */
		public static class StaleReads {

			/**
			 * Whether, in agentless mode, any Consul server may answer the HTTP reads
			 * from its own state ('?stale') instead of forwarding them to the raft
			 * leader; the reads then spread over the servers, as consul-dataplane's do.
			 * Agent mode never sends it.
			 */
			private boolean enabled = true;

			/**
			 * Longest time since a server last heard from the raft leader for its own
			 * state to answer a stale read ('?max_stale'); past it, Consul reads again
			 * from the leader.
			 */
			private Duration maxStale = Duration.ofSeconds(10);

			public boolean isEnabled() {
				return this.enabled;
			}

			public void setEnabled(boolean enabled) {
				this.enabled = enabled;
			}

			public Duration getMaxStale() {
				return this.maxStale;
			}

			public void setMaxStale(Duration maxStale) {
				this.maxStale = maxStale;
			}

		}

	}

	/**
	 * Connection to the local Consul agent.
	 */
	public static class Agent {

		/**
		 * Address of the local Consul agent, 'http://host:port' or 'https://host:port'.
		 * When not set, the CONSUL_HTTP_ADDR environment variable, else
		 * 'http://127.0.0.1:8500'.
		 */
		private @Nullable String address;

		/**
		 * ACL token sent to the agent as X-Consul-Token. When not set, the content of
		 * 'token-file', else of the file named by CONSUL_HTTP_TOKEN_FILE, else the
		 * CONSUL_HTTP_TOKEN environment variable.
		 */
		private @Nullable String token;

		/**
		 * File holding the ACL token, read once at start-up.
		 */
		private @Nullable String tokenFile;

		/**
		 * Consul Enterprise namespace sent with calls that take one.
		 */
		private @Nullable String namespace;

		/**
		 * Consul Enterprise admin partition sent with calls that take one.
		 */
		private @Nullable String partition;

		/**
		 * Timeout for opening a connection to the agent.
		 */
		private Duration connectTimeout = Duration.ofSeconds(5);

		/**
		 * Timeout for agent calls that do not block.
		 */
		private Duration requestTimeout = Duration.ofSeconds(30);

		/**
		 * Longest time the agent may hold a blocking query (at most 10m, the agent's
		 * max_query_time).
		 */
		private Duration watchWait = Duration.ofMinutes(5);

		/**
		 * Most connections the blocking queries may hold at once when the agent is
		 * reached over plain HTTP (one connection per query); past it they take turns
		 * with a 1s wait. Keep it below the agent's limits.http_max_conns_per_client (200
		 * by default), shared by every process at this address. Over HTTPS, HTTP/2
		 * carries every query on one connection and this does not apply.
		 */
		private int maxWatchConnections = 150;

		/**
		 * Longest time start-up may wait for the service's roots and leaf certificate
		 * from the agent.
		 */
		private Duration startupTimeout = Duration.ofSeconds(30);

		private final Tls tls = new Tls();

		public @Nullable String getAddress() {
			return this.address;
		}

		public void setAddress(@Nullable String address) {
			this.address = address;
		}

		public @Nullable String getToken() {
			return this.token;
		}

		public void setToken(@Nullable String token) {
			this.token = token;
		}

		public @Nullable String getTokenFile() {
			return this.tokenFile;
		}

		public void setTokenFile(@Nullable String tokenFile) {
			this.tokenFile = tokenFile;
		}

		public @Nullable String getNamespace() {
			return this.namespace;
		}

		public void setNamespace(@Nullable String namespace) {
			this.namespace = namespace;
		}

		public @Nullable String getPartition() {
			return this.partition;
		}

		public void setPartition(@Nullable String partition) {
			this.partition = partition;
		}

		public Duration getConnectTimeout() {
			return this.connectTimeout;
		}

		public void setConnectTimeout(Duration connectTimeout) {
			this.connectTimeout = connectTimeout;
		}

		public Duration getRequestTimeout() {
			return this.requestTimeout;
		}

		public void setRequestTimeout(Duration requestTimeout) {
			this.requestTimeout = requestTimeout;
		}

		public int getMaxWatchConnections() {
			return this.maxWatchConnections;
		}

		public void setMaxWatchConnections(int maxWatchConnections) {
			this.maxWatchConnections = maxWatchConnections;
		}

		public Duration getWatchWait() {
			return this.watchWait;
		}

		public void setWatchWait(Duration watchWait) {
			this.watchWait = watchWait;
		}

		public Duration getStartupTimeout() {
			return this.startupTimeout;
		}

		public void setStartupTimeout(Duration startupTimeout) {
			this.startupTimeout = startupTimeout;
		}

		public Tls getTls() {
			return this.tls;
		}

		@Override
		public String toString() {
			return "Agent[address=" + this.address + ", token=" + ((this.token != null) ? "<set>" : "<none>") + "]";
		}

	}

	/**
	 * TLS for an 'https' agent address (the link to the agent only, not the mesh).
	 */
	public static class Tls {

		/**
		 * PEM file of the CA that signed the agent's HTTPS certificate. When not set,
		 * CONSUL_CACERT, else the JDK's default trust store.
		 */
		private @Nullable String caFile;

		/**
		 * PEM client certificate for agents that verify incoming connections. When not
		 * set, CONSUL_CLIENT_CERT.
		 */
		private @Nullable String certFile;

		/**
		 * PEM private key of the client certificate. When not set, CONSUL_CLIENT_KEY.
		 */
		private @Nullable String keyFile;

		public @Nullable String getCaFile() {
			return this.caFile;
		}

		public void setCaFile(@Nullable String caFile) {
			this.caFile = caFile;
		}

		public @Nullable String getCertFile() {
			return this.certFile;
		}

		public void setCertFile(@Nullable String certFile) {
			this.certFile = certFile;
		}

		public @Nullable String getKeyFile() {
			return this.keyFile;
		}

		public void setKeyFile(@Nullable String keyFile) {
			this.keyFile = keyFile;
		}

	}

}
