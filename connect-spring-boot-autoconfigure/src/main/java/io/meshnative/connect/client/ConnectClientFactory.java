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

package io.meshnative.connect.client;

import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.client.support.RestClientAdapter;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.service.annotation.HttpExchange;
import org.springframework.web.service.invoker.HttpServiceProxyFactory;

/**
 * Creates HTTP clients bound to an upstream.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConnectClientFactory {

	private final ConnectUpstreams upstreams;

	private static final boolean WEBFLUX_PRESENT = ClassUtils.isPresent(
			"org.springframework.web.reactive.function.client.WebClient", ConnectClientFactory.class.getClassLoader());

	private final Supplier<RestClient.Builder> restClientBuilders;

	private final Supplier<WebClient.Builder> webClientBuilders;

	/**
	 * Create a new instance.
	 * @param upstreams the upstreams
	 * @param restClientBuilders the source of new {@code RestClient.Builder}s (for
	 * example Spring Boot's, with its customizers)
	 */
	public ConnectClientFactory(ConnectUpstreams upstreams, Supplier<RestClient.Builder> restClientBuilders) {
		this(upstreams, restClientBuilders, WebClient::builder);
	}

	/**
	 * Create a new instance.
	 * @param upstreams the upstreams
	 * @param restClientBuilders the source of new {@code RestClient.Builder}s
	 * @param webClientBuilders the source of new {@code WebClient.Builder}s
	 */
	public ConnectClientFactory(ConnectUpstreams upstreams, Supplier<RestClient.Builder> restClientBuilders,
			Supplier<WebClient.Builder> webClientBuilders) {
		this.upstreams = upstreams;
		this.restClientBuilders = restClientBuilders;
		this.webClientBuilders = webClientBuilders;
	}

	/**
	 * Return a {@code RestClient.Builder} bound to an upstream.
	 * @param upstream the upstream name
	 * @return the builder
	 */
	public RestClient.Builder restClientBuilder(String upstream) {
		return bind(this.restClientBuilders.get(), upstream);
	}

	/**
	 * Bind an existing {@code RestClient.Builder} to an upstream, as
	 * {@link #restClientBuilder(String)} does for a new one: its base URL becomes
	 * {@code http://<upstream>}, its request factory the mesh's (mTLS with the service's
	 * leaf, the server's identity checked) and the routing interceptor is added. Used for
	 * the clients of HTTP service groups bound to upstreams. Do not replace the request
	 * factory or remove the interceptor afterwards.
	 * @param builder the builder, changed in place
	 * @param upstream the upstream name
	 * @return the builder
	 * @since 0.1.0
	 */
	public RestClient.Builder bind(RestClient.Builder builder, String upstream) {
		return builder.baseUrl("http://" + upstream)
			.requestFactory(new RoutedRequestFactory(this.upstreams))
			.requestInterceptor(new ConnectClientHttpRequestInterceptor(upstream, this.upstreams));
	}

	/**
	 * Return a {@code RestTemplate} bound to an upstream.
	 * @param upstream the upstream name
	 * @return the template
	 */
	public RestTemplate restTemplate(String upstream) {
		RestTemplate template = new RestTemplate(new RoutedRequestFactory(this.upstreams));
		template.getInterceptors().add(new ConnectClientHttpRequestInterceptor(upstream, this.upstreams));
		template.setUriTemplateHandler(new org.springframework.web.util.DefaultUriBuilderFactory("http://" + upstream));
		return template;
	}

	/**
	 * Return a {@code WebClient.Builder} bound to an upstream.
	 * @param upstream the upstream name
	 * @return the builder
	 */
	public WebClient.Builder webClientBuilder(String upstream) {
		return bind(this.webClientBuilders.get(), upstream);
	}

	/**
	 * Bind an existing {@code WebClient.Builder} to an upstream, as
	 * {@link #webClientBuilder(String)} does for a new one: its base URL becomes
	 * {@code http://<upstream>}, its connector the mesh's and the routing filter is
	 * added. Do not replace the connector or remove the filter afterwards.
	 * @param builder the builder, changed in place
	 * @param upstream the upstream name
	 * @return the builder
	 * @since 0.1.0
	 */
	public WebClient.Builder bind(WebClient.Builder builder, String upstream) {
		return builder.baseUrl("http://" + upstream)
			.clientConnector(new RoutedClientHttpConnector(this.upstreams))
			.filter(new ConnectExchangeFilterFunction(upstream, this.upstreams));
	}

	/**
	 * Return a client of the requested type bound to an upstream.
	 * @param type {@code RestClient}, {@code RestClient.Builder}, {@code RestTemplate},
	 * {@code WebClient}, {@code WebClient.Builder} or an HTTP interface (with
	 * {@code @HttpExchange} methods)
	 * @param upstream the upstream name
	 * @return the client, or {@code null} if the type is not supported
	 */
	public @Nullable Object create(Class<?> type, String upstream) {
		if (type == RestClient.class) {
			return restClientBuilder(upstream).build();
		}
		if (type == RestClient.Builder.class) {
			return restClientBuilder(upstream);
		}
		if (type == RestTemplate.class) {
			return restTemplate(upstream);
		}
		if (WEBFLUX_PRESENT && type == WebClient.class) {
			return webClientBuilder(upstream).build();
		}
		if (WEBFLUX_PRESENT && type == WebClient.Builder.class) {
			return webClientBuilder(upstream);
		}
		if (type.isInterface() && isHttpExchangeInterface(type)) {
			return HttpServiceProxyFactory.builderFor(RestClientAdapter.create(restClientBuilder(upstream).build()))
				.build()
				.createClient(type);
		}
		return null;
	}

	private static boolean isHttpExchangeInterface(Class<?> type) {
		if (AnnotatedElementUtils.hasAnnotation(type, HttpExchange.class)) {
			return true;
		}
		for (java.lang.reflect.Method method : type.getMethods()) {
			if (AnnotatedElementUtils.hasAnnotation(method, HttpExchange.class)) {
				return true;
			}
		}
		return false;
	}

}
