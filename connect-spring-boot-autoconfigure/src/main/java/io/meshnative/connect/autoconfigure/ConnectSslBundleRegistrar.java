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

import io.meshnative.connect.identity.ConnectIdentity;
import io.meshnative.connect.identity.ConnectIdentityListener;
import io.meshnative.connect.identity.ConnectIdentityManager;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.autoconfigure.ssl.SslBundleRegistrar;
import org.springframework.boot.ssl.SslBundleRegistry;

/**
 * Registers the service's identity as an SSL bundle and updates the bundle on every
 * rotation, so that Tomcat and Netty reload their certificates without a restart.
 *
 * @author connect-spring-boot authors
 */
class ConnectSslBundleRegistrar implements SslBundleRegistrar, ConnectIdentityListener {

	private static final Log logger = LogFactory.getLog(ConnectSslBundleRegistrar.class);

	private final ConnectIdentityManager identityManager;

	private final String bundleName;

	private volatile @Nullable SslBundleRegistry registry;

	ConnectSslBundleRegistrar(ConnectIdentityManager identityManager, String bundleName) {
		this.identityManager = identityManager;
		this.bundleName = bundleName;
	}

	@Override
	public void registerBundles(SslBundleRegistry registry) {
		registry.registerBundle(this.bundleName, this.identityManager.getIdentity().toSslBundle());
		this.registry = registry;
		this.identityManager.addListener(this);
	}

	@Override
	public void identityChanged(ConnectIdentity previous, ConnectIdentity current) {
		SslBundleRegistry target = this.registry;
		if (target != null) {
			target.updateBundle(this.bundleName, current.toSslBundle());
			logger.debug("SSL bundle '" + this.bundleName + "' updated: " + current);
		}
	}

}
