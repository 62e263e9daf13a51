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

package io.meshnative.connect.authz.reactive;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLPeerUnverifiedException;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import org.jspecify.annotations.Nullable;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServerRequest;

import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;

/**
 * Reads the request target of a request served by Reactor Netty exactly as it appeared on
 * the request line, and the certificates its caller presented on the connection (kept
 * apart so that {@link ConnectAuthorizationWebFilter} loads without Reactor Netty).
 *
 * @author connect-spring-boot authors
 */
final class ReactorNettyRequests {

	/**
	 * The request Spring's {@code ReactorHttpHandlerAdapter} makes of a Reactor Netty
	 * request (package-private in Spring).
	 */
	private static final String REACTOR_REQUEST = "org.springframework.http.server.reactive.ReactorServerHttpRequest";

	private static final X509Certificate[] NONE = {};

	private ReactorNettyRequests() {
	}

	/**
	 * Return the certificates the caller presented on the connection of a request exactly
	 * as the server made it, read from the connection's {@code SSLSession} as Spring's
	 * {@code ReactorServerHttpRequest.initSslInfo()} reads them, without building
	 * Spring's {@code DefaultSslInfo}, which formats the session ID as hex on every
	 * request (4.6% of the server's CPU samples on a kept-alive 1 KB GET).
	 * @param request the request
	 * @return the certificates, leaf first; empty when there is no TLS or the caller
	 * presented none; {@code null} when the request is not the one the server made (a
	 * decorated or mutated request may carry another {@code SslInfo}: read that instead)
	 */
	static X509Certificate @Nullable [] peerCertificates(ServerHttpRequest request) {
		if (!REACTOR_REQUEST.equals(request.getClass().getName())
				|| !(ServerHttpRequestDecorator.getNativeRequest(request) instanceof Connection connection)) {
			return null;
		}
		Channel channel = connection.channel();
		SslHandler sslHandler = channel.pipeline().get(SslHandler.class);
		if (sslHandler == null && channel.parent() != null) {
			sslHandler = channel.parent().pipeline().get(SslHandler.class);
		}
		if (sslHandler == null) {
			return NONE;
		}
		Certificate[] certificates;
		try {
			certificates = sslHandler.engine().getSession().getPeerCertificates();
		}
		catch (SSLPeerUnverifiedException ex) {
			return NONE;
		}
		int count = 0;
		for (Certificate certificate : certificates) {
			count += (certificate instanceof X509Certificate) ? 1 : 0;
		}
		X509Certificate[] chain = new X509Certificate[count];
		int i = 0;
		for (Certificate certificate : certificates) {
			if (certificate instanceof X509Certificate x509) {
				chain[i++] = x509;
			}
		}
		return chain;
	}

	/**
	 * Return the request target of a request as its request line carried it.
	 * @param request the request
	 * @return the request target, {@code null} when Reactor Netty does not serve it
	 */
	static @Nullable String requestTarget(ServerHttpRequest request) {
		Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
		return (nativeRequest instanceof HttpServerRequest serverRequest) ? serverRequest.uri() : null;
	}

}
