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

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;

import javax.net.ssl.SSLContext;

import io.meshnative.connect.authz.AuthorizationDecision;
import io.meshnative.connect.authz.ConnectAuthorizationListener;
import io.meshnative.connect.authz.InboundDecision;
import org.jspecify.annotations.Nullable;

/**
 * The proxy half of the differential test: sends every target of a
 * {@link RequestTargetCorpus} raw over mTLS through a public listener whose intentions
 * are "deny {@code PathPrefix /admin}, allow {@code PathPrefix /}" to a
 * {@link RecordingApp}, and checks each answer against what the application received,
 * what the proxy decided (when its decisions can be observed) and an independent model of
 * canonical targets and of the intentions.
 * <p>
 * For every target: either the application received exactly that method and target, byte
 * for byte, the model finds the target canonical, the path decided on equals the model's
 * decoding, and that path does not start with {@code /admin} in any case; or the request
 * was refused ({@code 400}, {@code 414}) or denied ({@code 403}) and the application
 * received nothing. Conversely, a target the model finds canonical and allowed, on a
 * request line Reactor Netty accepts, must be forwarded.
 *
 * @author connect-spring-boot authors
 */
final class DifferentialRun {

	/**
	 * Reactor Netty's default limit of an HTTP request line
	 * ({@code HttpDecoderSpec.DEFAULT_MAX_INITIAL_LINE_LENGTH}), which the public
	 * listener keeps: a longer line is answered {@code 414} before any handler runs.
	 */
	static final int MAX_REQUEST_LINE = 4096;

	private final List<String> violations = new ArrayList<>();

	private final Map<String, int[]> byCategory = new TreeMap<>();

	private final Map<String, Integer> refusalReasons = new TreeMap<>();

	private int connections;

	private final int[] totals = new int[OUTCOMES.length];

	private static final String[] OUTCOMES = { "forwarded", "refused 400", "denied 403", "414", "other" };

	private DifferentialRun() {
	}

	/**
	 * Run a corpus.
	 * @param corpus the targets
	 * @param caller the caller's mTLS context
	 * @param publicPort the proxy's public listener
	 * @param app the application behind the proxy
	 * @param decisions the proxy's decisions, {@code null} when they cannot be observed
	 * (a proxy in another process)
	 * @return the result
	 * @throws IOException if a connection cannot be opened
	 */
	static DifferentialRun run(List<RequestTargetCorpus.Target> corpus, SSLContext caller, int publicPort,
			RecordingApp app, @Nullable Decisions decisions) throws IOException {
		DifferentialRun run = new DifferentialRun();
		try (RawHttpClient client = new RawHttpClient(caller, publicPort)) {
			for (int i = 0; i < corpus.size(); i++) {
				run.check(i, corpus.get(i), client, app, decisions);
			}
			run.connections = client.connections();
		}
		return run;
	}

	private void check(int sequence, RequestTargetCorpus.Target target, RawHttpClient client, RecordingApp app,
			@Nullable Decisions decisions) throws IOException {
		String seq = "d" + sequence;
		List<String> headers = new ArrayList<>(List.of("Host: mesh", "X-Seq: " + seq));
		if (List.of("POST", "PUT", "PATCH").contains(target.method())) {
			headers.add("Content-Length: 0");
		}
		int seen = app.requests().size();
		RawHttpClient.Response response = client.send(target.method(), target.target(), headers);
		List<RecordingApp.Request> received = app.requests()
			.subList(seen, app.requests().size())
			.stream()
			.filter((request) -> seq.equals(request.header("X-Seq")))
			.toList();
		List<Decisions.Event> events = (decisions != null) ? decisions.drain() : Collections.emptyList();
		int outcome = outcome(response.status());
		this.totals[outcome]++;
		this.byCategory.computeIfAbsent(target.category(), (key) -> new int[OUTCOMES.length])[outcome]++;
		events.stream()
			.filter((event) -> event.refusal() != null)
			.forEach((event) -> this.refusalReasons.merge(event.refusal(), 1, Integer::sum));
		String what = "#" + sequence + " [" + target.category() + "] " + target.method() + " " + printable(target)
				+ " -> " + response.status();
		Model model = Model.of(target);
		if (outcome == 0) {
			checkForwarded(what, target, received, events, model);
		}
		else {
			if (!received.isEmpty()) {
				this.violations.add(what + ": refused or denied, yet the application received " + received);
			}
			if (outcome == 2 && !model.denied() && model.canonical()) {
				this.violations.add(what + ": denied although its path " + model.path() + " is allowed");
			}
			if (model.canonical() && events.stream().anyMatch((event) -> event.refusal() != null)) {
				this.violations.add(what + ": refused as not canonical, but the model finds it canonical " + events);
			}
		}
		if (model.forwardable() && response.status() != 200) {
			this.violations.add(what + ": canonical, allowed and within the line limit, yet answered "
					+ response.status() + " " + events);
		}
	}

