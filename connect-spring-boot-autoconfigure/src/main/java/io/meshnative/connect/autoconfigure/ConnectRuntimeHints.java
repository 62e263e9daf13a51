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

import io.meshnative.connect.agent.internal.AgentService;
import io.meshnative.connect.agent.internal.AuthorizeRequest;
import io.meshnative.connect.agent.internal.AuthorizeResult;
import io.meshnative.connect.agent.internal.CaConfiguration;
import io.meshnative.connect.agent.internal.CaRoots;
import io.meshnative.connect.agent.internal.DiscoveryChain;
import io.meshnative.connect.agent.internal.Intention;
import io.meshnative.connect.agent.internal.IntentionCheck;
import io.meshnative.connect.agent.internal.LeafCertificate;
import io.meshnative.connect.agent.internal.ServiceDefaults;
import io.meshnative.connect.agent.internal.ServiceHealth;
import io.meshnative.connect.agent.internal.ServiceRegistration;
import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.BindingReflectionHintsRegistrar;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;

/**
 * Runtime hints for AOT-processed applications and native images: reflection on the JSON
 * types the agent client reads from and writes to the Consul agent with Jackson (records
 * and their nested records, recursively).
 * <p>
 * Not covered, because they depend on the application: the JDK proxies of
 * {@code @HttpExchange} interfaces injected with {@code @ConnectClient} (register them
 * with {@code RuntimeHints.proxies()} in a native image; {@code @ImportHttpServices}
 * groups get theirs from Spring Framework).
 *
 * @author connect-spring-boot authors
 */
class ConnectRuntimeHints implements RuntimeHintsRegistrar {

	/**
	 * The JSON types of the agent API.
	 */
	static final List<Class<?>> AGENT_JSON_TYPES = List.of(AgentService.class, AuthorizeRequest.class,
			AuthorizeResult.class, CaConfiguration.class, CaRoots.class, DiscoveryChain.class, Intention.class,
			IntentionCheck.class, LeafCertificate.class, ServiceDefaults.class, ServiceHealth.class,
			ServiceRegistration.class);

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		new BindingReflectionHintsRegistrar().registerReflectionHints(hints.reflection(),
				AGENT_JSON_TYPES.toArray(Class<?>[]::new));
	}

}
