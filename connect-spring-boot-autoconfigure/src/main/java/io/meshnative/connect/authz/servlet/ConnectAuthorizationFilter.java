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

package io.meshnative.connect.authz.servlet;

import java.io.IOException;

import io.meshnative.connect.authz.ConnectAuthorizer;
import io.meshnative.connect.authz.ConnectCaller;
import io.meshnative.connect.authz.InboundDecision;
import io.meshnative.connect.authz.internal.InboundAuthorization;
import io.meshnative.connect.authz.internal.L7Request;
import io.meshnative.connect.authz.internal.NonCanonicalRequestException;
import io.meshnative.connect.authz.internal.RequestTarget;
import io.meshnative.connect.identity.ConnectIdentityManager;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Servlet filter that authorizes every request by its caller's client certificate: the
 * request target must be canonical (else {@code 400}, before any decision), the chain is
 * validated as an X.509-SVID of our trust domain, then the {@link ConnectAuthorizer}
 * decides on the method and the canonical path, which are exactly what the server and
 * Spring dispatch on. A refused caller gets {@code 403} with a short generic body and the
 * connection is closed; the reason is logged with the caller's SPIFFE ID. An allowed
 * request carries the {@link ConnectCaller} as request attribute
 * {@link ConnectCaller#ATTRIBUTE}.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConnectAuthorizationFilter extends OncePerRequestFilter {

	private final InboundAuthorization authorization;

	private final ConnectionCertificates certificates = new ConnectionCertificates();

	/**
	 * Create a new instance.
	 * @param identityManager the source of the current roots and trust domain
	 * @param authorizer the authorizer
	 */
	public ConnectAuthorizationFilter(ConnectIdentityManager identityManager, ConnectAuthorizer authorizer) {
		this.authorization = new InboundAuthorization(identityManager, authorizer);
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		RequestTarget target;
		try {
			target = target(request);
		}
		catch (NonCanonicalRequestException ex) {
			InboundDecision refused = this.authorization.refuse(ex);
			this.authorization.logRefused(refused, request.getMethod());
			answer(response, HttpServletResponse.SC_BAD_REQUEST, "Bad Request\n");
			return;
		}
		InboundDecision outcome = this.authorization.check(this.certificates.get(request),
				L7Request.of(request.getMethod(), target, () -> request.getHeaderNames().asIterator(),
						(name) -> () -> request.getHeaders(name).asIterator()));
		if (!outcome.decision().allowed()) {
			this.authorization.logDenied(outcome, request.getMethod(), target.rawPath());
			answer(response, HttpServletResponse.SC_FORBIDDEN, "Forbidden\n");
			return;
		}
		request.setAttribute(ConnectCaller.ATTRIBUTE, outcome.caller());
		chain.doFilter(request, response);
	}

	/**
	 * Return the canonical request target, only when the request as this filter sees it
	 * is the request as the server received it (a filter before this one that changed the
	 * path or the method would make them differ).
	 * @param request the request
	 * @return the target
	 * @throws NonCanonicalRequestException if the target is not canonical or the views
	 * differ
	 */
	private static RequestTarget target(HttpServletRequest request) {
		ServletRequest received = request;
		while (received instanceof ServletRequestWrapper wrapper) {
			received = wrapper.getRequest();
		}
		if (received != request && received instanceof HttpServletRequest original
				&& (!original.getRequestURI().equals(request.getRequestURI())
						|| !original.getMethod().equals(request.getMethod()))) {
			throw new NonCanonicalRequestException(NonCanonicalRequestException.Reason.VIEW_MISMATCH,
					"a filter before the mesh filter changed the request's path or method");
		}
		return RequestTarget.parse(request.getRequestURI(), request.getQueryString());
	}

	private static void answer(HttpServletResponse response, int status, String body) throws IOException {
		response.setStatus(status);
		response.setHeader("Connection", "close");
		response.setContentType("text/plain;charset=UTF-8");
		response.getWriter().write(body);
	}

}