	private void checkForwarded(String what, RequestTargetCorpus.Target target, List<RecordingApp.Request> received,
			List<Decisions.Event> events, Model model) {
		if (received.size() != 1) {
			this.violations.add(what + ": forwarded, but the application received " + received.size() + " requests");
			return;
		}
		RecordingApp.Request request = received.get(0);
		if (!request.method().equals(target.method()) || !request.target().equals(target.target())) {
			this.violations.add(what + ": the application received " + request.method() + " " + request.target());
		}
		if (!model.canonical()) {
			this.violations.add(what + ": forwarded although the model finds it not canonical: " + model.problem());
			return;
		}
		if (model.denied()) {
			this.violations.add(what + ": forwarded although its path " + model.path() + " is under /admin");
		}
		if (!events.isEmpty()) {
			Decisions.Event event = events.get(0);
			if (events.size() != 1 || !event.allowed() || !target.method().equals(event.method())
					|| !model.path().equals(event.path())) {
				this.violations.add(what + ": decided " + events + " but the model decodes " + model.path());
			}
		}
	}

	private static int outcome(int status) {
		return switch (status) {
			case 200 -> 0;
			case 400 -> 1;
			case 403 -> 2;
			case 414 -> 3;
			default -> 4;
		};
	}

	private static String printable(RequestTargetCorpus.Target target) {
		String text = target.target();
		String shown = (text.length() > 80) ? text.substring(0, 60) + "...(" + text.length() + " chars)" : text;
		StringBuilder printable = new StringBuilder();
		for (char c : shown.toCharArray()) {
			printable.append((c < 0x20 || c >= 0x7f) ? String.format("\\x%02x", (int) c) : String.valueOf(c));
		}
		return printable.toString();
	}

	int connections() {
		return this.connections;
	}

	List<String> violations() {
		return this.violations;
	}

	int count(String outcome) {
		return this.totals[List.of(OUTCOMES).indexOf(outcome)];
	}

	int count(String category, String outcome) {
		int[] counts = this.byCategory.get(category);
		return (counts != null) ? counts[List.of(OUTCOMES).indexOf(outcome)] : 0;
	}

	/**
	 * Describe the run: totals, then per category.
	 * @param label what ran
	 * @param seed the corpus seed
	 * @return the summary lines
	 */
	String summary(String label, long seed) {
		int total = 0;
		for (int count : this.totals) {
			total += count;
		}
		StringBuilder summary = new StringBuilder();
		summary.append(String.format(
				"[differential] %s: %d targets, %d forwarded, %d refused 400, %d denied 403, %d refused 414 "
						+ "(request line over %d bytes), %d other (seed %d)%n",
				label, total, this.totals[0], this.totals[1], this.totals[2], this.totals[3], MAX_REQUEST_LINE,
				this.totals[4], seed));
		this.byCategory.forEach(
				(category,
						counts) -> summary.append(String.format(
								"[differential]   %-18s forwarded %4d, refused 400 %4d, denied 403 %4d, 414 %3d, "
										+ "other %3d%n",
								category, counts[0], counts[1], counts[2], counts[3], counts[4])));
		if (!this.refusalReasons.isEmpty()) {
			summary.append("[differential]   400 reasons (RequestTarget): ").append(this.refusalReasons).append('\n');
		}
		return summary.toString();
	}

	/**
	 * An independent model of what the proxy must do with a target: whether it is
	 * canonical (origin form; only RFC 3986 path characters; no empty segment except a
	 * trailing slash; no dot-segment in any encoding, also before {@code ;} parameters;
	 * no escaped or raw slash or backslash inside a segment; no escaped control
	 * character; escapes well-formed UTF-8 and not escaping an escape; a query of visible
	 * ASCII without {@code #}), the path it decodes to (each segment decoded once, its
	 * {@code ;} parameters cut), and whether the intentions deny it.
	 *
	 * @param canonical whether the target is canonical
	 * @param path the decoded path, empty when not canonical
	 * @param problem why it is not canonical
	 * @param lineFits whether the request line fits Reactor Netty's limit
	 * @param connect whether the method is {@code CONNECT}, which is never forwarded
	 */
	record Model(boolean canonical, String path, String problem, boolean lineFits, boolean connect) {

		static Model of(RequestTargetCorpus.Target target) {
			boolean fits = target.method().length() + target.target().length() + " HTTP/1.1".length()
					+ 1 <= MAX_REQUEST_LINE;
			boolean connect = target.method().equalsIgnoreCase("CONNECT");
			try {
				return new Model(true, decode(target.target()), "", fits, connect);
			}
			catch (IllegalArgumentException ex) {
				return new Model(false, "", ex.getMessage(), fits, connect);
			}
		}

