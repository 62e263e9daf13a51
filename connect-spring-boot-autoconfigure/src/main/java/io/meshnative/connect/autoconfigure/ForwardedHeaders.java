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

import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.catalina.valves.RemoteIpValve;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.tomcat.TomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.core.Ordered;
import org.springframework.web.filter.ForwardedHeaderFilter;
import org.springframework.web.server.adapter.ForwardedHeaderTransformer;

/**
 * Keeps forwarded headers of mesh callers from moving the goalposts. A mesh caller is
 * authenticated by its certificate, not by the headers it sets, so on the mesh port
 * {@code Forwarded} and {@code X-Forwarded-*} are never applied: the server's own
 * handling ({@code server.forward-headers-strategy=native}, which Spring Boot also turns
 * on by itself on Kubernetes and other cloud platforms) is turned off, and Spring's
 * filter ({@code framework}) only removes them. Otherwise a caller could, for example,
 * send {@code X-Forwarded-Prefix} to make Spring dispatch on another path than the one
 * authorized.
 *
 * @author connect-spring-boot authors
 */
final class ForwardedHeaders {

	private static final Log logger = LogFactory.getLog(ForwardedHeaders.class);

	private static final String WHY = "on the mesh port forwarded headers of callers are not applied "
			+ "(a mesh caller is authenticated by its certificate, not by the headers it sets)";

	private static final AtomicBoolean frameworkReported = new AtomicBoolean();

	private ForwardedHeaders() {
	}

	private static void reportFramework() {
		if (frameworkReported.compareAndSet(false, true)) {
			logger.info("server.forward-headers-strategy=framework only removes forwarded headers: " + WHY);
		}
	}

	/**
	 * Remove Tomcat's {@link RemoteIpValve}, which applies forwarded headers before any
	 * filter runs.
	 */
	static final class TomcatCustomizer implements WebServerFactoryCustomizer<TomcatWebServerFactory>, Ordered {

		@Override
		public void customize(TomcatWebServerFactory factory) {
			if (factory.getEngineValves().removeIf(RemoteIpValve.class::isInstance)) {
				logger.info("server.forward-headers-strategy=native is not applied: " + WHY);
			}
		}

		@Override
		public int getOrder() {
			return Ordered.LOWEST_PRECEDENCE;
		}

	}

	/**
	 * Turn off Reactor Netty's handling of forwarded headers, which changes the request
	 * URI (and, with {@code X-Forwarded-Prefix}, the path) before any filter runs.
	 */
	static final class NettyCustomizer implements WebServerFactoryCustomizer<NettyReactiveWebServerFactory>, Ordered {

		@Override
		public void customize(NettyReactiveWebServerFactory factory) {
			factory.setUseForwardHeaders(false);
		}

		@Override
		public int getOrder() {
			return Ordered.LOWEST_PRECEDENCE;
		}

	}

	/**
	 * Make Spring's servlet {@link ForwardedHeaderFilter} only remove forwarded headers.
	 */
	static final class ServletPostProcessor implements BeanPostProcessor {

		@Override
		public Object postProcessBeforeInitialization(Object bean, String beanName) {
			ForwardedHeaderFilter filter = null;
			if (bean instanceof ForwardedHeaderFilter direct) {
				filter = direct;
			}
			else if (bean instanceof FilterRegistrationBean<?> registration
					&& registration.getFilter() instanceof ForwardedHeaderFilter registered) {
				filter = registered;
			}
			if (filter != null) {
				filter.setRemoveOnly(true);
				reportFramework();
			}
			return bean;
		}

	}

	/**
	 * Make Spring's {@link ForwardedHeaderTransformer} only remove forwarded headers.
	 */
	static final class ReactivePostProcessor implements BeanPostProcessor {

		@Override
		public Object postProcessBeforeInitialization(Object bean, String beanName) {
			if (bean instanceof ForwardedHeaderTransformer transformer) {
				transformer.setRemoveOnly(true);
				reportFramework();
			}
			return bean;
		}

	}

}
