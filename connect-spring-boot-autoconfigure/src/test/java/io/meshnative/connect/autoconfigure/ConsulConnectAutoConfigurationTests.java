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

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.meshnative.connect.agent.internal.ConsulAgentClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ConsulConnectAutoConfiguration}, with no agent: the agent client is
 * created but not called. {@link AgentConnectionIntegrationTests} calls a real one.
 *
 * @author connect-spring-boot authors
 */
class ConsulConnectAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ConsulConnectAutoConfiguration.class));

	@Test
	void defaultsToTheLocalAgent() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(ConsulAgentClient.class);
			assertThat(context.getBean(ConsulAgentConnectionDetails.class).getAddress())
				.isEqualTo(URI.create("http://127.0.0.1:8500"));
			assertThat(context.getBean(ConsulAgentConnectionDetails.class).getToken()).isNull();
		});
	}

	@Test
	void consulEnvironmentVariablesAreHonoured() {
		this.contextRunner
			.withPropertyValues("CONSUL_HTTP_ADDR=10.1.2.3:8501", "CONSUL_HTTP_SSL=true", "CONSUL_HTTP_TOKEN=env-token")
			.run((context) -> {
				ConsulAgentConnectionDetails details = context.getBean(ConsulAgentConnectionDetails.class);
				assertThat(details.getAddress()).isEqualTo(URI.create("https://10.1.2.3:8501"));
				assertThat(details.getToken()).isEqualTo("env-token");
			});
	}

	@Test
	void propertiesWinOverEnvironmentVariables() {
		this.contextRunner
			.withPropertyValues("CONSUL_HTTP_ADDR=10.1.2.3:8501", "CONSUL_HTTP_TOKEN=env-token",
					"connect.agent.address=http://agent.local:8500", "connect.agent.token=property-token")
			.run((context) -> {
				ConsulAgentConnectionDetails details = context.getBean(ConsulAgentConnectionDetails.class);
				assertThat(details.getAddress()).isEqualTo(URI.create("http://agent.local:8500"));
				assertThat(details.getToken()).isEqualTo("property-token");
				assertThat(details.toString()).doesNotContain("property-token");
				assertThat(context.getBean(ConsulAgentClient.class).toString()).doesNotContain("property-token");
			});
	}

	@Test
	void tokenFileIsReadAndTrimmed(@TempDir Path directory) throws IOException {
		Path file = directory.resolve("token");
		Files.writeString(file, "  file-token\n", StandardCharsets.UTF_8);
		this.contextRunner.withPropertyValues("CONSUL_HTTP_TOKEN=env-token", "CONSUL_HTTP_TOKEN_FILE=" + file)
			.run((context) -> assertThat(context.getBean(ConsulAgentConnectionDetails.class).getToken())
				.isEqualTo("file-token"));
	}

	@Test
	void unixSocketAddressFailsWithAClearMessage() {
		this.contextRunner.withPropertyValues("CONSUL_HTTP_ADDR=unix:///var/run/consul.sock")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("unix:///var/run/consul.sock")
				.hasMessageContaining("CONSUL_HTTP_ADDR")
				.hasMessageContaining("not supported"));
	}

	@Test
	void watchWaitAboveTheAgentMaximumFails() {
		this.contextRunner.withPropertyValues("connect.agent.watch-wait=11m")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("connect.agent.watch-wait"));
	}

	@Test
	void backsOffFromUserConnectionDetails() {
		this.contextRunner.withUserConfiguration(CustomConnectionDetailsConfiguration.class).run((context) -> {
			assertThat(context).doesNotHaveBean(PropertiesConsulAgentConnectionDetails.class);
			assertThat(context.getBean(ConsulAgentClient.class).getAddress())
				.isEqualTo(URI.create("http://custom:8500"));
		});
	}

	@Test
	void backsOffFromUserClient() {
		this.contextRunner.withUserConfiguration(CustomClientConfiguration.class)
			.run((context) -> assertThat(context.getBean(ConsulAgentClient.class).getAddress())
				.isEqualTo(URI.create("http://user-client:8500")));
	}

	@Test
	void disabledByProperty() {
		this.contextRunner.withPropertyValues("connect.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ConsulAgentClient.class));
	}

	@Test
	void importsFileIsSortedAndListsOnlyAutoConfigurations() throws Exception {
		List<String> lines = new ArrayList<>();
		try (InputStream in = new ClassPathResource(
				"META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports")
			.getInputStream()) {
			for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
				if (!line.isBlank()) {
					lines.add(line.trim());
				}
			}
		}
		assertThat(lines).isNotEmpty().isSorted();
		for (String line : lines) {
			assertThat(Class.forName(line).isAnnotationPresent(AutoConfiguration.class)).as(line).isTrue();
		}
	}

	@Test
	void configurationMetadataDescribesTheAgentProperties() throws Exception {
		String metadata;
		try (InputStream in = new ClassPathResource("META-INF/spring-configuration-metadata.json").getInputStream()) {
			metadata = new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		assertThat(metadata).contains("\"connect.agent.address\"", "\"connect.agent.token\"",
				"\"connect.agent.tls.ca-file\"", "\"connect.service-name\"", "\"connect.enabled\"");
	}

	@Configuration(proxyBeanMethods = false)
	static class CustomConnectionDetailsConfiguration {

		@Bean
		ConsulAgentConnectionDetails customConnectionDetails() {
			return new ConsulAgentConnectionDetails() {

				@Override
				public URI getAddress() {
					return URI.create("http://custom:8500");
				}

				@Override
				public String getToken() {
					return "custom";
				}

			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CustomClientConfiguration {

		@Bean
		ConsulAgentClient userClient() {
			return ConsulAgentClient.builder(URI.create("http://user-client:8500")).build();
		}

	}

}
