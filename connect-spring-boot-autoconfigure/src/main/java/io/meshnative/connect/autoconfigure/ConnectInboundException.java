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

/**
 * Thrown at start-up when inbound authorization cannot hold: a configuration that would
 * let a handler see another request than the one authorized, or intentions that the ACL
 * token may not read while the failure mode denies. Carries what Spring Boot's failure
 * report shows.
 *
 * @author connect-spring-boot authors
 */
class ConnectInboundException extends RuntimeException {

	private final String action;

	ConnectInboundException(String description, String action, Throwable cause) {
		super(description, cause);
		this.action = action;
	}

	ConnectInboundException(String description, String action) {
		super(description);
		this.action = action;
	}

	String getAction() {
		return this.action;
	}

}
