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

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link SpiffeId}. Case IDs refer to security-test-catalogue §4.1.
 *
 * @author connect-spring-boot authors
 */
class SpiffeIdTests {

	private static final String TD = "7f2c0b3e-0d6e-4a53-9b0c-2c41f1a4f3b1.consul";

	@Test
	void parseReadsAServiceIdInTheDefaultPartition() {
		SpiffeId id = SpiffeId.parse("spiffe://" + TD + "/ns/default/dc/dc1/svc/web");
		assertThat(id.trustDomain()).isEqualTo(TD);
		assertThat(id.partition()).isEmpty();
		assertThat(id.namespace()).isEqualTo("default");
		assertThat(id.datacenter()).isEqualTo("dc1");
		assertThat(id.service()).isEqualTo("web");
		assertThat(id.toUri()).isEqualTo("spiffe://" + TD + "/ns/default/dc/dc1/svc/web");
		assertThat(id).hasToString(id.toUri());
	}

	@Test
	void parseReadsAPartition() {
		SpiffeId id = SpiffeId.parse("spiffe://" + TD + "/ap/team-a/ns/billing/dc/dc2/svc/db");
		assertThat(id.partition()).isEqualTo("team-a");
		assertThat(id.namespace()).isEqualTo("billing");
		assertThat(id.toUri()).isEqualTo("spiffe://" + TD + "/ap/team-a/ns/billing/dc/dc2/svc/db");
	}

	@Test
	void defaultPartitionIsTheEmptyPartition() {
		SpiffeId explicit = SpiffeId.parse("spiffe://" + TD + "/ap/default/ns/default/dc/dc1/svc/web");
		SpiffeId implicit = SpiffeId.parse("spiffe://" + TD + "/ns/default/dc/dc1/svc/web");
		assertThat(explicit).isEqualTo(implicit);
		assertThat(explicit.partition()).isEmpty();
		assertThat(explicit.toUri()).isEqualTo("spiffe://" + TD + "/ns/default/dc/dc1/svc/web");
		assertThat(explicit.sameService(implicit)).isTrue();
		assertThat(SpiffeId.forService(TD, "default", "default", "dc1", "web")).isEqualTo(implicit);
	}

	@Test
	void forServiceBuildsTheCanonicalId() {
		assertThat(SpiffeId.forService(TD, "default", "dc1", "web").toUri())
			.isEqualTo("spiffe://" + TD + "/ns/default/dc/dc1/svc/web");
		assertThat(SpiffeId.forService(TD, "", "dc1", "web").namespace()).isEqualTo("default");
		assertThat(SpiffeId.forService(TD, "p1", "ns1", "dc1", "web").toUri())
			.isEqualTo("spiffe://" + TD + "/ap/p1/ns/ns1/dc/dc1/svc/web");
	}

