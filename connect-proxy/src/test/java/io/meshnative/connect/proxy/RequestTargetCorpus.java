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

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * A seeded, reproducible corpus of request targets aimed at a {@code /admin} deny:
 * dot-segments in every encoding and position, repeated slashes, {@code ;} parameters,
 * escaped slashes and backslashes, case variants, trailing slashes, absolute form,
 * authority form and {@code *}, long paths (around and beyond 4 KB), percent-encoded
 * letters, double encoding, malformed escapes and queries, then random compositions of
 * all of these (the systematic part first, about a thousand targets).
 *
 * @author connect-spring-boot authors
 */
final class RequestTargetCorpus {

	/**
	 * The seed of the corpus {@code scripts/test} runs.
	 */
	static final long SEED = 20261205L;

	private static final String[] DOTS = { ".", "..", "%2e", "%2E", ".%2e", "%2e.", ".%2E", "%2E.", "%2e%2e", "%2E%2E",
			"%2e%2E", "%2E%2e", "...", "%2e%2e%2e" };

	private static final String[] DOT_SUFFIXES = { "", ";x", ";", ";a=b" };

	private static final String[] SEPARATORS = { "%2F", "%2f", "%5C", "%5c", "\\" };

	private static final String[] DOUBLE_ENCODED = { "%252e", "%252E", "%252e%252e", "%252F", "%252f", "%255C",
			"%2561dmin", "%25", "%25zz", "%2525", "%25%32%65" };

	private static final String[] MALFORMED = { "%", "%2", "%zz", "%g0", "%c0%ae", "%c0%af", "%e0%80%ae", "%00", "%0a",
			"%0d%0a", "%7f", "%ff", "\u00e9", "|", "^", "{", "}", "<", ">", "`", "\"", "%20", "%09" };

	private static final String[] PIECES = { "api", "admin", "ADMIN", "Admin", "x", "v1", "public", "dmin", "a", ".",
			"..", "%2e", "%2E", "%2e%2e", ".%2e", "%2F", "%2f", "%5C", "\\", ";x", ";", "", "%25", "%41", "%61", "%64",
			"%2561", "+", "~", "!", "$", "&", "'", "(", ")", "*", ",", "=", ":", "@", "%3B", "%3b", "%26", "%3D", "%2B",
			"\u00e9", "%c3%a9", "%20", "admin;x", "adm;in", "%2e%2e;x", "..;", "admin.", "admin~", "admin%00" };

	private static final String[] METHODS = { "GET", "GET", "GET", "GET", "GET", "GET", "GET", "GET", "GET", "GET",
			"HEAD", "POST", "DELETE", "OPTIONS", "PUT", "get", "Get", "PATCH" };

	private final Random random;

	private final int trapPort;

	private final Set<String> seen = new LinkedHashSet<>();

	private final List<Target> targets = new ArrayList<>();

	private RequestTargetCorpus(long seed, int trapPort) {
		this.random = new Random(seed);
		this.trapPort = trapPort;
	}

	/**
	 * Generate a corpus.
	 * @param seed the seed
	 * @param size how many targets at least (the systematic part alone may be more)
	 * @param trapPort a port on loopback that nothing may ever dial, used in absolute and
	 * authority forms
	 * @return the targets, in order
	 */
	static List<Target> generate(long seed, int size, int trapPort) {
		RequestTargetCorpus corpus = new RequestTargetCorpus(seed, trapPort);
		corpus.systematic();
		while (corpus.targets.size() < size) {
			corpus.randomComposition();
		}
		return List.copyOf(corpus.targets);
	}

	private void systematic() {
		absoluteAndAuthorityForm();
		dotSegments();
		slashes();
		parameters();
		separators();
		caseVariants();
		trailingSlashes();
		encodedLetters();
		doubleEncoding();
		malformed();
		queries();
		longPaths();
	}

