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

package io.meshnative.connect.identity;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SPIFFE ID of a Consul service:
 * {@code spiffe://}<i>trust-domain</i>[{@code /ap/}<i>partition</i>]{@code /ns/}<i>namespace</i>{@code /dc/}<i>datacenter</i>{@code /svc/}<i>service</i>.
 * <p>
 * Canonical form and comparison rule:
 * <ul>
 * <li>The trust domain is compared case-insensitively: it is restricted to ASCII letters,
 * digits, {@code .}, {@code -} and {@code _} and stored in lower case.</li>
 * <li>Path segments are URL-unescaped once when parsed, as Consul's parser does, and then
 * compared <em>exactly and case-sensitively</em>: {@code svc/w%65b} names the service
 * {@code web}, but {@code svc/Web} and {@code svc/WEB} do not. (Consul's Go library
 * compares whole URIs case-insensitively; this starter deliberately does not.)</li>
 * <li>An empty partition and {@code default} are the same partition and are stored as the
 * empty string; the {@code /ap/} segment appears in {@link #toUri()} only for other
 * partitions.</li>
 * </ul>
 * Record equality therefore compares the canonical values of all five components;
 * {@link #sameService(SpiffeId)} compares all but the trust domain.
 *
 * @param trustDomain the trust domain, lower case, for example
 * {@code 7f2c0b3e-0d6e-4a53-9b0c-2c41f1a4f3b1.consul}
 * @param partition the admin partition, empty for the default partition
 * @param namespace the namespace ({@code default} in Consul CE)
 * @param datacenter the datacenter
 * @param service the service name
 * @author connect-spring-boot authors
 * @since 0.1.0
 */
public record SpiffeId(String trustDomain, String partition, String namespace, String datacenter, String service) {

	/**
	 * Consul's service path pattern ({@code agent/connect/uri.go}), matched against the
	 * raw (still escaped) path.
	 */
	private static final Pattern SERVICE_PATH = Pattern.compile("^(?:/ap/([^/]+))?/ns/([^/]+)/dc/([^/]+)/svc/([^/]+)$");

	private static final Pattern TRUST_DOMAIN = Pattern.compile("[A-Za-z0-9._-]+");

	private static final String DEFAULT_PARTITION = "default";

	private static final String DEFAULT_NAMESPACE = "default";

	/**
	 * Create a SPIFFE ID from its components, canonicalised: trust domain lower case,
	 * partition {@code default} stored as empty, empty namespace stored as
	 * {@code default}.
	 * @param trustDomain the trust domain
	 * @param partition the partition, empty or {@code default} for the default partition
	 * @param namespace the namespace, empty for {@code default}
	 * @param datacenter the datacenter
	 * @param service the service name
	 * @throws IllegalArgumentException if the trust domain is not valid or the datacenter
	 * or service is empty
	 */
	public SpiffeId {
		if (trustDomain == null || !TRUST_DOMAIN.matcher(trustDomain).matches()) {
			throw new IllegalArgumentException("Trust domain '" + trustDomain
					+ "' is not valid: it must be made of ASCII letters, digits, '.', '-' and '_'");
		}
		trustDomain = trustDomain.toLowerCase(Locale.ROOT);
		partition = (partition == null || DEFAULT_PARTITION.equals(partition)) ? "" : partition;
		namespace = (namespace == null || namespace.isEmpty()) ? DEFAULT_NAMESPACE : namespace;
		if (datacenter == null || datacenter.isEmpty()) {
			throw new IllegalArgumentException("Datacenter must not be empty");
		}
		if (service == null || service.isEmpty()) {
			throw new IllegalArgumentException("Service must not be empty");
		}
	}

	/**
	 * Create the SPIFFE ID of a service in the default partition.
	 * @param trustDomain the trust domain
	 * @param namespace the namespace, empty for {@code default}
	 * @param datacenter the datacenter
	 * @param service the service name
	 * @return the SPIFFE ID
	 */
	public static SpiffeId forService(String trustDomain, String namespace, String datacenter, String service) {
		return new SpiffeId(trustDomain, "", namespace, datacenter, service);
	}

	/**
	 * Create the SPIFFE ID of a service in a partition.
	 * @param trustDomain the trust domain
	 * @param partition the partition, empty or {@code default} for the default partition
	 * @param namespace the namespace, empty for {@code default}
	 * @param datacenter the datacenter
	 * @param service the service name
	 * @return the SPIFFE ID
	 */
	public static SpiffeId forService(String trustDomain, String partition, String namespace, String datacenter,
			String service) {
		return new SpiffeId(trustDomain, partition, namespace, datacenter, service);
	}

	/**
	 * Parse the SPIFFE ID of a Consul service. Accepted: scheme {@code spiffe} exactly
	 * (lower case); a trust domain and nothing else in the authority (no user info, no
	 * port); a path matching Consul's service pattern; no query and no fragment. Path
	 * segments are URL-unescaped once. Root IDs ({@code spiffe://td},
	 * {@code spiffe://td/}) and the IDs of agents, servers and gateways are rejected.
	 * @param uri the URI, for example
	 * {@code spiffe://7f2c0b3e-0d6e-4a53-9b0c-2c41f1a4f3b1.consul/ns/default/dc/dc1/svc/web}
	 * @return the SPIFFE ID
	 * @throws IllegalArgumentException if the URI is not the SPIFFE ID of a service, with
	 * the reason in the message
	 */
	public static SpiffeId parse(String uri) {
		URI parsed = parseUri(uri);
		if (!"spiffe".equals(parsed.getScheme())) {
			throw invalid(uri, "the scheme must be 'spiffe'");
		}
		if (parsed.isOpaque()) {
			throw invalid(uri, "it must start with 'spiffe://'");
		}
		String authority = parsed.getRawAuthority();
		if (authority == null || authority.isEmpty()) {
			throw invalid(uri, "it has no trust domain");
		}
		if (authority.contains("@")) {
			throw invalid(uri, "it must not have user info");
		}
		if (authority.contains(":")) {
			throw invalid(uri, "it must not have a port");
		}
		if (!TRUST_DOMAIN.matcher(authority).matches()) {
			throw invalid(uri, "the trust domain must be made of ASCII letters, digits, '.', '-' and '_'");
		}
		if (parsed.getRawQuery() != null) {
			throw invalid(uri, "it must not have a query");
		}
		if (parsed.getRawFragment() != null) {
			throw invalid(uri, "it must not have a fragment");
		}
		String path = parsed.getRawPath();
		if (path == null || path.isEmpty() || "/".equals(path)) {
			throw invalid(uri, "it has no path: a trust domain's root ID names no workload");
		}
		Matcher matcher = SERVICE_PATH.matcher(path);
		if (!matcher.matches()) {
			throw invalid(uri, "the path is not a Consul service path "
					+ "('[/ap/<partition>]/ns/<namespace>/dc/<datacenter>/svc/<service>')");
		}
		String partition = (matcher.group(1) != null) ? unescape(uri, matcher.group(1)) : "";
		return new SpiffeId(authority, partition, unescape(uri, matcher.group(2)), unescape(uri, matcher.group(3)),
				unescape(uri, matcher.group(4)));
	}

	/**
	 * Return the canonical URI: lower-case trust domain, the {@code /ap/} segment only
	 * for a partition other than the default, each segment percent-encoded where needed
	 * (everything except ASCII letters, digits and {@code -._~!$&'()*+,;=:@}).
	 * @return the URI
	 */
	public String toUri() {
		StringBuilder uri = new StringBuilder("spiffe://").append(this.trustDomain);
		if (!this.partition.isEmpty()) {
			uri.append("/ap/").append(escape(this.partition));
		}
		uri.append("/ns/").append(escape(this.namespace));
		uri.append("/dc/").append(escape(this.datacenter));
		uri.append("/svc/").append(escape(this.service));
		return uri.toString();
	}

	/**
	 * Return whether this ID and another name the same service: same partition (empty and
	 * {@code default} being the same), namespace, datacenter and service name, compared
	 * exactly on the unescaped values. The trust domain is <em>not</em> compared; check
	 * it separately (the SVID validator does).
	 * @param other the other ID
	 * @return whether both name the same service
	 */
	public boolean sameService(SpiffeId other) {
		return this.partition.equals(other.partition) && this.namespace.equals(other.namespace)
				&& this.datacenter.equals(other.datacenter) && this.service.equals(other.service);
	}

	@Override
	public String toString() {
		return toUri();
	}

	private static URI parseUri(String uri) {
		try {
			return new URI(uri);
		}
		catch (URISyntaxException ex) {
			throw new IllegalArgumentException("'" + uri + "' is not a valid SPIFFE ID: " + ex.getMessage(), ex);
		}
	}

	private static IllegalArgumentException invalid(String uri, String reason) {
		return new IllegalArgumentException("'" + uri + "' is not the SPIFFE ID of a Consul service: " + reason);
	}

	private static String unescape(String uri, String segment) {
		if (segment.indexOf('%') < 0) {
			return segment;
		}
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		for (int i = 0; i < segment.length(); i++) {
			char ch = segment.charAt(i);
			if (ch == '%') {
				int high = (i + 2 < segment.length()) ? Character.digit(segment.charAt(i + 1), 16) : -1;
				int low = (high >= 0) ? Character.digit(segment.charAt(i + 2), 16) : -1;
				if (low < 0) {
					throw invalid(uri, "segment '" + segment + "' has an invalid escape");
				}
				bytes.write(high * 16 + low);
				i += 2;
			}
			else {
				bytes.writeBytes(String.valueOf(ch).getBytes(StandardCharsets.UTF_8));
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
			throw invalid(uri, "segment '" + segment + "' does not unescape to UTF-8");
		}
	}

	private static String escape(String segment) {
		StringBuilder escaped = new StringBuilder();
		for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
			char ch = (char) (b & 0xFF);
			if (isUnescaped(ch)) {
				escaped.append(ch);
			}
			else {
				escaped.append('%')
					.append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xF, 16)))
					.append(Character.toUpperCase(Character.forDigit(b & 0xF, 16)));
			}
		}
		return escaped.toString();
	}

	private static boolean isUnescaped(char ch) {
		return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
				|| "-._~!$&'()*+,;=:@".indexOf(ch) >= 0;
	}

}