	@Test
	void invalidComponentsAreRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> SpiffeId.forService("", "default", "dc1", "web"))
			.withMessageContaining("Trust domain");
		assertThatIllegalArgumentException().isThrownBy(() -> SpiffeId.forService("td/x", "default", "dc1", "web"))
			.withMessageContaining("Trust domain");
		assertThatIllegalArgumentException().isThrownBy(() -> SpiffeId.forService(TD, "default", "", "web"))
			.withMessageContaining("Datacenter");
		assertThatIllegalArgumentException().isThrownBy(() -> SpiffeId.forService(TD, "default", "dc1", ""))
			.withMessageContaining("Service");
	}

	@ParameterizedTest
	@ValueSource(strings = { "spiffe://" + TD, "spiffe://" + TD + "/" })
	void rootIdsAreRejected_THS08(String uri) {
		assertThatIllegalArgumentException().isThrownBy(() -> SpiffeId.parse(uri)).withMessageContaining("no path");
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://" + TD + "/ns/default/dc/dc1/svc/web",
			"urn:spiffe:" + TD + ":ns:default:dc:dc1:svc:web", "SPIFFE://" + TD + "/ns/default/dc/dc1/svc/web",
			"Spiffe://" + TD + "/ns/default/dc/dc1/svc/web", "//" + TD + "/ns/default/dc/dc1/svc/web" })
	void otherSchemesAreRejected_THS09(String uri) {
		assertThatIllegalArgumentException().isThrownBy(() -> SpiffeId.parse(uri))
			.withMessageContaining("scheme must be 'spiffe'");
	}

	@ParameterizedTest
	@ValueSource(strings = { "/agent/client/dc/dc1/id/node1", "/ap/default/agent/client/dc/dc1/id/node1",
			"/agent/server/dc/dc1", "/gateway/mesh/dc/dc1", "/ns/default/dc/dc1/svc", "/ns/default/dc/dc1/svc/web/",
			"/ns/default/dc/dc1/svc/web/extra", "/ns//dc/dc1/svc/web", "/dc/dc1/svc/web", "/svc/web", "/web" })
	void nonServicePathsAreRejected_THS12(String path) {
		assertThatIllegalArgumentException().isThrownBy(() -> SpiffeId.parse("spiffe://" + TD + path))
			.withMessageContaining("not a Consul service path");
	}

	@Test
	void queryFragmentUserInfoAndPortAreRejected() {
		String path = "/ns/default/dc/dc1/svc/web";
		assertThatIllegalArgumentException().isThrownBy(() -> SpiffeId.parse("spiffe://" + TD + path + "?x=1"))
			.withMessageContaining("query");
		assertThatIllegalArgumentException().isThrownBy(() -> SpiffeId.parse("spiffe://" + TD + path + "#frag"))
			.withMessageContaining("fragment");
		assertThatIllegalArgumentException().isThrownBy(() -> SpiffeId.parse("spiffe://user@" + TD + path))
			.withMessageContaining("user info");
		assertThatIllegalArgumentException().isThrownBy(() -> SpiffeId.parse("spiffe://" + TD + ":8443" + path))
			.withMessageContaining("port");
		assertThatIllegalArgumentException().isThrownBy(() -> SpiffeId.parse("spiffe:///ns/default/dc/dc1/svc/web"))
			.withMessageContaining("no trust domain");
		assertThatIllegalArgumentException().isThrownBy(() -> SpiffeId.parse("spiffe:" + TD + path))
			.withMessageContaining("spiffe://");
		assertThatIllegalArgumentException().isThrownBy(() -> SpiffeId.parse("spiffe://" + TD + "/ns/de fault"))
			.withMessageContaining("not a valid SPIFFE ID");
	}

	@Test
	void trustDomainIsComparedCaseInsensitivelyAndStoredLowerCase_THS19() {
		SpiffeId upper = SpiffeId.parse("spiffe://" + TD.toUpperCase() + "/ns/default/dc/dc1/svc/web");
		SpiffeId lower = SpiffeId.parse("spiffe://" + TD + "/ns/default/dc/dc1/svc/web");
		assertThat(upper.trustDomain()).isEqualTo(TD);
		assertThat(upper).isEqualTo(lower);
		assertThat(upper.toUri()).isEqualTo(lower.toUri());
	}

	@Test
	void nonAsciiLookalikesInTheTrustDomainAreRejected_THS19() {
		// U+212A KELVIN SIGN lower-cases to 'k'; U+017F LONG S upper-cases to 'S'
		assertThatIllegalArgumentException()
			.isThrownBy(() -> SpiffeId.parse("spiffe://\u212Aey.consul/ns/default/dc/dc1/svc/web"));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> SpiffeId.parse("spiffe://\u017Fomething.consul/ns/default/dc/dc1/svc/web"));
	}

	@Test
	void segmentsAreUnescapedOnceAndComparedExactly_THS19() {
		SpiffeId escaped = SpiffeId.parse("spiffe://" + TD + "/ns/def%61ult/dc/d%631/svc/w%65b");
		SpiffeId expected = SpiffeId.forService(TD, "default", "dc1", "web");
		assertThat(escaped).isEqualTo(expected);
		assertThat(escaped.sameService(expected)).isTrue();
		assertThat(expected.sameService(escaped)).isTrue();
		assertThat(escaped.toUri()).isEqualTo("spiffe://" + TD + "/ns/default/dc/dc1/svc/web");
	}

	@Test
	void doubleEscapingIsUnescapedOnlyOnce_THS19() {
		SpiffeId id = SpiffeId.parse("spiffe://" + TD + "/ns/default/dc/dc1/svc/w%2565b");
		assertThat(id.service()).isEqualTo("w%65b");
		assertThat(id.sameService(SpiffeId.forService(TD, "default", "dc1", "web"))).isFalse();
		assertThat(id.toUri()).endsWith("/svc/w%2565b");
	}

	@Test
	void escapedSlashStaysInsideTheSegmentAndRoundTrips_THS19() {
		SpiffeId id = SpiffeId.parse("spiffe://" + TD + "/ns/default/dc/dc1/svc/web%2Fadmin");
		assertThat(id.service()).isEqualTo("web/admin");
		assertThat(id.toUri()).endsWith("/svc/web%2Fadmin");
		assertThat(SpiffeId.parse(id.toUri())).isEqualTo(id);
		assertThat(id.sameService(SpiffeId.forService(TD, "default", "dc1", "web"))).isFalse();
	}

	@ParameterizedTest
	@ValueSource(strings = { "Web", "WEB", "wEb" })
	void serviceNamesDifferingInCaseAreDifferentServices_THS19(String presented) {
		SpiffeId expected = SpiffeId.forService(TD, "default", "dc1", "web");
		SpiffeId peer = SpiffeId.parse("spiffe://" + TD + "/ns/default/dc/dc1/svc/" + presented);
		assertThat(peer.service()).isEqualTo(presented);
		assertThat(peer.sameService(expected)).isFalse();
		assertThat(expected.sameService(peer)).isFalse();
	}

	@Test
	void namespaceDatacenterAndPartitionCaseMatters_THS19() {
		SpiffeId expected = SpiffeId.forService(TD, "p1", "default", "dc1", "web");
		assertThat(SpiffeId.forService(TD, "p1", "Default", "dc1", "web").sameService(expected)).isFalse();
		assertThat(SpiffeId.forService(TD, "p1", "default", "DC1", "web").sameService(expected)).isFalse();
		assertThat(SpiffeId.forService(TD, "P1", "default", "dc1", "web").sameService(expected)).isFalse();
		assertThat(SpiffeId.forService(TD, "", "default", "dc1", "web").sameService(expected)).isFalse();
	}

	@Test
	void sameServiceIgnoresTheTrustDomainAndEqualsDoesNot() {
		SpiffeId ours = SpiffeId.forService(TD, "default", "dc1", "web");
		SpiffeId theirs = SpiffeId.forService("other.consul", "default", "dc1", "web");
		assertThat(ours.sameService(theirs)).isTrue();
		assertThat(ours).isNotEqualTo(theirs);
	}

	@ParameterizedTest
	@ValueSource(strings = { "w%zzb", "w%6", "w%", "%ff" })
	void invalidEscapesAreRejected(String service) {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> SpiffeId.parse("spiffe://" + TD + "/ns/default/dc/dc1/svc/" + service));
	}

	@Test
	void nonAsciiServiceNamesAreEscapedInTheCanonicalUri() {
		SpiffeId id = SpiffeId.forService(TD, "default", "dc1", "caf\u00e9");
		assertThat(id.toUri()).endsWith("/svc/caf%C3%A9");
		assertThat(SpiffeId.parse(id.toUri())).isEqualTo(id);
	}

}
