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

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import io.meshnative.connect.agent.Intention;
import io.meshnative.connect.identity.SpiffeId;
import org.jspecify.annotations.Nullable;

/**
 * The intentions for this service in evaluation order, with the HTTP permissions of L7
 * intentions compiled for per-request evaluation, as Consul's Envoy configuration
 * evaluates them ({@code agent/xds/rbac.go}): the first intention, by precedence, whose
 * source names the caller decides; an L7 intention decides by the first of its
 * permissions, in order, that matches the request; when none matches, the request gets
 * the default decision (the ACL default policy; allow with ACLs disabled).
 * <p>
 * Deliberately stricter than Envoy: a deny permission's path also matches case variants
 * and a trailing slash of its path, and a header condition of a deny permission holds
 * when it holds for any value of the header (each value and all values joined with
 * {@code ,}) while one of an allow permission must hold for every value. Intentions that
 * cannot be compiled (an unknown action, a bad regular expression, a header condition
 * without a match, JWT requirements, which are not supported) make every L7 decision a
 * deny.
 *
 * @author connect-spring-boot authors
 */
final class IntentionRules {

	private final List<Compiled> intentions;

	private final @Nullable String unavailable;

	private IntentionRules(List<Compiled> intentions, @Nullable String unavailable) {
		this.intentions = intentions;
		this.unavailable = unavailable;
	}

	/**
	 * Rules that deny every L7 decision.
	 * @param reason why the intentions are not known
	 * @return the rules
	 */
	static IntentionRules unavailable(String reason) {
		return new IntentionRules(Collections.emptyList(), reason);
	}

	/**
	 * Compile intentions; never throws: intentions that cannot be compiled give rules
	 * that deny every L7 decision and say why.
	 * @param intentions the intentions, as the match endpoint returned them
	 * @return the rules
	 */
	static IntentionRules compile(List<Intention> intentions) {
		List<Intention> sorted = new ArrayList<>();
		for (Intention intention : intentions) {
			if (intention != null) {
				sorted.add(intention);
			}
		}
		sorted.sort(Comparator.comparingInt(Intention::precedence).reversed());
		List<Compiled> compiled = new ArrayList<>();
		for (Intention intention : sorted) {
			try {
				compiled.add(new Compiled(intention, compilePermissions(intention)));
			}
			catch (IllegalArgumentException ex) {
				return unavailable("intention " + describe(intention) + " cannot be evaluated: " + ex.getMessage());
			}
		}
		return new IntentionRules(Collections.unmodifiableList(compiled), null);
	}

	private static List<Permission> compilePermissions(Intention intention) {
		if (hasJwt(intention.jwt())) {
			throw new IllegalArgumentException("JWT requirements are not supported");
		}
		List<Permission> permissions = new ArrayList<>();
		int index = 0;
		for (Intention.Permission permission : intention.permissions()) {
			permissions.add(Permission.compile(permission, index++));
		}
		return permissions;
	}

	/**
	 * Return why the intentions cannot be evaluated.
	 * @return the reason, or {@code null} when they can
	 */
	@Nullable String getUnavailableReason() {
		return this.unavailable;
	}

	/**
	 * Evaluate a request of a caller for which the agent matched an L7 intention.
	 * @param caller the caller's validated SPIFFE ID
	 * @param request the request
	 * @return the outcome
	 */
	Evaluation evaluate(SpiffeId caller, L7Request request) {
		if (this.unavailable != null) {
			return new Evaluation(Result.DENY, "L7 intentions cannot be evaluated: " + this.unavailable);
		}
		Compiled intention = firstMatching(caller);
		if (intention == null || intention.permissions().isEmpty()) {
			return new Evaluation(Result.DENY,
					"the agent matched an L7 intention that the watched intentions do not show yet");
		}
		if (request.hasFragment()) {
			return new Evaluation(Result.DENY, "request path refused: the request target carries a fragment");
		}
		String path;
		try {
			path = RequestPaths.normalize(request.rawPath());
		}
		catch (IllegalArgumentException ex) {
			return new Evaluation(Result.DENY, "request path refused: " + ex.getMessage());
		}
		for (Permission permission : intention.permissions()) {
			if (permission.matches(request, path)) {
				return new Evaluation(permission.allow() ? Result.ALLOW : Result.DENY,
						"Matched L7 permission " + permission.index() + " (" + (permission.allow() ? "allow" : "deny")
								+ ") of intention " + describe(intention.intention()));
			}
		}
		return new Evaluation(Result.NO_MATCH,
				"no permission of L7 intention " + describe(intention.intention()) + " matched");
	}

