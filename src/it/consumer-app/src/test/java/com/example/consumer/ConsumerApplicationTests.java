package com.example.consumer;

import io.meshnative.connect.autoconfigure.ConsulConnectAutoConfiguration;
import io.meshnative.connect.autoconfigure.ConsulConnectProperties;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The application's context loads with the starter on its class path; Connect is
 * switched off here (no agent), and its auto-configuration is found and backs off.
 */
@SpringBootTest(properties = { "connect.enabled=false", "spring.cloud.consul.enabled=false" })
class ConsumerApplicationTests {

	@Autowired
	ApplicationContext context;

	@Test
	void contextLoadsAndTheStarterIsThere() {
		assertThat(this.context.getBean(ConsumerApplication.class)).isNotNull();
		assertThat(ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader()).getCandidates())
			.contains(ConsulConnectAutoConfiguration.class.getName());
		assertThat(this.context.getBeanNamesForType(ConsulConnectProperties.class)).isEmpty();
	}

}
