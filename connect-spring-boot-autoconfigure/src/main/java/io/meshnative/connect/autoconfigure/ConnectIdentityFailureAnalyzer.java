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

import java.net.http.HttpTimeoutException;

import javax.net.ssl.SSLException;

import io.meshnative.connect.agent.internal.ConsulAgentException;
import io.meshnative.connect.identity.ConnectIdentityException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a start-up that failed because the service's identity could not be loaded from
 * the Consul agent: the agent was unreachable, refused the ACL token (403), kept failing
 * until {@code connect.agent.startup-timeout}, or returned unusable material. In
 * agentless mode ({@code connect.consul.mode=agentless}) the HTTP calls go to the Consul
 * servers ({@link ConsulAgentException#isServer()}): the explanation names the server and
 * gives agentless advice.
 *
 * @author connect-spring-boot authors
 */
class ConnectIdentityFailureAnalyzer extends AbstractFailureAnalyzer<ConnectIdentityException> {

	private static final String TIMEOUT = "connect.agent.startup-timeout";

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, ConnectIdentityException cause) {
		ConsulAgentException agentFailure = findCause(cause, ConsulAgentException.class);
		String message = String.valueOf(cause.getMessage());
		int fix = message.indexOf(". Fix: ");
		if (agentFailure == null && fix >= 0) {
			// agentless mode: the message says what the servers answered and what to do
			return new FailureAnalysis(
					"Consul Connect could not load this service's identity: " + message.substring(0, fix + 1),
					message.substring(fix + ". Fix: ".length()), cause);
		}
		if (agentFailure == null) {
			return new FailureAnalysis("Consul Connect could not load this service's identity: " + cause.getMessage(),
					"Check the Consul agent's Connect CA ('consul connect ca get-config') and its logs; the "
							+ "certificate and key it returns for this service must be valid PEM for this service.",
					cause);
		}
		if (agentFailure.isServer()) {
			return analyzeServerFailure(cause, agentFailure);
		}
		String address = agentFailure.getAgentAddress();
		if (agentFailure.getStatus() == 403) {
			return new FailureAnalysis(
					"The Consul agent at " + address + " refused the ACL token: " + agentFailure.getEndpoint()
							+ " answered HTTP 403 (" + agentFailure.getConsulMessage().trim() + ").",
					"Give the token in connect.agent.token (or CONSUL_HTTP_TOKEN / connect.agent.token-file) a "
							+ "policy with service:write on this service, for example 'service \""
							+ service(agentFailure) + "\" { policy = \"write\" }', or use a token that has one."
							+ fix(agentFailure),
					cause);
		}
		if (agentFailure.isUnreachable() && !timedOut(agentFailure)) {
			return new FailureAnalysis(
					"Consul Connect could not reach the Consul agent at " + address + " to load this service's "
							+ "identity (" + agentFailure.getConsulMessage() + ").",
					"Start a Consul agent with Connect enabled at " + address + ", or point the application at "
							+ "yours with connect.agent.address (or CONSUL_HTTP_ADDR). Start-up waits for the agent "
							+ "up to " + TIMEOUT + "." + settings(agentFailure),
					cause);
		}
		if (agentFailure.isUnreachable() || agentFailure.getStatus() >= 500 || agentFailure.getStatus() == 429) {
			return new FailureAnalysis(
					"The Consul agent at " + address + " did not deliver this service's identity within " + TIMEOUT
							+ ": " + agentFailure.getMessage(),
					"Check that the agent's Connect CA is initialised and its servers have a leader ('consul "
							+ "operator raft list-peers', the agent's logs), or raise " + TIMEOUT + "."
							+ settings(agentFailure),
					cause);
		}
		return new FailureAnalysis("Consul Connect could not load this service's identity: " + cause.getMessage(),
				"Fix what the Consul agent reported above." + fix(agentFailure) + settings(agentFailure), cause);
	}

	private FailureAnalysis analyzeServerFailure(ConnectIdentityException cause, ConsulAgentException serverFailure) {
		String address = serverFailure.getAgentAddress();
		if (serverFailure.getStatus() == 403) {
			return new FailureAnalysis(
					"The Consul server at " + address + " refused the ACL token: " + serverFailure.getEndpoint()
							+ " answered HTTP 403 (" + serverFailure.getConsulMessage().trim() + ").",
					"Give the token (connect.agent.token, CONSUL_HTTP_TOKEN, or the one connect.consul.login obtains) "
							+ "service:write on this service plus read on services and nodes: a static token with a "
							+ "policy such as 'service \"<service>\" { policy = \"write\" }', or a login whose "
							+ "binding rule gives the token a service identity for the service."
							+ serverFix(serverFailure),
					cause);
		}
		if (serverFailure.isUnreachable() && !timedOut(serverFailure)) {
			return new FailureAnalysis(
					"Consul Connect could not reach the Consul server at " + address + " to load this service's "
							+ "identity (" + serverFailure.getConsulMessage() + ").",
					"Check connect.consul.servers[*].http-address (a Consul server's HTTP API, port 8500 by default, "
							+ "8501 with HTTPS): agentless mode talks to the servers only, there is no local agent. "
							+ "Start-up waits for the servers up to " + TIMEOUT + "." + datacenter(serverFailure)
							+ serverSettings(serverFailure),
					cause);
		}
		if (serverFailure.isUnreachable() || serverFailure.getStatus() >= 500 || serverFailure.getStatus() == 429) {
			return new FailureAnalysis(
					"The Consul server at " + address + " did not deliver this service's identity within " + TIMEOUT
							+ ": " + serverFailure.getMessage(),
					"Check that the servers have a leader and their Connect CA is initialised ('consul operator "
							+ "raft list-peers', the servers' logs), or raise " + TIMEOUT + "."
							+ serverSettings(serverFailure),
					cause);
		}
		return new FailureAnalysis("Consul Connect could not load this service's identity: " + cause.getMessage(),
				"Fix what the Consul server reported above." + serverFix(serverFailure) + serverSettings(serverFailure),
				cause);
	}

	private static String datacenter(ConsulAgentException failure) {
		return failure.getEndpoint().contains("/v1/catalog/datacenters")
				? " The call asked for the datacenter: connect.consul.datacenter spares it, but intentions, "
						+ "discovery chains and endpoints come from the same HTTP API."
				: "";
	}

	private String serverSettings(ConsulAgentException failure) {
		if (findCause(failure, SSLException.class) != null) {
			return " The servers' HTTPS trust is set with connect.agent.tls.* (or CONSUL_CACERT).";
		}
		if (timedOut(failure)) {
			return " connect.agent.request-timeout sets the limit for calls that do not block.";
		}
		if (!failure.isUnreachable() && failure.getStatus() == 200) {
			return " Check that connect.consul.servers[*].http-address points at a Consul server's HTTP API.";
		}
		return "";
	}

	private static String serverFix(ConsulAgentException failure) {
		String fix = failure.getFix();
		return (fix != null) ? " The HTTP client suggests: " + fix + "." : "";
	}

	private boolean timedOut(ConsulAgentException failure) {
		return findCause(failure, HttpTimeoutException.class) != null;
	}

	private static String service(ConsulAgentException failure) {
		String endpoint = failure.getEndpoint();
		int leaf = endpoint.indexOf("/ca/leaf/");
		return (leaf >= 0) ? endpoint.substring(leaf + "/ca/leaf/".length()) : "<service>";
	}

	/**
	 * Return the settings of this starter behind the agent client's advice, which names
	 * only Consul's own environment variables.
	 * @param failure the agent failure
	 * @return the advice, empty when no setting applies
	 */
	private String settings(ConsulAgentException failure) {
		if (findCause(failure, SSLException.class) != null) {
			return " The agent's TLS trust is set with connect.agent.tls.* (or CONSUL_CACERT).";
		}
		if (timedOut(failure)) {
			return " connect.agent.request-timeout sets the limit for calls that do not block.";
		}
		if (!failure.isUnreachable() && failure.getStatus() == 200) {
			return " Check that connect.agent.address (or CONSUL_HTTP_ADDR) points at a Consul agent.";
		}
		return "";
	}

	private static String fix(ConsulAgentException failure) {
		String fix = failure.getFix();
		return (fix != null) ? " The agent client suggests: " + fix + "." : "";
	}

}