	private @Nullable Compiled firstMatching(SpiffeId caller) {
		for (Compiled compiled : this.intentions) {
			if (sourceMatches(compiled.intention(), caller)) {
				return compiled;
			}
		}
		return null;
	}

	private static boolean sourceMatches(Intention intention, SpiffeId caller) {
		if (!intention.sourcePeer().isEmpty()) {
			return false;
		}
		String partition = orDefault(intention.sourcePartition());
		if (!partition.equals(orDefault(caller.partition()))) {
			return false;
		}
		String namespace = orDefault(intention.sourceNs());
		if (!namespace.equals("*") && !namespace.equals(orDefault(caller.namespace()))) {
			return false;
		}
		return intention.sourceName().equals("*") || intention.sourceName().equals(caller.service());
	}

	private static String orDefault(@Nullable String value) {
		return (value == null || value.isEmpty()) ? "default" : value;
	}

	private static String describe(Intention intention) {
		return orDefault(intention.sourceNs()) + "/" + intention.sourceName() + " => "
				+ orDefault(intention.destinationNs()) + "/" + intention.destinationName() + " (precedence "
				+ intention.precedence() + ")";
	}

	private static Pattern pattern(@Nullable String regex, boolean ignoreCase, String field, int index) {
		try {
			return Pattern.compile(String.valueOf(regex),
					ignoreCase ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0);
		}
		catch (PatternSyntaxException ex) {
			throw new IllegalArgumentException(
					"permission " + index + " has a " + field + " that is not a valid regular expression");
		}
	}

	private static boolean hasJwt(@Nullable Map<String, Object> jwt) {
		return jwt != null && !jwt.isEmpty();
	}

	private static boolean hasText(@Nullable String value) {
		return value != null && !value.isEmpty();
	}

	private static @Nullable String blankToNull(@Nullable String value) {
		return hasText(value) ? value : null;
	}

	/**
	 * What an evaluation decided.
	 */
	enum Result {

		/**
		 * An allow permission matched.
		 */
		ALLOW,

		/**
		 * A deny permission matched, or the request cannot be evaluated.
		 */
		DENY,

		/**
		 * No permission matched: the default decision applies.
		 */
		NO_MATCH

	}

	/**
	 * The outcome of an evaluation.
	 *
	 * @param result the result
	 * @param reason why
	 */
	record Evaluation(Result result, String reason) {

	}

	private record Compiled(Intention intention, List<Permission> permissions) {

	}

	private record Permission(int index, boolean allow, @Nullable PathMatch path, List<HeaderMatch> headers,
			List<String> methods) {

		static Permission compile(Intention.Permission permission, int index) {
			String action = permission.action().toLowerCase(Locale.ROOT);
			if (!action.equals("allow") && !action.equals("deny")) {
				throw new IllegalArgumentException("permission " + index + " has the action '" + permission.action()
						+ "' (expected allow or deny)");
			}
			boolean allow = action.equals("allow");
			if (hasJwt(permission.jwt())) {
				throw new IllegalArgumentException("permission " + index + " has JWT requirements (not supported)");
			}
			Intention.HttpPermission http = permission.http();
			if (http == null) {
				return new Permission(index, allow, null, Collections.emptyList(), Collections.emptyList());
			}
			List<HeaderMatch> headers = new ArrayList<>();
			for (Intention.HeaderPermission header : http.header()) {
				headers.add(HeaderMatch.compile(header, allow, index));
			}
			return new Permission(index, allow, PathMatch.compile(http, allow, index), headers,
					List.copyOf(http.methods()));
		}

		boolean matches(L7Request request, String path) {
			if (this.path != null && !this.path.matches(path)) {
				return false;
			}
			for (HeaderMatch header : this.headers) {
				if (!header.matches(request)) {
					return false;
				}
			}
			return this.methods.isEmpty() || this.methods.contains(request.method());
		}

	}

