package io.mooring.controller.backend.gluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeDirsTest {

  @TempDir Path base;

  /** A clock the test moves. */
  private Instant now = Instant.parse("2026-01-01T00:00:00Z");

  private final Clock clock =
      new Clock() {
        @Override
        public java.time.ZoneId getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now;
        }
      };

  @Test
  void laterPagesReuseTheFirstPagesReadUntilItIsTooOld() throws Exception {
    for (String d : List.of("pvc-b", "pvc-a", "pvc-c", ".archive", "Not-A-Name")) {
      Files.createDirectory(base.resolve(d));
    }
    VolumeDirs dirs = new VolumeDirs(clock);
    assertEquals(List.of("pvc-a", "pvc-b", "pvc-c"), dirs.from(base, ""));
    Files.createDirectory(base.resolve("pvc-bb"));
    assertEquals(List.of("pvc-b", "pvc-c"), dirs.from(base, "pvc-b"), "the first page's read");
    assertEquals(List.of("pvc-c"), dirs.from(base, "pvc-bz"), "a token between names");
    now = now.plus(VolumeDirs.REUSE).plusSeconds(1);
    assertEquals(List.of("pvc-b", "pvc-bb", "pvc-c"), dirs.from(base, "pvc-b"), "read again");
    Files.createDirectory(base.resolve("pvc-d"));
    assertEquals(List.of("pvc-a", "pvc-b", "pvc-bb", "pvc-c", "pvc-d"), dirs.from(base, ""));
  }

  @Test
  void noBaseDirectoryYetIsNoVolumes() throws Exception {
    assertEquals(List.of(), new VolumeDirs(clock).from(base.resolve("missing"), ""));
  }
}
