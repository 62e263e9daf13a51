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

package io.meshnative.connect.authz.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import io.meshnative.connect.agent.internal.Intention;
import io.meshnative.connect.identity.SpiffeId;
import org.jspecify.annotations.Nullable;

/**
 * The intentions for this service compiled for local decisions, L4 and L7, as Consul's
 * Envoy configuration decides ({@code agent/xds/rbac.go}): intentions in precedence order
 * (ties broken as Consul sorts them); the first whose source names the caller decides; an
 * L4 intention by its action; an L7 intention by the first of its permissions, in order,
 * that matches the request; when no intention, or no permission of the caller's L7
 * intention, matches, the default decision applies (the ACL default policy; allow with
 * ACLs disabled). An L7 intention decides a connection (no request) as a deny, as Envoy's
 * network filter does.
 * <p>
 * Deliberately stricter than Envoy where a request can be read more than one way: a deny
 * permission matches when any reading matches (path with or without {@code ;} parameters,
 * case variants and a trailing slash of its path, {@code GET} for a {@code HEAD} request
 * since Spring runs the {@code GET} handler, any value of a repeated header and all of
 * them joined with {@code ,}), an allow permission only when every reading matches. A
 * condition that cannot be evaluated (an unknown pseudo-header, a regular expression that
 * does not compile, a header condition without a name, JWT requirements, which are not
 * supported) fails closed: such a deny permission matches every request its other
 * conditions match, such an allow permission matches none, and an intention with JWT
 * requirements denies its callers. Each such condition is reported once per compilation.
 *
 * @author connect-spring-boot authors
 */
public final class IntentionRules {

	/**
	 * How many callers' matching intentions are remembered per compilation.
	 */
	private static final int MAX_REMEMBERED_CALLERS = 10_000;

	private static final Comparator<Intention> PRECEDENCE = Comparator.comparingInt(Intention::precedence)
		.reversed()
		.thenComparing(Intention::sourcePeer)
		.thenComparing(Intention::sourcePartition)
		.thenComparing(Intention::sourceNs)
		.thenComparing(Intention::sourceName)
		.thenComparing(Intention::destinationPartition)
		.thenComparing(Intention::destinationNs)
		.thenComparing(Intention::destinationName);

	private final List<Compiled> intentions;

	private final @Nullable String unavailable;

	private final @Nullable Boolean defaultAllow;

	private final String partition;

	private final Map<SpiffeId, Optional<Compiled>> byCaller;

	/**
	 * The decision when no intention matches, made once: decisions are taken for every
	 * request.
	 */
	private final Evaluation noIntentionMatched;

	private IntentionRules(List<Compiled> intentions, @Nullable String unavailable, @Nullable Boolean defaultAllow,
			String partition, Map<SpiffeId, Optional<Compiled>> byCaller) {
		this.intentions = intentions;
		this.unavailable = unavailable;
		this.defaultAllow = defaultAllow;
		this.partition = partition;
		this.byCaller = byCaller;
		this.noIntentionMatched = byDefault("no intention matched");
	}

	/**
	 * Rules for intentions that are not known: every decision is left to the failure
	 * mode.
	 * @param reason why the intentions are not known
	 * @return the rules
	 */
	public static IntentionRules unavailable(String reason) {
		return new IntentionRules(Collections.emptyList(), reason, null, "default", new ConcurrentHashMap<>());
	}

	/**
	 * Compile intentions of a service in the default partition; never throws.
	 * @param intentions the intentions, as the match endpoint returned them
	 * @param defaultAllow the default decision, {@code null} when not known
	 * @param problems told once about every condition that fails closed
	 * @return the rules
	 */
	static IntentionRules compile(List<Intention> intentions, @Nullable Boolean defaultAllow,
			Consumer<String> problems) {
		return compile(intentions, defaultAllow, null, problems);
	}

	/**
	 * Compile intentions; never throws.
	 * @param intentions the intentions, as the match endpoint returned them
	 * @param defaultAllow the default decision, {@code null} when not known
	 * @param partition the admin partition of this service, {@code null} for the default
	 * @param problems told once about every condition that fails closed
	 * @return the rules
	 */
	static IntentionRules compile(List<Intention> intentions, @Nullable Boolean defaultAllow,
			@Nullable String partition, Consumer<String> problems) {
		List<Intention> sorted = new ArrayList<>();
		for (Intention intention : intentions) {
			if (intention != null) {
				sorted.add(intention);
			}
		}
		sorted.sort(PRECEDENCE);
		List<Compiled> compiled = new ArrayList<>();
		for (Intention intention : sorted) {
			compiled.add(Compiled.of(intention, problems));
		}
		return new IntentionRules(Collections.unmodifiableList(compiled), null, defaultAllow, orDefault(partition),
				new ConcurrentHashMap<>());
	}

