package io.mooring.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExecTest {

  @Test
  void returnsExitCodeAndBothStreams() throws Exception {
    Exec.Outcome out = Exec.run(List.of("sh", "-c", "echo out; echo err >&2; exit 3"), 10);
    assertEquals(3, out.exit());
    assertEquals("out\nerr\n", out.output());
  }

  /** The old runner read the pipe to its end first: a chatty program that hung blocked it. */
  @Test
  void killsAProgramThatOutlivesItsTimeout() throws Exception {
    // A duration no other process on this machine sleeps, to find the child by.
    String sleep = "sleep 59." + (1000 + System.nanoTime() % 9000);
    long t0 = System.nanoTime();
    IOException e =
        assertThrows(
            IOException.class,
            () -> Exec.run(List.of("sh", "-c", "echo started; " + sleep + " & wait"), 1));
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertTrue(seconds < 5, "reported after " + seconds + " s");
    assertTrue(e.getMessage().contains("timed out after 1 s"), e.getMessage());
    Thread.sleep(200);
    assertFalse(
        ProcessHandle.allProcesses().anyMatch(p -> p.info().commandLine().orElse("").equals(sleep)),
        "the program's child still runs");
  }
}
