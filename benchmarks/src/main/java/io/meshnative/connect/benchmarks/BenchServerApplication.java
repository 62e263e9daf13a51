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

package io.meshnative.connect.benchmarks;

import java.util.Arrays;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;

import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The application every arm serves: {@code GET /bytes} answers 1 KB. Whether it runs
 * plain, with static mTLS or with connect-spring-boot, on Tomcat or on Netty, is decided
 * by the properties {@link BenchRunner} passes on the command line.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
@Import(BenchServerApplication.BytesController.class)
public class BenchServerApplication {

	/**
	 * Size of every response body.
	 */
	public static final int RESPONSE_SIZE = 1024;

	/**
	 * Start the server.
	 * @param args the Spring Boot command-line arguments
	 */
	public static void main(String[] args) {
		SpringApplication.run(BenchServerApplication.class, args);
	}

	/**
	 * Print which TLS implementation Netty uses by default (the runner records it).
	 * @return the runner
	 */
	@Bean
	static ApplicationRunner sslProviderReport() {
		return (args) -> System.out.println("BENCH-NETTY-SSL-PROVIDER " + SslContext.defaultServerProvider() + " "
				+ (OpenSsl.isAvailable() ? OpenSsl.versionString() : "(OpenSSL unavailable)"));
	}

	@RestController
	static class BytesController {

		private final byte[] body = body();

		@GetMapping("/bytes")
		byte[] bytes() {
			return this.body;
		}

		private static byte[] body() {
			byte[] body = new byte[RESPONSE_SIZE];
			Arrays.fill(body, (byte) 'x');
			return body;
		}

	}

}
