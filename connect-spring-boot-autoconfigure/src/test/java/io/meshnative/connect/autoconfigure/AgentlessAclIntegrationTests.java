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

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.grpc.ClientInterceptor;
import io.meshnative.connect.agent.internal.ConsulAgentClient;
import io.meshnative.connect.agentless.internal.ConsulCredentials;
import io.meshnative.connect.authz.ConnectCaller;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.test.ConsulAgentExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Agentless mode with ACLs (default deny) and a JWT auth method whose key the test holds:
 * the application logs in with a JWT the test signs, gets a service identity and its
 * leaf, and when its token is revoked mid-run (deleted with the management token) it logs
 * in again while a light load sees no failed request. The gRPC methods used are exactly
 * {@code WatchRoots}, {@code Sign}, {@code Login} and {@code Logout}.
 *
 * @author connect-spring-boot authors
 */
class AgentlessAclIntegrationTests {

	@RegisterExtension
	static final ConsulAgentExtension consul = ConsulAgentExtension.devWithAcl();

	private static final String SERVICE = "agentless-acl";

	private static final String TESTER = "agentless-acl-tester";

	private static final Set<String> grpcMethods = ConcurrentHashMap.newKeySet();

	private static final Pattern ACCESSOR = Pattern.compile("\"AccessorID\":\\s*\"([^\"]+)\"");

	@Test
	void logsInGetsItsLeafAndLogsInAgainWhenTheTokenIsRevoked(@TempDir Path directory) throws Exception {
		KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
		generator.initialize(new ECGenParameterSpec("secp256r1"));
		KeyPair key = generator.generateKeyPair();
		createJwtAuthMethod(key);
		Path jwt = Files.writeString(directory.resolve("token"), jwt(key), StandardCharsets.UTF_8);
		consul.getOperator()
			.putConfigEntry(Map.of("Kind", "service-intentions", "Name", SERVICE, "Sources",
					List.of(Map.of("Name", TESTER, "Action", "allow"))));
		MeshTestClient tester;
		try (ConsulAgentClient client = ConsulAgentClient.builder(consul.getAddress())
			.token(consul.getToken())
			.build()) {
			tester = MeshTestClient.of(client.getLeafCertificate(TESTER), client.getCaRoots());
		}
		try (ConfigurableApplicationContext app = new SpringApplicationBuilder(Backend.class)
			.web(WebApplicationType.SERVLET)
			.properties(MeshApplications.properties(consul.getAddress(), SERVICE, MeshApplications.NO_REGISTRATION,
					"connect.consul.mode=agentless", "connect.consul.servers[0].http-address=" + consul.getAddress(),
					"connect.consul.servers[0].grpc-address=127.0.0.1:" + consul.getAgent().getGrpcPort(),
					"connect.consul.login.auth-method=test-jwt", "connect.consul.login.bearer-token-file=" + jwt))
			.run()) {
			ConsulCredentials credentials = app.getBean(ConsulCredentials.class);
			assertThat(credentials.getLogins()).isEqualTo(1);
			assertThat(app.getBean(ConnectIdentityManager.class).getIdentity().getSpiffeId())
				.endsWith("/svc/" + SERVICE);
			int port = MeshApplications.port(app);
			try (MeshLoad load = new MeshLoad(tester, port, "/hello", 2, (response) -> response.status() == 200)
				.start()) {
				await().atMost(Duration.ofSeconds(20)).until(() -> load.answered.get() >= 20);
				String accessor = loginTokenAccessor();
				long revoked = System.nanoTime();
				consul.getAgent().request("DELETE", "/v1/acl/token/" + accessor, null);
				await().atMost(Duration.ofSeconds(30)).until(() -> credentials.getLogins() >= 2);
				long relogin = System.nanoTime() - revoked;
				assertThat(loginTokenAccessor()).isNotEqualTo(accessor);
				long answered = load.answered.get();
				await().atMost(Duration.ofSeconds(20)).until(() -> load.answered.get() >= answered + 20);
				load.stop();
				System.out.println("agentless revoke_to_login_ms=" + Duration.ofNanos(relogin).toMillis() + " requests="
						+ load.answered.get() + " failed=" + load.failures.size());
				assertThat(load.failures).isEmpty();
			}
			assertThat(tester.get(port, "/hello").status()).isEqualTo(200);
		}
		assertThat(consul.getAgent().request("GET", "/v1/acl/tokens?authmethod=test-jwt", null))
			.doesNotContain("AccessorID");
		assertThat(grpcMethods).containsExactlyInAnyOrder("hashicorp.consul.connectca.ConnectCAService/WatchRoots",
				"hashicorp.consul.connectca.ConnectCAService/Sign", "hashicorp.consul.acl.ACLService/Login",
				"hashicorp.consul.acl.ACLService/Logout");
	}

	private static String loginTokenAccessor() {
		Matcher matcher = ACCESSOR
			.matcher(consul.getAgent().request("GET", "/v1/acl/tokens?authmethod=test-jwt", null));
		assertThat(matcher.find()).isTrue();
		return matcher.group(1);
	}

	private static void createJwtAuthMethod(KeyPair key) {
		String publicKey = "-----BEGIN PUBLIC KEY-----\\n"
				+ Base64.getEncoder().encodeToString(key.getPublic().getEncoded()) + "\\n-----END PUBLIC KEY-----\\n";
		consul.getAgent().request("PUT", "/v1/acl/auth-method", """
				{"Name": "test-jwt", "Type": "jwt",
				 "Config": {"JWTValidationPubKeys": ["%s"], "BoundAudiences": ["consul"],
				            "ClaimMappings": {"service": "service"}}}
				""".formatted(publicKey));
		consul.getAgent().request("PUT", "/v1/acl/binding-rule", """
				{"AuthMethod": "test-jwt", "BindType": "service", "BindName": "${value.service}"}
				""");
	}

	private static String jwt(KeyPair key) throws Exception {
		Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
		long now = Instant.now().getEpochSecond();
		String header = encoder.encodeToString("{\"alg\":\"ES256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
		String claims = encoder.encodeToString(
				("{\"sub\":\"" + SERVICE + "\",\"service\":\"" + SERVICE + "\",\"aud\":\"consul\",\"iat\":" + now
						+ ",\"nbf\":" + (now - 5) + ",\"exp\":" + (now + 3600) + "}")
					.getBytes(StandardCharsets.UTF_8));
		Signature signer = Signature.getInstance("SHA256withECDSAinP1363Format");
		signer.initSign(key.getPrivate());
		signer.update((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
		return header + "." + claims + "." + encoder.encodeToString(signer.sign());
	}

	/**
	 * Answers with the caller's SPIFFE ID and records the gRPC methods it calls.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@RestController
	static class Backend {

		@Bean
		ClientInterceptor recordingInterceptor() {
			return new GrpcMethodRecorder(grpcMethods);
		}

		@GetMapping("/hello")
		Map<String, String> hello(ConnectCaller caller) {
			return Map.of("caller", caller.spiffeId());
		}

	}

}
