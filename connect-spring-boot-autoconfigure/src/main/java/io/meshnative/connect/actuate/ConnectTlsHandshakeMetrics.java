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

package io.meshnative.connect.actuate;

import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.util.Locale;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import org.jspecify.annotations.Nullable;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;

/**
 * Counts failed TLS handshakes of the Netty server
 * ({@code connect.tls.handshake.failures} tagged with a bounded {@code reason}), from the
 * {@link SslHandshakeCompletionEvent} that Netty's {@code SslHandler} fires. Embedded
 * Tomcat performs the handshake inside its endpoint without a hook, so it has no
 * equivalent.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConnectTlsHandshakeMetrics implements NettyServerCustomizer {

	private static final String HANDLER_NAME = "connect.tlsHandshakeMetrics";

	private final MeterRegistry registry;

	private final Handler handler = new Handler();

	/**
	 * Create a new instance.
	 * @param registry the registry of the counter
	 */
	public ConnectTlsHandshakeMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	@Override
	public HttpServer apply(HttpServer server) {
		return server.doOnChannelInit((observer, channel, remoteAddress) -> {
			ChannelPipeline pipeline = channel.pipeline();
			if (pipeline.get(NettyPipeline.SslHandler) != null && pipeline.get(HANDLER_NAME) == null) {
				pipeline.addAfter(NettyPipeline.SslHandler, HANDLER_NAME, this.handler);
			}
		});
	}

	void failed(Throwable cause) {
		Counter.builder("connect.tls.handshake.failures")
			.description("Failed inbound TLS handshakes")
			.tag("reason", reason(cause))
			.register(this.registry)
			.increment();
	}

	/**
	 * Return a bounded reason for a failed handshake.
	 * @param cause what the handshake failed with
	 * @return the reason
	 */
	static String reason(Throwable cause) {
		if (cause instanceof NotSslRecordException) {
			return "not-tls";
		}
		if (cause instanceof SslHandshakeTimeoutException) {
			return "timeout";
		}
		if (cause instanceof ClosedChannelException) {
			return "closed";
		}
		if (hasCause(cause, CertificateExpiredException.class)) {
			return "expired-certificate";
		}
		if (hasCause(cause, CertPathValidatorException.class)) {
			return "untrusted-certificate";
		}
		String message = messages(cause);
		if (message.contains("empty client certificate chain") || message.contains("null cert chain")) {
			return "no-client-certificate";
		}
		if (message.contains("pkix") || message.contains("certification path")) {
			return "untrusted-certificate";
		}
		if (message.contains("received fatal alert")) {
			return "rejected-by-peer";
		}
		if (message.contains("protocol") || message.contains("cipher")) {
			return "protocol";
		}
		return "other";
	}

	private static boolean hasCause(Throwable failure, Class<? extends Throwable> type) {
		for (@Nullable
		Throwable current = failure; current != null; current = next(current)) {
			if (type.isInstance(current)) {
				return true;
			}
		}
		return false;
	}

	private static String messages(Throwable failure) {
		StringBuilder text = new StringBuilder();
		for (@Nullable
		Throwable current = failure; current != null; current = next(current)) {
			text.append(current.getMessage()).append(' ');
		}
		return text.toString().toLowerCase(Locale.ROOT);
	}

	private static @Nullable Throwable next(Throwable current) {
		Throwable cause = current.getCause();
		return (cause != current) ? cause : null;
	}

	@ChannelHandler.Sharable
	private final class Handler extends ChannelInboundHandlerAdapter {

		@Override
		public void userEventTriggered(ChannelHandlerContext context, Object event) throws Exception {
			if (event instanceof SslHandshakeCompletionEvent completion) {
				if (!completion.isSuccess()) {
					failed(completion.cause());
				}
				context.fireUserEventTriggered(event);
				context.pipeline().remove(this);
				return;
			}
			context.fireUserEventTriggered(event);
		}

	}

}
