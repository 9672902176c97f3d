package io.mooring.kube.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code mooring audit}'s flags and failures to check; AuditIT runs it against real backends and
 * the mock API server.
 */
class AuditCommandTest {

  @TempDir Path dir;

  private record Run(int exit, String out, String err) {}

  private static Run audit(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        new CommandLine(new AuditCommand())
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void aBackendsFileIsRequired() {
    Run run = audit("--fix");
    assertEquals(2, run.exit());
    assertTrue(run.err().startsWith("Missing required option: '--backends=FILE'"), run.err());
  }

  @Test
  void aBadBackendsFileIsACheckThatCouldNotBeMade() throws Exception {
    Path file = Files.writeString(dir.resolve("backends.yaml"), "backends: [{name: x}]\n");
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
    Run run = audit("--backends", file.toString(), "--kubeconfig", kubeconfig.toString());
    assertEquals(2, run.exit(), run.err());
    assertEquals("", run.out());
    assertTrue(run.err().startsWith("mooring audit: "), run.err());
  }

  @Test
  void graceTakesKubernetesDurations() {
    Run run = audit("--backends", "b.yaml", "--grace", "24");
    assertEquals(2, run.exit());
    assertTrue(run.err().contains("needs a unit: ms, s, m or h"), run.err());
  }
}
