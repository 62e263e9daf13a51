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

package io.meshnative.connect.agent.internal;

import java.time.Duration;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;

/**
 * The JSON mapping used for the agent API: Consul's PascalCase field names, unknown
 * fields ignored on read, absent ({@code null}) fields never written (Consul CE rejects
 * unknown fields in request bodies), and durations read from Go duration strings or
 * integer nanoseconds.
 *
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public final class AgentJson {

	static final JsonMapper MAPPER = JsonMapper.builder()
		.propertyNamingStrategy(PropertyNamingStrategies.UPPER_CAMEL_CASE)
		.enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
		.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
		.changeDefaultPropertyInclusion((inclusion) -> inclusion.withValueInclusion(JsonInclude.Include.NON_NULL))
		.addModule(new SimpleModule("consul-durations").addDeserializer(Duration.class, new DurationDeserializer())
			.addSerializer(Duration.class, new DurationSerializer()))
		.build();

	private AgentJson() {
	}

	/**
	 * Read a value of the agent API from its JSON, for example a compiled discovery chain
	 * (the {@code Chain} object of {@code /v1/discovery-chain/<service>}).
	 * @param <T> the type of the value
	 * @param json the JSON
	 * @param type the type of the value
	 * @return the value
	 */
	public static <T> T read(String json, Class<T> type) {
		return MAPPER.readValue(json, type);
	}

	/**
	 * Reads a {@link Duration} from a Go duration string or from integer nanoseconds (the
	 * compiled discovery chain encodes {@code Resolver.RequestTimeout} that way).
	 */
	static final class DurationDeserializer extends ValueDeserializer<Duration> {

		@Override
		public Duration deserialize(JsonParser parser, DeserializationContext context) {
			JsonToken token = parser.currentToken();
			if (token == JsonToken.VALUE_NUMBER_INT) {
				return Duration.ofNanos(parser.getLongValue());
			}
			if (token == JsonToken.VALUE_NUMBER_FLOAT) {
				return Duration.ofNanos((long) parser.getDoubleValue());
			}
			String text = parser.getString();
			try {
				return GoDuration.parse(text);
			}
			catch (IllegalArgumentException ex) {
				return (Duration) context.handleWeirdStringValue(Duration.class, text, ex.getMessage());
			}
		}

	}

	/**
	 * Writes a {@link Duration} as a Go duration string.
	 */
	static final class DurationSerializer extends ValueSerializer<Duration> {

		@Override
		public void serialize(Duration value, JsonGenerator generator, SerializationContext context) {
			generator.writeString(GoDuration.format(value));
		}

	}

}
