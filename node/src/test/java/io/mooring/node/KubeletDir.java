package io.mooring.node;

import io.mooring.mount.MountEntry;
import io.mooring.mount.MountTable;
import io.mooring.testing.GlusterFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A stand-in for /var/lib/kubelet: a directory bind-mounted onto itself and made rshared, as the
 * kubelet dir is on a node, so that mounts made in it propagate to pods' (slave) namespaces.
 */
final class KubeletDir implements AutoCloseable {

  final Path root;

  KubeletDir() throws IOException {
    root =
        Files.createDirectories(
                Path.of("/tmp/mooring-node-it-" + UUID.randomUUID().toString().substring(0, 8)))
            .toRealPath();
    GlusterFixture.run("mount", "--bind", root.toString(), root.toString());
    GlusterFixture.run("mount", "--make-rshared", root.toString());
  }

  /** Lazily unmounts everything at or below {@code dir}, deepest and newest first. */
  static void unmountAllUnder(Path dir) {
    List<MountEntry> mounts = MountTable.read().under(dir);
    for (int i = mounts.size() - 1; i >= 0; i--) {
      try {
        GlusterFixture.run("umount", "-l", mounts.get(i).mountPoint().toString());
      } catch (RuntimeException e) {
        // already gone with its parent
      }
    }
  }

  /**
   * Deletes {@code dir} unless something is still mounted in it (that would delete Gluster data).
   */
  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    if (!MountTable.read().under(dir).isEmpty()) {
      throw new IllegalStateException(
          "not deleting " + dir + ": still mounted " + MountTable.read().under(dir));
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Override
  public void close() throws IOException {
    unmountAllUnder(root);
    deleteTree(root);
  }
}