		boolean denied() {
			return this.path.toLowerCase(Locale.ROOT).startsWith("/admin");
		}

		boolean forwardable() {
			return this.canonical && !denied() && this.lineFits && !this.connect;
		}

		private static String decode(String target) {
			if (!target.startsWith("/") || target.indexOf('#') >= 0) {
				throw new IllegalArgumentException("not origin form, or a fragment");
			}
			int question = target.indexOf('?');
			String rawPath = (question >= 0) ? target.substring(0, question) : target;
			if (question >= 0) {
				for (char c : target.substring(question + 1).toCharArray()) {
					if (c <= ' ' || c >= 0x7f) {
						throw new IllegalArgumentException("query character " + (int) c);
					}
				}
			}
			String[] segments = rawPath.substring(1).split("/", -1);
			StringBuilder path = new StringBuilder();
			for (int i = 0; i < segments.length; i++) {
				String segment = segments[i];
				boolean last = i == segments.length - 1;
				if (segment.isEmpty() && last) {
					path.append('/');
					continue;
				}
				int semicolon = segment.indexOf(';');
				String name = (semicolon >= 0) ? segment.substring(0, semicolon) : segment;
				if (name.isEmpty()) {
					throw new IllegalArgumentException("empty segment");
				}
				for (char c : segment.toCharArray()) {
					if (!(Character.isLetterOrDigit(c) && c < 0x7f) && "-._~!$&'()*+,;=:@%".indexOf(c) < 0) {
						throw new IllegalArgumentException("character " + (int) c);
					}
				}
				checkEscapes(segment);
				String decoded = percentDecode(name);
				if (decoded.equals(".") || decoded.equals("..")) {
					throw new IllegalArgumentException("dot-segment");
				}
				path.append('/').append(decoded);
			}
			return path.toString();
		}

		private static void checkEscapes(String segment) {
			String decoded = percentDecode(segment);
			for (char c : decoded.toCharArray()) {
				if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f) {
					throw new IllegalArgumentException("escaped separator or control character");
				}
			}
			String lower = segment.toLowerCase(Locale.ROOT);
			for (int at = lower.indexOf("%25"); at >= 0; at = lower.indexOf("%25", at + 1)) {
				if (at + 4 < lower.length() && isHex(lower.charAt(at + 3)) && isHex(lower.charAt(at + 4))) {
					throw new IllegalArgumentException("escaped escape");
				}
			}
		}

		private static boolean isHex(char c) {
			return Character.digit(c, 16) >= 0;
		}

		private static String percentDecode(String raw) {
			ByteArrayOutputStream bytes = new ByteArrayOutputStream();
			for (int i = 0; i < raw.length(); i++) {
				char c = raw.charAt(i);
				if (c == '%') {
					if (i + 2 >= raw.length() || !isHex(raw.charAt(i + 1)) || !isHex(raw.charAt(i + 2))) {
						throw new IllegalArgumentException("malformed escape");
					}
					bytes.write(Integer.parseInt(raw.substring(i + 1, i + 3), 16));
					i += 2;
				}
				else {
					bytes.write(c);
				}
			}
			try {
				return StandardCharsets.UTF_8.newDecoder()
					.onMalformedInput(CodingErrorAction.REPORT)
					.onUnmappableCharacter(CodingErrorAction.REPORT)
					.decode(ByteBuffer.wrap(bytes.toByteArray()))
					.toString();
			}
			catch (CharacterCodingException ex) {
				throw new IllegalArgumentException("escapes that are not UTF-8");
			}
		}

	}

	/**
	 * The decisions of a proxy in this JVM, as its authorizer reports them.
	 */
	static final class Decisions implements ConnectAuthorizationListener {

		private final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();

		@Override
		public void decided(AuthorizationDecision decision) {
		}

		@Override
		public void checked(InboundDecision outcome) {
			if (outcome.method() != null) {
				this.events.add(new Event(outcome.method(), outcome.path(), outcome.allowed(), null));
			}
		}

		@Override
		public void refused(String reason) {
			this.events.add(new Event(null, null, false, reason));
		}

		List<Event> drain() {
			List<Event> drained = new ArrayList<>();
			for (Event event = this.events.poll(); event != null; event = this.events.poll()) {
				drained.add(event);
			}
			return drained;
		}

		/**
		 * A decision or a refusal.
		 *
		 * @param method the method decided on
		 * @param path the path decided on
		 * @param allowed whether it was allowed
		 * @param refusal why the target was refused before any decision
		 */
		record Event(@Nullable String method, @Nullable String path, boolean allowed, @Nullable String refusal) {

		}

	}

}
