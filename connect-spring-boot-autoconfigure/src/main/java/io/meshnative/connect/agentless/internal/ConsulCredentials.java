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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshnative.connect.agentless.internal.proto.acl.ACLServiceGrpc;
import io.meshnative.connect.agentless.internal.proto.acl.LoginRequest;
import io.meshnative.connect.agentless.internal.proto.acl.LoginResponse;
import io.meshnative.connect.agentless.internal.proto.acl.LogoutRequest;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The ACL token agentless mode sends to the Consul servers: a static token, or one
 * obtained with {@code ACLService.Login} from an auth method and a bearer token file (a
 * Kubernetes service-account token), obtained again when the servers say it is no longer
 * known ({@code ACL not found}: expired or revoked), and deleted with {@code Logout} on
 * close. Tokens never appear in messages or {@link #toString()}.
 *
 * @author connect-spring-boot authors
 */
public final class ConsulCredentials implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(ConsulCredentials.class);

	/**
	 * The gRPC metadata key of the ACL token.
	 */
	static final Metadata.Key<String> TOKEN_KEY = Metadata.Key.of("x-consul-token", Metadata.ASCII_STRING_MARSHALLER);

	private final @Nullable String staticToken;

	private final @Nullable Login login;

	private final AtomicLong logins = new AtomicLong();

	private volatile @Nullable String loginToken;

	private volatile @Nullable String loginAccessor;

	private ConsulCredentials(@Nullable String staticToken, @Nullable Login login) {
		this.staticToken = (staticToken != null && !staticToken.isBlank()) ? staticToken.trim() : null;
		this.login = login;
	}

	/**
	 * Credentials that are a static token.
	 * @param token the token, or {@code null} for none
	 * @return the credentials
	 */
	public static ConsulCredentials ofToken(@Nullable String token) {
		return new ConsulCredentials(token, null);
	}

	/**
	 * Credentials obtained by logging in.
	 * @param servers the servers to log in with
	 * @param authMethod the auth method
	 * @param bearerTokenFile the file with the bearer token, read at every login
	 * @param meta metadata of the tokens created
	 * @return the credentials
	 */
	public static ConsulCredentials login(ConsulServers servers, String authMethod, Path bearerTokenFile,
			Map<String, String> meta) {
		return new ConsulCredentials(null, new Login(servers, authMethod, bearerTokenFile, Map.copyOf(meta)));
	}

	/**
	 * Return whether the token is obtained by logging in (and so can be renewed).
	 * @return whether this logs in
	 */
	public boolean isLogin() {
		return this.login != null;
	}

	/**
	 * Return the current token, logging in first when needed.
	 * @return the token, or {@code null} for none
	 * @throws ConsulLoginException if a login is needed and fails
	 */
	public @Nullable String token() {
		Login method = this.login;
		if (method == null) {
			return this.staticToken;
		}
		String current = this.loginToken;
		if (current != null) {
			return current;
		}
		synchronized (this) {
			current = this.loginToken;
			if (current == null) {
				current = logIn(method);
			}
			return current;
		}
	}

	/**
	 * Return the current token without logging in.
	 * @return the token, or {@code null}
	 */
	public @Nullable String peekToken() {
		return (this.login != null) ? this.loginToken : this.staticToken;
	}

	/**
	 * Say that the servers no longer know a token; with a login, the next
	 * {@link #token()} logs in again. A token other than the current one is ignored (a
	 * newer login replaced it already).
	 * @param token the token the servers refused
	 * @return whether a new login will be made
	 */
	public boolean invalidate(@Nullable String token) {
		if (this.login == null || token == null) {
			return false;
		}
		synchronized (this) {
			if (token.equals(this.loginToken)) {
				this.loginToken = null;
				this.loginAccessor = null;
				logger.info("Consul ACL token from auth method '" + this.login.authMethod()
						+ "' is no longer known to the servers (expired or revoked); logging in again");
				return true;
			}
			return this.loginToken == null;
		}
	}

	/**
	 * Return the number of successful logins.
	 * @return the login count
	 */
	public long getLogins() {
		return this.logins.get();
	}

	private String logIn(Login method) {
		String bearer;
		try {
			bearer = Files.readString(method.bearerTokenFile(), StandardCharsets.UTF_8).trim();
		}
		catch (IOException ex) {
			throw new ConsulLoginException("Could not read the bearer token file " + method.bearerTokenFile()
					+ " (connect.consul.login.bearer-token-file): " + ex.getMessage(), false, ex);
		}
		ManagedChannel channel = method.servers().channel();
		try {
			LoginResponse response = ACLServiceGrpc.newBlockingStub(channel)
				.withDeadlineAfter(10, TimeUnit.SECONDS)
				.login(LoginRequest.newBuilder()
					.setAuthMethod(method.authMethod())
					.setBearerToken(bearer)
					.putAllMeta(method.meta())
					.build());
			String secret = response.getToken().getSecretId();
			this.loginToken = secret;
			this.loginAccessor = response.getToken().getAccessorId();
			this.logins.incrementAndGet();
			logger.info("Logged in to " + method.servers().current().describe() + " with auth method '"
					+ method.authMethod() + "': ACL token accessor " + this.loginAccessor);
			return secret;
		}
		catch (StatusRuntimeException ex) {
			Status.Code code = ex.getStatus().getCode();
			boolean transientFailure = code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED
					|| code == Status.Code.RESOURCE_EXHAUSTED || code == Status.Code.INTERNAL;
			if (code == Status.Code.UNAVAILABLE) {
				method.servers().failover(channel, String.valueOf(ex.getStatus().getDescription()));
			}
			throw new ConsulLoginException("Login with auth method '" + method.authMethod() + "' at "
					+ method.servers().current().describe() + " failed: " + code + " ("
					+ ex.getStatus().getDescription() + "). Fix: check that the auth method exists, that its "
					+ "binding rules match the bearer token in " + method.bearerTokenFile()
					+ " and give a service identity for this service", transientFailure, ex);
		}
	}

	@Override
	public void close() {
		Login method = this.login;
		String token = this.loginToken;
		if (method == null || token == null) {
			return;
		}
		this.loginToken = null;
		try {
			Metadata headers = new Metadata();
			headers.put(TOKEN_KEY, token);
			ACLServiceGrpc.newBlockingStub(method.servers().channel())
				.withDeadlineAfter(5, TimeUnit.SECONDS)
				.withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers))
				.logout(LogoutRequest.newBuilder().setToken(token).build());
			logger.info("Logged out: ACL token accessor " + this.loginAccessor + " deleted");
		}
		catch (RuntimeException ex) {
			logger.warn("Could not log out of Consul (the token expires with its auth method's max token TTL): "
					+ ex.getMessage());
		}
	}

	@Override
	public String toString() {
		return "ConsulCredentials[" + ((this.login != null) ? "login with '" + this.login.authMethod() + "'"
				: ((this.staticToken != null) ? "static token" : "no token")) + "]";
	}

	private record Login(ConsulServers servers, String authMethod, Path bearerTokenFile, Map<String, String> meta) {

	}

}