	private void absoluteAndAuthorityForm() {
		String authority = "127.0.0.1:" + this.trapPort;
		for (String scheme : new String[] { "http", "https", "HTTP", "Http" }) {
			for (String path : new String[] { "/api/x", "/admin", "", "/", "?q=1", "/api/x?q=%2F" }) {
				add("absolute-form", "GET", scheme + "://" + authority + path);
			}
			add("absolute-form", "POST", scheme + "://" + authority + "/api/x");
			add("absolute-form", "GET", scheme + "://evil.example/api/x");
		}
		add("absolute-form", "GET", "//" + authority + "/api/x");
		add("absolute-form", "GET", "http:/api/x");
		add("absolute-form", "GET", "http:" + authority + "/api/x");
		add("absolute-form", "GET", "api/x");
		add("absolute-form", "GET", "");
		for (String method : new String[] { "CONNECT", "GET", "OPTIONS", "connect" }) {
			add("authority-form", method, authority);
			add("authority-form", method, "evil.example:443");
			add("authority-form", method, "[::1]:" + this.trapPort);
		}
		add("authority-form", "CONNECT", "/api/x");
		add("authority-form", "OPTIONS", "*");
		add("authority-form", "GET", "*");
		add("authority-form", "OPTIONS", "*/admin");
	}

	private void dotSegments() {
		String[][] shapes = { { "", "/admin" }, { "/api", "/admin" }, { "/api", "/../admin" }, { "/admin", "" },
				{ "/api", "" }, { "/api/x", "/x/admin" }, { "", "" } };
		for (String dot : DOTS) {
			for (String suffix : DOT_SUFFIXES) {
				for (String[] shape : shapes) {
					add("dot-segment", method(), shape[0] + "/" + dot + suffix + shape[1]);
				}
			}
		}
	}

	private void slashes() {
		for (String path : new String[] { "/admin", "/api/admin", "/api/x", "/Admin/x" }) {
			for (int i = 0; i < 12; i++) {
				add("slashes", method(), insertAtRandomSlash(path, "/".repeat(1 + this.random.nextInt(3))));
			}
			add("slashes", "GET", "/" + path);
			add("slashes", "GET", path + "//");
		}
		add("slashes", "GET", "//");
		add("slashes", "GET", "///");
	}

	private void parameters() {
		for (String path : new String[] { "/admin", "/api/x", "/api/admin", "/adm" }) {
			for (String parameter : new String[] { ";", ";x", ";jsessionid=1", ";a=b;c=d", ";/", ";..", ";%2e", ";%2F",
					";admin" }) {
				add("parameters", "GET", path + parameter);
				add("parameters", "GET", insertAtRandomSlash(path, parameter + "/"));
			}
		}
		add("parameters", "GET", "/;x/admin");
		add("parameters", "GET", "/;/admin");
		add("parameters", "GET", "/adm;in");
		add("parameters", "GET", "/adm;in/x");
		add("parameters", "GET", "/api;x/..;/admin");
	}

	private void separators() {
		for (String separator : SEPARATORS) {
			for (String shape : new String[] { "/api%s..%sadmin", "/api%sadmin", "/admin%s", "/%sadmin", "/api/x%s",
					"/api/x%s..%s..%sadmin", "/api%s%2e%2e%sadmin" }) {
				add("encoded-separator", method(), shape.replace("%s", separator));
			}
		}
	}

	private void caseVariants() {
		for (int i = 0; i < 80; i++) {
			String admin = randomCase("admin");
			String shape = switch (i % 5) {
				case 0 -> "/" + admin;
				case 1 -> "/" + admin + "/x";
				case 2 -> "/" + admin + "istrator";
				case 3 -> "/api/" + admin;
				default -> "/" + encodeSomeLetters(admin);
			};
			add("case", method(), shape);
		}
	}

	private void trailingSlashes() {
		for (String path : new String[] { "/admin/", "/ADMIN/", "/api/", "/api/x/", "/api/admin/", "/admin/x/", "/",
				"/adm/", "/admin;x/" }) {
			add("trailing-slash", "GET", path);
			add("trailing-slash", "HEAD", path);
		}
	}

	private void encodedLetters() {
		for (String path : new String[] { "/api/items", "/public/v1", "/admin", "/api/admin", "/x/y/z" }) {
			for (int i = 0; i < 10; i++) {
				add("encoded-letters", method(), encodeSomeLetters(path));
			}
		}
	}

