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

package io.meshnative.connect;

import java.util.List;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaPackage;
import com.tngtech.archunit.core.domain.properties.CanBeAnnotated;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import com.tngtech.archunit.library.Architectures;
import com.tngtech.archunit.library.dependencies.SlicesRuleDefinition;
import org.jspecify.annotations.NullMarked;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Architecture rules of the starter's main code: the layering of its packages, the
 * Spring-free core, and the shape of auto-configurations and conditions.
 *
 * @author connect-spring-boot authors
 */
class ArchitectureTests {

	private static final JavaClasses CLASSES = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("io.meshnative.connect");

	@Test
	void layersDependOnlyOnLowerLayers() {
		ArchRule rule = Architectures.layeredArchitecture()
			.consideringOnlyDependenciesInLayers()
			.layer("agent")
			.definedBy("io.meshnative.connect.agent..")
			.layer("identity")
			.definedBy("io.meshnative.connect.identity..")
			.layer("authz")
			.definedBy("io.meshnative.connect.authz..")
			.layer("discovery")
			.definedBy("io.meshnative.connect.discovery..")
			.layer("registration")
			.definedBy("io.meshnative.connect.registration..")
			.layer("client")
			.definedBy("io.meshnative.connect.client..")
			.layer("actuate")
			.definedBy("io.meshnative.connect.actuate..")
			.layer("autoconfigure")
			.definedBy("io.meshnative.connect.autoconfigure..")
			.whereLayer("autoconfigure")
			.mayNotBeAccessedByAnyLayer()
			.whereLayer("actuate")
			.mayOnlyBeAccessedByLayers("autoconfigure")
			.whereLayer("client")
			.mayOnlyBeAccessedByLayers("actuate", "autoconfigure")
			.whereLayer("registration")
			.mayOnlyBeAccessedByLayers("autoconfigure")
			.whereLayer("authz")
			.mayOnlyBeAccessedByLayers("client", "actuate", "autoconfigure")
			.whereLayer("discovery")
			.mayOnlyBeAccessedByLayers("client", "actuate", "autoconfigure")
			.whereLayer("identity")
			.mayOnlyBeAccessedByLayers("authz", "discovery", "registration", "client", "actuate", "autoconfigure");
		rule.check(CLASSES);
	}

	@Test
	void packagesAreFreeOfCycles() {
		SlicesRuleDefinition.slices().matching("io.meshnative.connect.(*)..").should().beFreeOfCycles().check(CLASSES);
	}

	@Test
	void coreDoesNotDependOnSpringBeyondSslAndUtilities() {
		ArchRuleDefinition.noClasses()
			.that()
			.resideInAnyPackage("io.meshnative.connect.agent..", "io.meshnative.connect.identity..",
					"io.meshnative.connect.discovery..")
			.should()
			.dependOnClassesThat(JavaClass.Predicates.resideInAPackage("org.springframework..")
				.and(DescribedPredicate.not(JavaClass.Predicates.resideInAPackage("org.springframework.boot.ssl..")))
				.and(DescribedPredicate.not(JavaClass.Predicates.resideInAPackage("org.springframework.util.."))))
			.because("the agent client, identity and discovery-chain evaluation are plain Java "
					+ "(Boot's SSL model and Spring's utilities aside)")
			.check(CLASSES);
	}

	@Test
	void autoConfigurationsArePublicFinalWithoutPublicMembers() {
		ArchRuleDefinition.classes()
			.that()
			.areAnnotatedWith(AutoConfiguration.class)
			.should()
			.bePublic()
			.andShould()
			.haveModifier(JavaModifier.FINAL)
			.check(CLASSES);
		ArchRuleDefinition.members()
			.that()
			.areDeclaredInClassesThat(
					inAutoConfiguration().and(CanBeAnnotated.Predicates.metaAnnotatedWith(Configuration.class)))
			.should()
			.notBePublic()
			.because("Spring Boot's auto-configurations have no public members")
			.check(CLASSES);
	}

	@Test
	void conditionsAreNotPublic() {
		ArchRuleDefinition.classes()
			.that()
			.areAssignableTo(Condition.class)
			.and()
			.areNotInterfaces()
			.should()
			.notBePublic()
			.allowEmptyShould(true)
			.check(CLASSES);
	}

	@Test
	void internalPackagesHaveANullMarkedPackageInfo() {
		List<String> unmarked = CLASSES.stream()
			.map(JavaClass::getPackage)
			.filter((javaPackage) -> javaPackage.getName().endsWith(".internal"))
			.distinct()
			.filter((javaPackage) -> !javaPackage.isAnnotatedWith(NullMarked.class))
			.map(JavaPackage::getName)
			.toList();
		assertThat(unmarked).isEmpty();
	}

	private static DescribedPredicate<JavaClass> inAutoConfiguration() {
		return DescribedPredicate.describe("(nested in) an @AutoConfiguration", (javaClass) -> {
			JavaClass current = javaClass;
			while (current != null) {
				if (current.isAnnotatedWith(AutoConfiguration.class)) {
					return true;
				}
				current = current.getEnclosingClass().orElse(null);
			}
			return false;
		});
	}

}
