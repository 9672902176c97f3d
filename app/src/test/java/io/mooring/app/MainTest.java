package io.mooring.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.kube.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** One program, two kinds of use: plugin modes and admin commands. */
class MainTest {

  @TempDir Path dir;

  private static CliRun run(String... args) {
    return CliRun.of(Main.commandLine(args), args);
  }

  @Test
  void aModeFirstParsesAsAPluginWithoutTheAdminCommands() {
    CommandLine cli = Main.commandLine("NODE", "--node-id", "n1");
    assertEquals(List.of(), List.copyOf(cli.getSubcommands().keySet()));
    cli.parseArgs("NODE", "--node-id", "n1");
    assertEquals(Main.Mode.node, ((Main) cli.getCommand()).mode);
  }

  @Test
  void doctorRunsAsACommandAndExitsTwoWhenItCannotCheck() throws Exception {
    Path kubeconfig =
        Files.writeString(
            dir.resolve("config"),
            """
            apiVersion: v1
            kind: Config
            current-context: closed
            clusters: [{name: closed, cluster: {server: 'http://127.0.0.1:1'}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: closed, context: {cluster: closed, user: u}}]
            """);
    CliRun run = run("doctor", "--kubeconfig", kubeconfig.toString(), "-n", "shop", "-o", "json");
    assertEquals(2, run.exit(), run.err());
    assertEquals("", run.out());
    assertTrue(
        run.err().startsWith("mooring doctor: cannot list deployments in namespace shop: "),
        run.err());
  }

  @Test
  void withoutAModeOrACommandItSaysWhatItTakes() {
    CliRun run = run();
    assertEquals(2, run.exit());
    assertTrue(
        run.err().startsWith("Missing MODE: controller, node or all; or a command: doctor, audit"),
        run.err());
    assertTrue(run.err().contains("doctor"), "the usage lists the commands: " + run.err());
  }
}
