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

import java.util.AbstractList;
import java.util.List;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSessionContext;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolNegotiator;
import io.netty.handler.ssl.SslContext;
import org.jspecify.annotations.Nullable;

/**
 * A client {@link SslContext} for gRPC that offers {@code h2} with ALPN but also accepts
 * a server that selects no protocol. Consul servers' gRPC TLS port
 * ({@code ports.grpc_tls}) speaks HTTP/2 but does not answer ALPN (Consul 1.16 at least;
 * consul-dataplane's Go client disables the check for the same reason), and grpc-java
 * refuses such a server ("Failed ALPN negotiation: Unable to find compatible protocol"),
 * as it checks that the negotiated protocol is one of
 * {@link #applicationProtocolNegotiator() the context's}. A server that selects another
 * protocol is still refused.
 *
 * @author connect-spring-boot authors
 */
final class AlpnOptionalSslContext extends SslContext {

	private final SslContext delegate;

	private final ApplicationProtocolNegotiator negotiator;

	AlpnOptionalSslContext(SslContext delegate) {
		this.delegate = delegate;
		List<String> protocols = List.copyOf(delegate.applicationProtocolNegotiator().protocols());
		List<String> orNone = new AbstractList<>() {

			@Override
			public String get(int index) {
				return protocols.get(index);
			}

			@Override
			public int size() {
				return protocols.size();
			}

			@Override
			public boolean contains(@Nullable Object protocol) {
				return protocol == null || protocols.contains(protocol);
			}

		};
		this.negotiator = () -> orNone;
	}

	@Override
	public boolean isClient() {
		return this.delegate.isClient();
	}

	@Override
	public List<String> cipherSuites() {
		return this.delegate.cipherSuites();
	}

	@Override
	public ApplicationProtocolNegotiator applicationProtocolNegotiator() {
		return this.negotiator;
	}

	@Override
	public SSLEngine newEngine(ByteBufAllocator alloc) {
		return this.delegate.newEngine(alloc);
	}

	@Override
	public SSLEngine newEngine(ByteBufAllocator alloc, String peerHost, int peerPort) {
		return this.delegate.newEngine(alloc, peerHost, peerPort);
	}

	@Override
	public SSLSessionContext sessionContext() {
		return this.delegate.sessionContext();
	}

}