	private record PathMatch(@Nullable String exact, @Nullable String prefix, @Nullable Pattern regex,
			boolean lenient) {

		static @Nullable PathMatch compile(Intention.HttpPermission http, boolean allow, int index) {
			boolean lenient = !allow;
			if (hasText(http.pathExact())) {
				return new PathMatch(http.pathExact(), null, null, lenient);
			}
			if (hasText(http.pathPrefix())) {
				return new PathMatch(null, http.pathPrefix(), null, lenient);
			}
			if (hasText(http.pathRegex())) {
				return new PathMatch(null, null, pattern(http.pathRegex(), lenient, "PathRegex", index), lenient);
			}
			return null;
		}

		boolean matches(String path) {
			if (this.exact != null) {
				return this.lenient ? path.equalsIgnoreCase(this.exact)
						|| (path.endsWith("/") && path.substring(0, path.length() - 1).equalsIgnoreCase(this.exact))
						: path.equals(this.exact);
			}
			if (this.prefix != null) {
				return path.regionMatches(this.lenient, 0, this.prefix, 0, this.prefix.length());
			}
			return this.regex != null && this.regex.matcher(path).matches();
		}

	}

	private record HeaderMatch(String name, boolean present, @Nullable String exact, @Nullable String prefix,
			@Nullable String suffix, @Nullable String contains, @Nullable Pattern regex, boolean ignoreCase,
			boolean invert, boolean any) {

		static HeaderMatch compile(Intention.HeaderPermission header, boolean allow, int index) {
			if (!hasText(header.name())) {
				throw new IllegalArgumentException("permission " + index + " has a header condition without a name");
			}
			boolean ignoreCase = header.ignoreCase() || L7Request.headerKey(header.name()).equals("host");
			Pattern regex = hasText(header.regex()) ? pattern(header.regex(), ignoreCase, "Header.Regex", index) : null;
			boolean hasValueMatch = hasText(header.exact()) || hasText(header.prefix()) || hasText(header.suffix())
					|| hasText(header.contains()) || regex != null;
			if (!hasValueMatch && !header.present()) {
				throw new IllegalArgumentException("permission " + index + " has a condition on header '"
						+ header.name() + "' that matches nothing");
			}
			return new HeaderMatch(header.name(), header.present() && !hasValueMatch, blankToNull(header.exact()),
					blankToNull(header.prefix()), blankToNull(header.suffix()), blankToNull(header.contains()), regex,
					ignoreCase, header.invert(), !allow);
		}

		boolean matches(L7Request request) {
			List<String> values = request.values(this.name);
			if (this.present) {
				return values.isEmpty() == this.invert;
			}
			if (values.isEmpty()) {
				return false;
			}
			List<String> candidates = new ArrayList<>(values);
			if (values.size() > 1) {
				candidates.add(String.join(",", values));
			}
			for (String candidate : candidates) {
				boolean hit = valueMatches(candidate) != this.invert;
				if (this.any && hit) {
					return true;
				}
				if (!this.any && !hit) {
					return false;
				}
			}
			return !this.any;
		}

		private boolean valueMatches(String value) {
			if (this.regex != null) {
				return this.regex.matcher(value).matches();
			}
			String actual = this.ignoreCase ? value.toLowerCase(Locale.ROOT) : value;
			if (this.exact != null) {
				return actual.equals(fold(this.exact));
			}
			if (this.prefix != null) {
				return actual.startsWith(fold(this.prefix));
			}
			if (this.suffix != null) {
				return actual.endsWith(fold(this.suffix));
			}
			return this.contains != null && actual.contains(fold(this.contains));
		}

		private String fold(String expected) {
			return this.ignoreCase ? expected.toLowerCase(Locale.ROOT) : expected;
		}

	}

}
