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

package io.meshnative.connect.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests that the "Properties" table of {@code docs/proxy-mode.md} documents exactly the
 * {@code connect.proxy.*} properties of the configuration metadata, with their defaults,
 * and that each has a description.
 *
 * @author connect-spring-boot authors
 */
class ProxyConfigurationMetadataTests {

	private static final String DOC_SECTION = "## Properties";

	private static final Pattern DOC_ROW = Pattern.compile("^\\| `(connect\\.proxy\\.[^`]+)` \\|([^|]*)\\|(.*)\\|$");

	@Test
	void readmeProxyTableListsExactlyTheMetadataPropertiesWithTheirDefaults() throws IOException {
		Map<String, JsonNode> properties = metadataProperties();
		assertThat(properties).as("connect.proxy.* properties in the metadata").isNotEmpty();
		Map<String, String[]> rows = documentedRows();
		List<String> problems = new ArrayList<>();
		properties.forEach((name, property) -> {
			if (property.path("description").asString("").isBlank()) {
				problems.add(name + " has no description (add Javadoc to its field)");
			}
			String[] cells = rows.get(name);
			if (cells == null) {
				problems.add(name + " has no row in docs/proxy-mode.md's '" + DOC_SECTION + "' table");
				return;
			}
			JsonNode defaultValue = property.get("defaultValue");
			if (defaultValue != null && !defaultValue.isNull()) {
				String expected = "`" + defaultValue.asString().toLowerCase(Locale.ROOT) + "`";
				if (!cells[0].toLowerCase(Locale.ROOT).contains(expected)) {
					problems
						.add(name + ": docs/proxy-mode.md default '" + cells[0].trim() + "' does not show " + expected);
				}
			}
		});
		rows.keySet()
			.stream()
			.filter((name) -> !properties.containsKey(name))
			.forEach((name) -> problems
				.add(name + " has a docs/proxy-mode.md row but is not in the configuration metadata"));
		assertThat(problems).as("docs/proxy-mode.md proxy table problems").isEmpty();
	}

	private static Map<String, JsonNode> metadataProperties() throws IOException {
		Map<String, JsonNode> properties = new LinkedHashMap<>();
		Enumeration<URL> resources = ProxyConfigurationMetadataTests.class.getClassLoader()
			.getResources("META-INF/spring-configuration-metadata.json");
		while (resources.hasMoreElements()) {
			try (InputStream in = resources.nextElement().openStream()) {
				for (JsonNode property : JsonMapper.builder().build().readTree(in).path("properties")) {
					String name = property.path("name").asString("");
					if (name.startsWith("connect.proxy.")) {
						properties.put(name, property);
					}
				}
			}
		}
		return properties;
	}

	private static Map<String, String[]> documentedRows() throws IOException {
		Path doc = Path.of("").toAbsolutePath().getParent().resolve("docs/proxy-mode.md");
		List<String> lines = Files.readAllLines(doc);
		int start = -1;
		for (int i = 0; i < lines.size(); i++) {
			if (lines.get(i).startsWith(DOC_SECTION)) {
				start = i;
				break;
			}
		}
		assertThat(start).as("docs/proxy-mode.md section '" + DOC_SECTION + "'").isNotNegative();
		Map<String, String[]> rows = new LinkedHashMap<>();
		for (String line : lines.subList(start + 1, lines.size())) {
			if (line.startsWith("## ")) {
				break;
			}
			Matcher row = DOC_ROW.matcher(line);
			if (row.matches()) {
				rows.put(row.group(1), new String[] { row.group(2), row.group(3) });
			}
		}
		return rows;
	}

}
