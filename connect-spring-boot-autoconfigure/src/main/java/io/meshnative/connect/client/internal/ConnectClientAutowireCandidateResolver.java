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

package io.meshnative.connect.client.internal;

import io.meshnative.connect.client.ConnectClient;
import io.meshnative.connect.client.ConnectClientFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.DependencyDescriptor;
import org.springframework.beans.factory.support.AutowireCandidateResolver;

/**
 * Supplies the value of every injection point annotated with {@link ConnectClient}
 * (fields, constructor and method parameters) and delegates everything else to the
 * resolver it wraps.
 *
 * @author connect-spring-boot authors
 */
final class ConnectClientAutowireCandidateResolver implements AutowireCandidateResolver {

	private final AutowireCandidateResolver delegate;

	private final BeanFactory beanFactory;

	ConnectClientAutowireCandidateResolver(AutowireCandidateResolver delegate, BeanFactory beanFactory) {
		this.delegate = delegate;
		this.beanFactory = beanFactory;
	}

	@Override
	public boolean isAutowireCandidate(org.springframework.beans.factory.config.BeanDefinitionHolder bdHolder,
			DependencyDescriptor descriptor) {
		return this.delegate.isAutowireCandidate(bdHolder, descriptor);
	}

	@Override
	public boolean isRequired(DependencyDescriptor descriptor) {
		return this.delegate.isRequired(descriptor);
	}

	@Override
	public boolean hasQualifier(DependencyDescriptor descriptor) {
		return this.delegate.hasQualifier(descriptor);
	}

	@Override
	public @Nullable String getSuggestedName(DependencyDescriptor descriptor) {
		return this.delegate.getSuggestedName(descriptor);
	}

	@Override
	public @Nullable Object getSuggestedValue(DependencyDescriptor descriptor) {
		ConnectClient annotation = descriptor.getAnnotation(ConnectClient.class);
		if (annotation != null) {
			Object client = this.beanFactory.getBean(ConnectClientFactory.class)
				.create(descriptor.getDependencyType(), annotation.value());
			if (client == null) {
				throw new IllegalStateException("@ConnectClient('" + annotation.value() + "') cannot inject a "
						+ descriptor.getDependencyType().getName()
						+ "; supported types are RestClient, RestClient.Builder, RestTemplate, WebClient, WebClient.Builder and HTTP interfaces with @HttpExchange methods");
			}
			return client;
		}
		return this.delegate.getSuggestedValue(descriptor);
	}

	@Override
	public @Nullable Object getLazyResolutionProxyIfNecessary(DependencyDescriptor descriptor,
			@Nullable String beanName) {
		return this.delegate.getLazyResolutionProxyIfNecessary(descriptor, beanName);
	}

	@Override
	public @Nullable Class<?> getLazyResolutionProxyClass(DependencyDescriptor descriptor, @Nullable String beanName) {
		return this.delegate.getLazyResolutionProxyClass(descriptor, beanName);
	}

	@Override
	public AutowireCandidateResolver cloneIfNecessary() {
		return new ConnectClientAutowireCandidateResolver(this.delegate.cloneIfNecessary(), this.beanFactory);
	}

}
