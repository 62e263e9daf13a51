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

package io.meshnative.connect.authz;

import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Collections;

import io.meshnative.connect.identity.ConnectIdentityManager;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Servlet filter that authorizes every request by its caller's client certificate: the
 * chain is validated as an X.509-SVID of our trust domain, then the decision comes from
 * the {@link ConnectAuthorizer}. A refused caller gets {@code 403} with a short generic
 * body and the connection is closed; the reason is logged with the caller's SPIFFE ID. An
 * allowed request carries the {@link ConnectCaller} as request attribute
 * {@link ConnectCaller#ATTRIBUTE}.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConnectAuthorizationFilter extends OncePerRequestFilter {

	private static final String CERTIFICATES_ATTRIBUTE = "jakarta.servlet.request.X509Certificate";

	private final InboundAuthorization authorization;

	/**
	 * Create a new instance.
	 * @param identityManager the source of the current roots and trust domain
	 * @param authorizer the authorizer
	 */
	public ConnectAuthorizationFilter(ConnectIdentityManager identityManager, ConnectAuthorizer authorizer) {
		this.authorization = new InboundAuthorization(identityManager, authorizer, Clock.systemUTC());
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		Object certificates = request.getAttribute(CERTIFICATES_ATTRIBUTE);
		InboundDecision outcome = this.authorization
			.check((certificates instanceof X509Certificate[] array) ? array : null, () -> l7Request(request))
			.join();
		if (!outcome.decision().allowed()) {
			this.authorization.logDenied(outcome, request.getMethod(), request.getRequestURI());
			response.setStatus(HttpServletResponse.SC_FORBIDDEN);
			response.setHeader("Connection", "close");
			response.setContentType("text/plain;charset=UTF-8");
			response.getWriter().write("Forbidden\n");
			return;
		}
		request.setAttribute(ConnectCaller.ATTRIBUTE, outcome.caller());
		chain.doFilter(request, response);
	}

	private static L7Request l7Request(HttpServletRequest request) {
		String uri = request.getRequestURI();
		return L7Request.of(request.getMethod(), uri, uri.indexOf('#') >= 0, Collections.list(request.getHeaderNames()),
				(name) -> Collections.list(request.getHeaders(name)));
	}

}
