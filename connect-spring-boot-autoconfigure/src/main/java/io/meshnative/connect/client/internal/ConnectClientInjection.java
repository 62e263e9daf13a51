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

import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;

/**
 * Installs {@link io.meshnative.connect.client.ConnectClient @ConnectClient} injection
 * into a bean factory.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class ConnectClientInjection {

	private ConnectClientInjection() {
	}

	/**
	 * Return a post-processor that makes the bean factory supply
	 * {@link io.meshnative.connect.client.ConnectClient @ConnectClient} injection points.
	 * @return the post-processor
	 */
	public static BeanFactoryPostProcessor postProcessor() {
		return (beanFactory) -> {
			if (beanFactory instanceof DefaultListableBeanFactory listable
					&& !(listable.getAutowireCandidateResolver() instanceof ConnectClientAutowireCandidateResolver)) {
				listable.setAutowireCandidateResolver(
						new ConnectClientAutowireCandidateResolver(listable.getAutowireCandidateResolver(), listable));
			}
		};
	}

}