	private void doubleEncoding() {
		for (String encoded : DOUBLE_ENCODED) {
			add("double-encoding", "GET", "/api/" + encoded + "/admin");
			add("double-encoding", "GET", "/" + encoded);
			add("double-encoding", "GET", "/api/x" + encoded);
			add("double-encoding", "GET", "/api/x?q=" + encoded);
		}
	}

	private void malformed() {
		for (String piece : MALFORMED) {
			add("malformed", "GET", "/api/" + piece);
			add("malformed", "GET", "/" + piece + "admin");
			add("malformed", "GET", "/api/x?q=" + piece);
		}
		add("malformed", "GET", "/api/x#frag");
		add("malformed", "GET", "/admin#");
		add("malformed", "GET", "/api/x?q=1#frag");
		add("malformed", "GET", "/api x");
	}

	private void queries() {
		for (String query : new String[] { "", "q=1", "q=/../admin", "q=%2F%2e%2e%2Fadmin", "a=%26%3D%2F%2B%3B&b=1",
				"&&", "=x", "flag", "q=..", "?", "q=a?b", "q=%", "q=%zz", "path=/admin", "q=%25", "q=;a" }) {
			add("query", "GET", "/api/x?" + query);
			add("query", "GET", "/admin?" + query);
			add("query", "GET", "/?" + query);
		}
	}

	private void longPaths() {
		for (int length : new int[] { 1000, 3000, 4000, 4070, 4080, 4090, 4100, 5000, 8000, 9000 }) {
			add("long", "GET", longPath(length, ""));
			add("long", "GET", longPath(length, "/../admin"));
			add("long", "GET", longPath(length, "/x?q=" + "a".repeat(20)));
			add("long", "GET", "/admin" + longPath(length, ""));
		}
	}

	private void randomComposition() {
		int segments = 1 + this.random.nextInt(6);
		StringBuilder target = new StringBuilder();
		for (int i = 0; i < segments; i++) {
			target.append('/');
			int pieces = 1 + this.random.nextInt(2);
			for (int j = 0; j < pieces; j++) {
				target.append(PIECES[this.random.nextInt(PIECES.length)]);
			}
		}
		if (this.random.nextInt(4) == 0) {
			target.append('/');
		}
		if (this.random.nextInt(5) == 0) {
			target.append("?q=").append(PIECES[this.random.nextInt(PIECES.length)]);
		}
		add("random", method(), target.toString());
	}

	private String longPath(int length, String tail) {
		StringBuilder path = new StringBuilder();
		while (path.length() + tail.length() < length) {
			path.append("/segment").append(path.length());
		}
		return path.append(tail).toString();
	}

	private String insertAtRandomSlash(String path, String insert) {
		List<Integer> slashes = new ArrayList<>();
		for (int i = 0; i < path.length(); i++) {
			if (path.charAt(i) == '/') {
				slashes.add(i);
			}
		}
		int at = slashes.get(this.random.nextInt(slashes.size()));
		return path.substring(0, at + 1) + insert + path.substring(at + 1);
	}

	private String randomCase(String text) {
		StringBuilder varied = new StringBuilder();
		for (char c : text.toCharArray()) {
			varied.append(this.random.nextBoolean() ? Character.toUpperCase(c) : c);
		}
		return varied.toString();
	}

	private String encodeSomeLetters(String path) {
		StringBuilder encoded = new StringBuilder();
		for (char c : path.toCharArray()) {
			if (Character.isLetter(c) && this.random.nextInt(3) == 0) {
				String hex = Integer.toHexString(c);
				encoded.append('%').append(this.random.nextBoolean() ? hex.toUpperCase(Locale.ROOT) : hex);
			}
			else {
				encoded.append(c);
			}
		}
		return encoded.toString();
	}

	private String method() {
		return METHODS[this.random.nextInt(METHODS.length)];
	}

	private void add(String category, String method, String target) {
		if (this.seen.add(method + " " + target)) {
			this.targets.add(new Target(category, method, target));
		}
	}

	/**
	 * One request of the corpus.
	 *
	 * @param category what the target exercises
	 * @param method the request method
	 * @param target the request target, as it goes on the request line
	 */
	record Target(String category, String method, String target) {

	}

}
