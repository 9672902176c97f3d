package io.mooring.node;

import static io.mooring.node.Waits.waitFor;

import io.mooring.mount.MountTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The client cgroups of node plugins run in this JVM, as {@link NodePlugin} finds them. */
final class TestCgroups {

  private TestCgroups() {}

  static Cgroups find() {
    try {
      return Cgroups.setUp(Files.readString(Path.of("/proc/self/cgroup")), MountTable.read());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Once the tests' clients are unmounted: removes their cgroups as their processes exit. */
  static void removeAll() throws InterruptedException {
    Cgroups cgroups = find();
    Path parent = cgroups.dir("any").getParent();
    waitFor(
        Duration.ofSeconds(5),
        () -> {
          cgroups.close();
          return !Files.exists(parent);
        },
        "the client cgroups are gone");
  }
}
