package io.mooring.node.gluster;

import io.mooring.errors.StorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The mount source of each backend's client ({@code server1,server2:/volume}), one file per
 * backend. mountinfo shows only the first server, and a remount after the client died must be able
 * to fetch the volfile from the others; the file also marks a backend whose client has to exist.
 */
final class MountSources {

  private final Path dir;

  MountSources(Path dir) {
    this.dir = dir;
  }

  Optional<String> get(String backend) {
    try {
      return Optional.of(Files.readString(dir.resolve(backend), StandardCharsets.UTF_8).strip());
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw StorageException.internal("cannot read %s: %s", dir.resolve(backend), e.getMessage());
    }
  }

  void put(String backend, String source) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(backend), source + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw StorageException.internal(
          "cannot record the mount source of backend %s: %s", backend, e.getMessage());
    }
  }

  void remove(String backend) {
    try {
      Files.deleteIfExists(dir.resolve(backend));
    } catch (IOException e) {
      throw StorageException.internal("cannot remove %s: %s", dir.resolve(backend), e.getMessage());
    }
  }

  Set<String> backends() {
    Set<String> out = new TreeSet<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.forEach(f -> out.add(f.getFileName().toString()));
    } catch (NoSuchFileException e) {
      // nothing recorded yet
    } catch (IOException e) {
      throw StorageException.internal("cannot list %s: %s", dir, e.getMessage());
    }
    return out;
  }
}
