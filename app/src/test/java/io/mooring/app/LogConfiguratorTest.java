package io.mooring.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.Test;

class LogConfiguratorTest {

  @Test
  void oneLinePerEventOnStderrAndNettyOnlyFromWarn() {
    LoggerContext context = new LoggerContext();
    LogConfigurator configurator = new LogConfigurator();
    configurator.setContext(context);

    assertEquals(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY, configurator.configure(context));
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    ConsoleAppender<?> stderr = assertInstanceOf(ConsoleAppender.class, root.getAppender("STDERR"));
    assertEquals("System.err", stderr.getTarget());
    assertEquals(
        LogConfigurator.PATTERN, ((PatternLayoutEncoder) stderr.getEncoder()).getPattern());
    assertEquals(Level.INFO, root.getLevel());
    assertEquals(
        Level.WARN,
        context
            .getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerHandler")
            .getEffectiveLevel());
    assertEquals(
        Level.ERROR,
        context
            .getLogger("io.grpc.netty.shaded.io.netty.bootstrap.ServerBootstrap")
            .getEffectiveLevel());
  }

  @Test
  void aConfigurationFileGivenOnTheCommandLineWins() {
    LoggerContext context = new LoggerContext();
    LogConfigurator configurator = new LogConfigurator();
    configurator.setContext(context);
    System.setProperty("logback.configurationFile", "/elsewhere/logback.xml");
    try {
      assertEquals(ExecutionStatus.INVOKE_NEXT_IF_ANY, configurator.configure(context));
      assertEquals(null, context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR"));
    } finally {
      System.clearProperty("logback.configurationFile");
    }
  }
}
