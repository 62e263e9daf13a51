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

package io.meshnative.connect.identity.internal;

/**
 * TLS settings every mesh connection shares, inbound and outbound, in the starter and in
 * {@code connect-proxy}.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class MeshTls {

	private MeshTls() {
	}

	/**
	 * Return the TLS protocols of mesh connections: TLS 1.3 and 1.2, as Envoy offers.
	 * @return the protocol names, a new array
	 */
	public static String[] protocols() {
		return new String[] { "TLSv1.3", "TLSv1.2" };
	}

}
