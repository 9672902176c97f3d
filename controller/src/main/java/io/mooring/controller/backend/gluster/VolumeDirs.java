package io.mooring.controller.backend.gluster;

import io.mooring.volume.VolumeNames;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The sorted names of the volume directories below a base directory, for ListVolumes. Reading them
 * costs a readdir of every volume (~0.1-0.2 s for 2000 over FUSE), so a listing in pages reads them
 * once: its first page reads them, and the pages that follow (which start at a token) reuse that
 * read for up to {@link #REUSE}. A volume created since is then left out of that listing and a
 * deleted one skipped when its record is not found, as CSI allows for volumes that change between
 * pages; the records themselves are always read fresh.
 */
final class VolumeDirs {

  static final Duration REUSE = Duration.ofSeconds(30);

  private record Read(List<String> names, Instant at) {}

  private final Clock clock;
  private volatile Read last;

  VolumeDirs(Clock clock) {
    this.clock = clock;
  }

  /**
   * The names below {@code base} (always the same directory) at or after {@code from}, sorted.
   *
   * @param from "" for a listing's first page (always read), else where a later page starts
   */
  List<String> from(Path base, String from) throws IOException {
    Read read = last;
    if (from.isEmpty() || read == null || read.at().plus(REUSE).isBefore(clock.instant())) {
      read = new Read(readNames(base), clock.instant());
      last = read;
    }
    List<String> names = read.names();
    int at = Collections.binarySearch(names, from);
    return names.subList(at >= 0 ? at : -at - 1, names.size());
  }

  private static List<String> readNames(Path base) throws IOException {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> children = Files.newDirectoryStream(base)) {
      for (Path child : children) {
        String name = child.getFileName().toString();
        if (VolumeNames.isName(name)) {
          names.add(name);
        }
      }
    } catch (NoSuchFileException e) {
      return List.of(); // no volume made yet
    }
    Collections.sort(names);
    return List.copyOf(names);
  }
}
