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

import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.RequestReplySenderContext;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;

/**
 * The observation of one mesh request ({@code connect.client.requests}): from routing to
 * the final response, retries and failovers included, with the low-cardinality keys
 * {@code upstream}, {@code target} and {@code result}. Tracing handlers inject their
 * headers into {@link #propagationHeaders()}, which the clients copy onto the request.
 *
 * @author connect-spring-boot authors
 */
final class MeshRequestObservation {

	static final String NAME = "connect.client.requests";

	private static final Convention CONVENTION = new Convention();

	private final Context context;

	private final Observation observation;

	private final AtomicBoolean stopped = new AtomicBoolean();

	private MeshRequestObservation(ObservationRegistry registry, String upstream) {
		this.context = new Context(upstream);
		this.observation = Observation.createNotStarted(CONVENTION, () -> this.context, registry);
	}

	static MeshRequestObservation start(ObservationRegistry registry, String upstream) {
		MeshRequestObservation request = new MeshRequestObservation(registry, upstream);
		request.observation.start();
		return request;
	}

	HttpHeaders propagationHeaders() {
		return this.context.getCarrier();
	}

	void target(String target) {
		this.context.target = target;
	}

	void stop(int status) {
		if (!this.stopped.compareAndSet(false, true)) {
			return;
		}
		this.context.result = (status >= 500) ? "server-error" : (status >= 400) ? "client-error" : "success";
		this.observation.stop();
	}

	void stop(Throwable failure) {
		if (!this.stopped.compareAndSet(false, true)) {
			return;
		}
		this.context.result = (failure instanceof NoHealthyUpstreamException) ? "no-healthy-endpoint" : "error";
		this.observation.error(failure);
		this.observation.stop();
	}

	/**
	 * Context of a mesh request.
	 */
	static final class Context extends RequestReplySenderContext<HttpHeaders, Object> {

		private final String upstream;

		private volatile @Nullable String target;

		private volatile String result = "error";

		Context(String upstream) {
			super((carrier, key, value) -> {
				if (carrier != null) {
					carrier.set(key, value);
				}
			});
			this.upstream = upstream;
			setCarrier(new HttpHeaders());
			setRemoteServiceName(upstream);
		}

		@Override
		public HttpHeaders getCarrier() {
			HttpHeaders carrier = super.getCarrier();
			return (carrier != null) ? carrier : new HttpHeaders();
		}

	}

	/**
	 * Names the observation and its key values.
	 */
	static final class Convention implements ObservationConvention<Context> {

		@Override
		public String getName() {
			return NAME;
		}

		@Override
		public String getContextualName(Context context) {
			return "mesh " + context.upstream;
		}

		@Override
		public KeyValues getLowCardinalityKeyValues(Context context) {
			String target = context.target;
			return KeyValues.of("upstream", context.upstream, "target", (target != null) ? target : "none", "result",
					context.result);
		}

		@Override
		public boolean supportsContext(Observation.Context context) {
			return context instanceof Context;
		}

	}

}
