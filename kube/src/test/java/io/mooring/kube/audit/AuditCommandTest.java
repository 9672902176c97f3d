package io.mooring.kube.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.kube.CliRun;
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

  private static CliRun audit(String... args) {
    return CliRun.of(new CommandLine(new AuditCommand()), args);
  }

  @Test
  void aBackendsFileIsRequired() {
    CliRun run = audit("--fix");
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
    CliRun run = audit("--backends", file.toString(), "--kubeconfig", kubeconfig.toString());
    assertEquals(2, run.exit(), run.err());
    assertEquals("", run.out());
    assertTrue(run.err().startsWith("mooring audit: "), run.err());
  }

  @Test
  void graceTakesKubernetesDurations() {
    CliRun run = audit("--backends", "b.yaml", "--grace", "24");
    assertEquals(2, run.exit());
    assertTrue(run.err().contains("needs a unit: ms, s, m or h"), run.err());
  }
}
