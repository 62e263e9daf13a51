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

/**
 * The authorized caller of the current request, from its validated client certificate.
 * Available as the request attribute {@link #ATTRIBUTE} and as a controller method
 * argument of this type.
 *
 * @param spiffeId the caller's SPIFFE ID
 * @param trustDomain the trust domain
 * @param partition the admin partition, empty for the default one
 * @param namespace the namespace
 * @param datacenter the datacenter
 * @param service the service name
 * @param serialNumber the serial number of the caller's certificate, colon-hex
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public record ConnectCaller(String spiffeId, String trustDomain, String partition, String namespace, String datacenter,
		String service, String serialNumber) {

	/**
	 * Name of the request attribute that holds the caller.
	 */
	public static final String ATTRIBUTE = ConnectCaller.class.getName();

}
