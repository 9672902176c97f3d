package io.mooring.tools.bench;

import csi.v1.Csi.Volume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A backend's whole storage mounted on this side by a FUSE client of its own (not the driver's),
 * where the bench writes into volumes and reads them back as an admin would; unmounted on close.
 */
final class WholeMount implements AutoCloseable {

  private final Path at;

  private WholeMount(Path at) {
    this.at = at;
  }

  /**
   * Mounts with {@code argv} (the mount point last, created first).
   *
   * @throws IllegalStateException when it fails
   */
  static WholeMount mount(Path at, List<String> argv) throws IOException, InterruptedException {
    Files.createDirectories(at);
    Exec.Outcome out = Exec.run(argv, 60);
    if (out.exit() != 0) {
      throw new IllegalStateException(
          String.join(" ", argv) + ": exit " + out.exit() + ": " + out.output().strip());
    }
    return new WholeMount(at);
  }

  /** The volume's directory: its volume_context path, below the storage's root. */
  Path dir(Volume volume) {
    return at.resolve(volume.getVolumeContextMap().get("path").substring(1));
  }

  @Override
  public void close() throws IOException, InterruptedException {
    unmount(at);
  }

  /** Unmounts, lazily when the mount is busy or its client gone. */
  static void unmount(Path mount) throws IOException, InterruptedException {
    if (Exec.run(List.of("umount", mount.toString()), 60).exit() != 0) {
      Exec.run(List.of("umount", "-l", mount.toString()), 60);
    }
  }
}
