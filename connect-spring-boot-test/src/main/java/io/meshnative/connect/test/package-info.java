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

/**
 * Test support for connect-spring-boot: a real Consul dev agent and a real Consul cluster
 * (servers, client agents, a second datacenter, ACLs, faults) for JUnit 5 tests, an
 * operator client for the calls tests make on the agent (config entries, CA
 * configuration), and a scriptable fake agent.
 */
@NullMarked
package io.meshnative.connect.test;

import org.jspecify.annotations.NullMarked;
