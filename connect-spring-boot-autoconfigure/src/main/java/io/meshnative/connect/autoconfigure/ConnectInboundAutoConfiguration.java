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

import java.util.List;

import io.meshnative.connect.authz.ConnectAuthorizer;
import io.meshnative.connect.authz.reactive.ConnectAuthorizationWebFilter;
import io.meshnative.connect.authz.reactive.ReactiveConnectCallerArgumentResolver;
import io.meshnative.connect.authz.servlet.ConnectAuthorizationFilter;
import io.meshnative.connect.authz.servlet.ConnectCallerArgumentResolver;
import io.meshnative.connect.identity.ConnectIdentityManager;
import io.meshnative.connect.identity.internal.MeshTls;
import jakarta.servlet.Filter;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.web.server.ConfigurableWebServerFactory;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.result.method.annotation.ArgumentResolverConfigurer;
import org.springframework.web.server.WebFilter;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for inbound mTLS: the application's
 * server port serves TLS with the SSL bundle {@code connect} and requires a client
 * certificate.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
@AutoConfiguration(after = ConnectIdentityAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "connect.inbound.enabled", matchIfMissing = true)
@ConditionalOnWebApplication
@ConditionalOnClass(ConfigurableWebServerFactory.class)
@ConditionalOnBean(ConnectAuthorizer.class)
public final class ConnectInboundAutoConfiguration {

	ConnectInboundAutoConfiguration() {
	}

	@Bean
	WebServerFactoryCustomizer<ConfigurableWebServerFactory> connectWebServerSslCustomizer(
			ObjectProvider<SslBundles> sslBundles) {
		return new ConnectWebServerSslCustomizer(sslBundles);
	}

	/**
	 * Refuse to start when a filter changes the request method after the mesh filter
	 * decided on it: the handler would see another request than the one authorized.
	 * @param present whether such a filter is there
	 * @param property the property that turns it on
	 */
	static void refuseMethodOverride(boolean present, String property) {
		if (present) {
			throw new ConnectInboundException(
					"A HiddenHttpMethodFilter is registered: it changes a POST into the method named by its _method "
							+ "parameter after the mesh filter authorized the POST, so a handler would run for a "
							+ "request that was not authorized.",
					"Remove the HiddenHttpMethodFilter (set " + property + "=false), or turn inbound mesh "
							+ "authorization off with connect.inbound.enabled=false.");
		}
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
	@ConditionalOnClass({ Filter.class, OncePerRequestFilter.class })
	static class ServletConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "connectAuthorizationFilterRegistration")
		FilterRegistrationBean<ConnectAuthorizationFilter> connectAuthorizationFilterRegistration(
				ConnectIdentityManager identityManager, ConnectAuthorizer authorizer,
				ObjectProvider<org.springframework.web.filter.HiddenHttpMethodFilter> methodOverride) {
			refuseMethodOverride(methodOverride.getIfAvailable() != null, "spring.mvc.hiddenmethod.filter.enabled");
			FilterRegistrationBean<ConnectAuthorizationFilter> registration = new FilterRegistrationBean<>(
					new ConnectAuthorizationFilter(identityManager, authorizer));
			registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
			registration.setName("connectAuthorizationFilter");
			return registration;
		}

		@Bean
		static ForwardedHeaders.ServletPostProcessor connectForwardedHeaderFilterPostProcessor() {
			return new ForwardedHeaders.ServletPostProcessor();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = { "org.springframework.boot.tomcat.TomcatWebServerFactory",
			"org.apache.catalina.valves.RemoteIpValve" })
	static class TomcatConfiguration {

		@Bean
		ForwardedHeaders.TomcatCustomizer connectTomcatForwardedHeadersCustomizer() {
			return new ForwardedHeaders.TomcatCustomizer();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory")
	static class NettyConfiguration {

		@Bean
		ForwardedHeaders.NettyCustomizer connectNettyForwardedHeadersCustomizer() {
			return new ForwardedHeaders.NettyCustomizer();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
	@ConditionalOnClass(WebMvcConfigurer.class)
	static class WebMvcCallerConfiguration {

		@Bean
		WebMvcConfigurer connectCallerWebMvcConfigurer() {
			return new WebMvcConfigurer() {

				@Override
				public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
					resolvers.add(new ConnectCallerArgumentResolver());
				}

			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
	@ConditionalOnClass(WebFilter.class)
	static class ReactiveConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ConnectAuthorizationWebFilter connectAuthorizationWebFilter(ConnectIdentityManager identityManager,
				ConnectAuthorizer authorizer,
				ObjectProvider<org.springframework.web.filter.reactive.HiddenHttpMethodFilter> methodOverride) {
			refuseMethodOverride(methodOverride.getIfAvailable() != null, "spring.webflux.hiddenmethod.filter.enabled");
			return new ConnectAuthorizationWebFilter(identityManager, authorizer);
		}

		@Bean
		static ForwardedHeaders.ReactivePostProcessor connectForwardedHeaderTransformerPostProcessor() {
			return new ForwardedHeaders.ReactivePostProcessor();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
	@ConditionalOnClass(WebFluxConfigurer.class)
	static class WebFluxCallerConfiguration {

		@Bean
		WebFluxConfigurer connectCallerWebFluxConfigurer() {
			return new WebFluxConfigurer() {

				@Override
				public void configureArgumentResolvers(ArgumentResolverConfigurer configurer) {
					configurer.addCustomResolver(new ReactiveConnectCallerArgumentResolver());
				}

			};
		}

	}

	/**
	 * Sets the server's SSL to the {@code connect} bundle with client authentication
	 * {@code need}; runs after Boot's own customizers so that it wins over
	 * {@code server.ssl.*}.
	 */
	static final class ConnectWebServerSslCustomizer
			implements WebServerFactoryCustomizer<ConfigurableWebServerFactory>, Ordered {

		private final ObjectProvider<SslBundles> sslBundles;

		ConnectWebServerSslCustomizer(ObjectProvider<SslBundles> sslBundles) {
			this.sslBundles = sslBundles;
		}

		@Override
		public void customize(ConfigurableWebServerFactory factory) {
			Ssl ssl = Ssl.forBundle(ConnectIdentityAutoConfiguration.BUNDLE_NAME);
			ssl.setClientAuth(Ssl.ClientAuth.NEED);
			ssl.setEnabledProtocols(MeshTls.protocols());
			factory.setSsl(ssl);
			factory.setSslBundles(this.sslBundles.getObject());
		}

		@Override
		public int getOrder() {
			return Ordered.LOWEST_PRECEDENCE;
		}

	}

}
