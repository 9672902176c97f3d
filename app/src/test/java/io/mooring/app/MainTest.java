package io.mooring.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** One program, two kinds of use: plugin modes and admin commands. */
class MainTest {

  @TempDir Path dir;

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        Main.commandLine(args)
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(args);
    return new Run(exit, out.toString(), err.toString());
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
    Run run = run("doctor", "--kubeconfig", kubeconfig.toString(), "-n", "shop", "-o", "json");
    assertEquals(2, run.exit(), run.err());
    assertEquals("", run.out());
    assertTrue(
        run.err().startsWith("mooring doctor: cannot list deployments in namespace shop: "),
        run.err());
  }

  @Test
  void withoutAModeOrACommandItSaysWhatItTakes() {
    Run run = run();
    assertEquals(2, run.exit());
    assertTrue(
        run.err().startsWith("Missing MODE: controller, node or all; or a command: doctor, audit"),
        run.err());
    assertTrue(run.err().contains("doctor"), "the usage lists the commands: " + run.err());
  }
}