	/**
	 * Return these rules with another default decision.
	 * @param defaultAllow the default decision, {@code null} when not known
	 * @return the rules
	 */
	IntentionRules withDefault(@Nullable Boolean defaultAllow) {
		return new IntentionRules(this.intentions, this.unavailable, defaultAllow, this.partition, this.byCaller);
	}

	/**
	 * Return why the intentions are not known.
	 * @return the reason, or {@code null} when they are
	 */
	public @Nullable String getUnavailableReason() {
		return this.unavailable;
	}

	/**
	 * Return the default decision.
	 * @return whether the default allows, {@code null} when not known
	 */
	public @Nullable Boolean getDefaultAllow() {
		return this.defaultAllow;
	}

	/**
	 * Return whether an intention names its source with a wildcard, so that it could
	 * match a source that no intention names exactly.
	 * @return whether there is a wildcard source
	 */
	boolean hasWildcardSource() {
		for (Compiled compiled : this.intentions) {
			if (compiled.intention().sourceName().equals("*") || compiled.intention().sourceNs().equals("*")) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Decide for a caller, about a connection ({@code request == null}) or a request.
	 * @param caller the caller's validated SPIFFE ID
	 * @param request the request, or {@code null} for a connection
	 * @return the decision
	 */
	public Evaluation decide(SpiffeId caller, @Nullable L7Request request) {
		if (this.unavailable != null) {
			return Evaluation.unknown("the intentions are not known: " + this.unavailable);
		}
		if (!orDefault(caller.partition()).equals(this.partition)) {
			return Evaluation.intention(false, "Mismatched partitions: \"" + orDefault(caller.partition()) + "\" != \""
					+ this.partition + "\" (as Consul's authorize endpoint decides)");
		}
		Compiled intention = firstMatching(caller);
		if (intention == null) {
			return this.noIntentionMatched;
		}
		if (intention.jwt() || !intention.layer7()) {
			return intention.decision();
		}
		if (request == null) {
			return intention.connectionDenied();
		}
		for (Permission permission : intention.permissions()) {
			if (permission.matches(request)) {
				return permission.decision();
			}
		}
		return byDefault("no permission of L7 " + intention.name() + " matched");
	}

	private Evaluation byDefault(String why) {
		Boolean allow = this.defaultAllow;
		if (allow == null) {
			return Evaluation.unknown(why + " and the default decision is not known");
		}
		return Evaluation.byDefault(allow, why + "; the default decision " + (allow ? "allows" : "denies"));
	}

	private @Nullable Compiled firstMatching(SpiffeId caller) {
		Optional<Compiled> known = this.byCaller.get(caller);
		if (known != null) {
			return known.orElse(null);
		}
		Compiled found = null;
		for (Compiled compiled : this.intentions) {
			if (sourceMatches(compiled.intention(), caller)) {
				found = compiled;
				break;
			}
		}
		if (this.byCaller.size() < MAX_REMEMBERED_CALLERS) {
			this.byCaller.put(caller, Optional.ofNullable(found));
		}
		return found;
	}

	private static boolean sourceMatches(Intention intention, SpiffeId caller) {
		if (!intention.sourcePeer().isEmpty()) {
			return false;
		}
		if (!orDefault(intention.sourcePartition()).equals(orDefault(caller.partition()))) {
			return false;
		}
		String namespace = orDefault(intention.sourceNs());
		if (!namespace.equals("*") && !namespace.equals(orDefault(caller.namespace()))) {
			return false;
		}
		return intention.sourceName().equals("*") || intention.sourceName().equals(caller.service());
	}

	static String orDefault(@Nullable String value) {
		return (value == null || value.isEmpty()) ? "default" : value;
	}

	static String describe(Intention intention) {
		return orDefault(intention.sourceNs()) + "/" + intention.sourceName() + " => "
				+ orDefault(intention.destinationNs()) + "/" + intention.destinationName() + " (precedence "
				+ intention.precedence() + ")";
	}

	/**
	 * The readings of a method a deny permission must consider: the method as sent and,
	 * for {@code HEAD}, {@code GET}, whose handler Spring runs for it.
	 * @param method the method
	 * @return the readings
	 */
	static List<String> denyMethodReadings(String method) {
		return method.equalsIgnoreCase("HEAD") ? List.of(method, "GET") : List.of(method);
	}

	private static boolean hasText(@Nullable String value) {
		return value != null && !value.isEmpty();
	}

	/**
	 * What decided.
	 */
	public enum Kind {

		/**
		 * An intention (its action, or one of its permissions).
		 */
		INTENTION,

		/**
		 * The default decision: no intention, or no permission of the caller's L7
		 * intention, matched.
		 */
		DEFAULT,

		/**
		 * Nothing can decide: the intentions, or the default when it is needed, are not
		 * known.
		 */
		UNKNOWN

	}

	/**
	 * The outcome of a decision.
	 *
	 * @param kind what decided
	 * @param allowed whether the caller may proceed (meaningless for
	 * {@link Kind#UNKNOWN})
	 * @param reason why, for logs
	 */
	public record Evaluation(Kind kind, boolean allowed, String reason) {

		static Evaluation intention(boolean allowed, String reason) {
			return new Evaluation(Kind.INTENTION, allowed, reason);
		}

		static Evaluation byDefault(boolean allowed, String reason) {
			return new Evaluation(Kind.DEFAULT, allowed, reason);
		}

		/**
		 * Return an evaluation that leaves the decision to the failure mode.
		 * @param reason why nothing can decide
		 * @return the evaluation
		 */
		public static Evaluation unknown(String reason) {
			return new Evaluation(Kind.UNKNOWN, false, reason);
		}

	}

	/**
	 * A compiled intention, with the decisions that do not depend on the request made
	 * once.
	 *
	 * @param intention the intention
	 * @param name {@code "intention "} and its description, for reasons and problems
	 * @param layer7 whether it carries HTTP permissions
	 * @param jwt whether it has JWT requirements (its callers are denied)
	 * @param permissions the permissions of an L7 intention
	 * @param decision the decision for a JWT or an L4 intention
	 * @param connectionDenied the decision for a connection that matches an L7 intention
	 */
	private record Compiled(Intention intention, String name, boolean layer7, boolean jwt, List<Permission> permissions,
			Evaluation decision, Evaluation connectionDenied) {

		Compiled(Intention intention, String name, boolean layer7, boolean jwt, List<Permission> permissions) {
			this(intention, name, layer7, jwt, permissions,
					jwt ? Evaluation.intention(false,
							"Matched " + name + ", whose JWT requirements cannot be evaluated here (denied)")
							: Evaluation.intention(intention.action().equalsIgnoreCase("allow"),
									"Matched L4 intention: " + describe(intention)),
					Evaluation.intention(false,
							"Matched L7 " + name + ", which needs an HTTP request; a connection is denied"));
		}

		static Compiled of(Intention intention, Consumer<String> problems) {
			String name = "intention " + describe(intention);
			boolean jwt = hasJwt(intention.jwt());
			if (jwt) {
				problems.accept(name + " has JWT requirements, which are not supported: its callers are denied");
			}
			if (intention.permissions().isEmpty()) {
				String action = intention.action().toLowerCase(Locale.ROOT);
				if (!action.equals("allow") && !action.equals("deny")) {
					problems.accept(name + " has the action '" + intention.action()
							+ "' (expected allow or deny): its callers are denied");
				}
				return new Compiled(intention, name, false, jwt, Collections.emptyList());
			}
			List<Permission> permissions = new ArrayList<>();
			int index = 0;
			for (Intention.Permission permission : intention.permissions()) {
				permissions.add(Permission.compile(permission, index++, name, problems));
			}
			return new Compiled(intention, name, true, jwt, Collections.unmodifiableList(permissions));
		}

		private static boolean hasJwt(@Nullable Map<String, Object> jwt) {
			return jwt != null && !jwt.isEmpty();
		}

	}

	/**
	 * A compiled L7 permission: all of its conditions must hold.
	 */
	private record Permission(int index, boolean allow, boolean failedClosed, @Nullable PathMatch path,
			List<HeaderMatch> headers, List<String> methods, Evaluation decision) {

		Permission(int index, boolean allow, boolean failedClosed, @Nullable PathMatch path, List<HeaderMatch> headers,
				List<String> methods, String intention) {
			this(index, allow, failedClosed, path, headers, methods, Evaluation.intention(allow,
					"Matched L7 permission " + index + " (" + (allow ? "allow" : "deny") + ") of " + intention));
		}

		static Permission compile(Intention.Permission permission, int index, String intention,
				Consumer<String> problems) {
			String where = intention + ", permission " + index;
			String action = permission.action().toLowerCase(Locale.ROOT);
			boolean allow = action.equals("allow");
			boolean failedClosed = false;
			if (!allow && !action.equals("deny")) {
				problems.accept(where + " has the action '" + permission.action()
						+ "' (expected allow or deny): it is read as a deny");
			}
			if (Compiled.hasJwt(permission.jwt())) {
				problems.accept(where + " has JWT requirements, which are not supported: "
						+ (allow ? "it never allows" : "it denies whatever its HTTP conditions match"));
				failedClosed = allow;
			}
			Intention.HttpPermission http = permission.http();
			if (http == null) {
				return new Permission(index, allow, failedClosed, null, Collections.emptyList(),
						Collections.emptyList(), intention);
			}
			List<HeaderMatch> headers = new ArrayList<>();
			for (Intention.HeaderPermission header : http.header()) {
				headers.add(HeaderMatch.compile(header, allow, where, problems));
			}
			return new Permission(index, allow, failedClosed, PathMatch.compile(http, allow, where, problems), headers,
					List.copyOf(http.methods()), intention);
		}

		boolean matches(L7Request request) {
			if (this.failedClosed) {
				return false;
			}
			if (this.path != null && !this.path.matches(request.target())) {
				return false;
			}
			for (HeaderMatch header : this.headers) {
				if (!header.matches(request)) {
					return false;
				}
			}
			return this.methods.isEmpty() || methodMatches(request.method());
		}

		private boolean methodMatches(String method) {
			if (this.allow) {
				return this.methods.contains(method);
			}
			for (String candidate : denyMethodReadings(method)) {
				for (String listed : this.methods) {
					if (listed.equalsIgnoreCase(candidate)) {
						return true;
					}
				}
			}
			return false;
		}

	}

	/**
	 * A path condition; a deny's matches case variants and a trailing slash too.
	 */
	private record PathMatch(@Nullable String exact, @Nullable String prefix, @Nullable Pattern regex,
			boolean failedClosed, boolean deny) {

		static @Nullable PathMatch compile(Intention.HttpPermission http, boolean allow, String where,
				Consumer<String> problems) {
			boolean deny = !allow;
			if (hasText(http.pathExact())) {
				return new PathMatch(http.pathExact(), null, null, false, deny);
			}
			if (hasText(http.pathPrefix())) {
				return new PathMatch(null, http.pathPrefix(), null, false, deny);
			}
			if (hasText(http.pathRegex())) {
				try {
					return new PathMatch(null, null, Pattern.compile(http.pathRegex(),
							deny ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0), false, deny);
				}
				catch (PatternSyntaxException ex) {
					problems.accept(where + " has a PathRegex that is not a valid (Java) regular expression: "
							+ (deny ? "it matches every path" : "it matches no path"));
					return new PathMatch(null, null, null, true, deny);
				}
			}
			return null;
		}

		boolean matches(RequestTarget target) {
			if (this.failedClosed) {
				return this.deny;
			}
			boolean any = matches(target.path());
			boolean all = any;
			if (!target.pathWithParameters().equals(target.path())) {
				boolean other = matches(target.pathWithParameters());
				any = any || other;
				all = all && other;
			}
			return this.deny ? any : all;
		}

		private boolean matches(String path) {
			if (this.exact != null) {
				if (!this.deny) {
					return path.equals(this.exact);
				}
				return path.equalsIgnoreCase(this.exact) || (path.endsWith("/") && path.length() > 1
						&& path.substring(0, path.length() - 1).equalsIgnoreCase(this.exact));
			}
			if (this.prefix != null) {
				return path.regionMatches(this.deny, 0, this.prefix, 0, this.prefix.length());
			}
			return this.regex != null && this.regex.matcher(path).matches();
		}

	}

	/**
	 * A header condition, on a header or on one of Envoy's pseudo-headers. The value
	 * conditions are read in Consul's order: {@code Exact}, {@code Regex},
	 * {@code Prefix}, {@code Suffix}, then {@code Contains} (Consul 1.20.1 and later);
	 * {@code Present} when none is set.
	 */
	private record HeaderMatch(String name, boolean present, @Nullable String exact, @Nullable Pattern regex,
			@Nullable String prefix, @Nullable String suffix, @Nullable String contains, boolean ignoreCase,
			boolean invert, boolean deny, boolean failedClosed) {

		private static final Set<String> PSEUDO_HEADERS = Set.of(":method", ":path", ":scheme", "host");

		static HeaderMatch compile(Intention.HeaderPermission header, boolean allow, String where,
				Consumer<String> problems) {
			boolean deny = !allow;
			String key = L7Request.headerKey(header.name());
			String consequence = deny ? "the permission matches as if it held" : "the permission never matches";
			if (!hasText(header.name())) {
				problems.accept(where + " has a header condition without a name: " + consequence);
				return failedClosed(key, deny);
			}
			if (key.startsWith(":") && !PSEUDO_HEADERS.contains(key)) {
				problems.accept(where + " has a condition on the pseudo-header '" + header.name()
						+ "', which cannot be evaluated (known: :method, :path, :authority, :scheme): " + consequence);
				return failedClosed(key, deny);
			}
			boolean ignoreCase = header.ignoreCase() || key.equals("host") || key.equals(":scheme");
			Pattern regex = null;
			if (hasText(header.regex())) {
				try {
					regex = Pattern.compile(header.regex(),
							ignoreCase ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0);
				}
				catch (PatternSyntaxException ex) {
					problems.accept(where + " has a Header.Regex on '" + header.name()
							+ "' that is not a valid (Java) regular expression: " + consequence);
					return failedClosed(key, deny);
				}
			}
			boolean hasValueMatch = hasText(header.exact()) || regex != null || hasText(header.prefix())
					|| hasText(header.suffix()) || hasText(header.contains());
			if (!hasValueMatch && !header.present()) {
				problems.accept(where + " has a condition on header '" + header.name()
						+ "' that sets no match (Present, Exact, Prefix, Suffix, Regex): " + consequence);
				return failedClosed(key, deny);
			}
			return new HeaderMatch(key, header.present() && !hasValueMatch, blankToNull(header.exact()), regex,
					blankToNull(header.prefix()), blankToNull(header.suffix()), blankToNull(header.contains()),
					ignoreCase, header.invert(), deny, false);
		}

		private static HeaderMatch failedClosed(String key, boolean deny) {
			return new HeaderMatch(key, false, null, null, null, null, null, false, false, deny, true);
		}

		private static @Nullable String blankToNull(@Nullable String value) {
			return hasText(value) ? value : null;
		}

		boolean matches(L7Request request) {
			if (this.failedClosed) {
				return this.deny;
			}
			List<String> values = readings(request);
			if (this.present) {
				return values.isEmpty() == this.invert;
			}
			if (values.isEmpty()) {
				return false;
			}
			boolean any = false;
			boolean all = true;
			for (String value : values) {
				boolean hit = valueMatches(value) != this.invert;
				any = any || hit;
				all = all && hit;
			}
			return this.deny ? any : all;
		}

		/**
		 * Return every value this condition must consider: the header's values and, when
		 * it is repeated, all of them joined with {@code ,} (as Envoy matches); for the
		 * pseudo-headers, their readings.
		 * @param request the request
		 * @return the values
		 */
		private List<String> readings(L7Request request) {
			return switch (this.name) {
				case ":method" -> this.deny ? denyMethodReadings(request.method()) : List.of(request.method());
				case ":path" -> pathReadings(request.target());
				case ":scheme" -> List.of(L7Request.SCHEME);
				default -> headerReadings(request.values(this.name));
			};
		}

		private static List<String> pathReadings(RequestTarget target) {
			Set<String> paths = new LinkedHashSet<>();
			paths.add(target.pseudoPath());
			paths.add(target.withQuery(target.path()));
			paths.add(target.withQuery(target.pathWithParameters()));
			return List.copyOf(paths);
		}

		private static List<String> headerReadings(List<String> values) {
			if (values.size() < 2) {
				return values;
			}
			List<String> readings = new ArrayList<>(values);
			readings.add(String.join(",", values));
			return readings;
		}

		private boolean valueMatches(String value) {
			String actual = this.ignoreCase ? value.toLowerCase(Locale.ROOT) : value;
			if (this.exact != null) {
				return actual.equals(fold(this.exact));
			}
			if (this.regex != null) {
				return this.regex.matcher(value).matches();
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
