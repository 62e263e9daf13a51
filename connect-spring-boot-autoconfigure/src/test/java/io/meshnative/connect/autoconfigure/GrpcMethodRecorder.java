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

import java.util.Set;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;

/**
 * A gRPC client interceptor that records the full name of every method called, for the
 * agentless tests' assertions on what an application asks the Consul servers.
 *
 * @author connect-spring-boot authors
 */
final class GrpcMethodRecorder implements ClientInterceptor {

	private final Set<String> methods;

	GrpcMethodRecorder(Set<String> methods) {
		this.methods = methods;
	}

	@Override
	public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions callOptions, Channel next) {
		this.methods.add(method.getFullMethodName());
		return next.newCall(method, callOptions);
	}

}
