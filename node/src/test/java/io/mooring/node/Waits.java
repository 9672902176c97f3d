package io.mooring.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polling and tolerant reads for the node ITs, whose mounts change under them. */
final class Waits {

  private Waits() {}

  /** Polls {@code condition} every 50 ms; fails naming {@code what} after {@code limit}. */
  static void waitFor(Duration limit, BooleanSupplier condition, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "timed out after " + limit.toMillis() + " ms waiting until " + what);
      }
      Thread.sleep(50);
    }
  }

  /**
   * The file's text, or "" while it cannot be read (a mount being healed, a log not yet written).
   */
  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }
}
