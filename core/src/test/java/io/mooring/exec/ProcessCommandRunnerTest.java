package io.mooring.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.errors.StorageException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProcessCommandRunnerTest {

  private final List<CommandResult> seen = new ArrayList<>();
  private final ProcessCommandRunner runner = new ProcessCommandRunner((c, r) -> seen.add(r));

  @Test
  void capturesOutputAndExitCode() {
    CommandResult r = runner.run(Command.of("sh", "-c", "echo out; echo err >&2"));
    assertEquals(0, r.exitCode());
    assertEquals("out\n", r.stdout());
    assertEquals("err\n", r.stderr());
    assertEquals(1, seen.size());
  }

  @Test
  void failureCarriesRedactedOutput() {
    Command cmd =
        Command.of("sh", "-c", "echo key=hunter2 >&2; exit 3").withSecrets(Set.of("hunter2"));
    CommandFailedException e = assertThrows(CommandFailedException.class, () -> runner.run(cmd));
    assertEquals(3, e.result().exitCode());
    assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    assertTrue(e.getMessage().contains("key=***"), e.getMessage());
    assertFalse(cmd.display().contains("hunter2"));
  }

  @Test
  void timesOutAndKills() {
    long start = System.nanoTime();
    StorageException e =
        assertThrows(
            StorageException.class,
            () -> runner.run(Command.of("sleep", "30").withTimeout(Duration.ofMillis(300))));
    assertEquals(StorageException.Kind.UNAVAILABLE, e.kind());
    assertTrue((System.nanoTime() - start) / 1_000_000 < 10_000);
  }

  @Test
  void daemonsLeftBehindDoNotBlock() {
    // The backgrounded sleep keeps stdout open; a pipe-based runner would wait for it.
    long start = System.nanoTime();
    runner.run(Command.of("sh", "-c", "sleep 5 & echo started").withTimeout(Duration.ofSeconds(3)));
    assertTrue((System.nanoTime() - start) / 1_000_000 < 3_000);
  }

  @Test
  void missingProgramIsUnavailable() {
    StorageException e =
        assertThrows(StorageException.class, () -> runner.run(Command.of("/nonexistent/x")));
    assertEquals(StorageException.Kind.UNAVAILABLE, e.kind());
  }
}
