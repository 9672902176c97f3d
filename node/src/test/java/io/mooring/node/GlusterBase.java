package io.mooring.node;

import io.mooring.mount.MountTable;
import io.mooring.testing.GlusterFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A test class's own base path on the fixture's Gluster volume, next to a {@link KubeletDir}: the
 * whole volume mounted beside the kubelet dir (an admin's view, to make volume directories and look
 * at what the plugins wrote), and the base path removed again on close.
 */
final class GlusterBase implements AutoCloseable {

  final KubeletDir kubelet;

  /** The whole Gluster volume. */
  final Path admin;

  /** The base path, as volume_context names it ({@code /it-3f2a1b2c}). */
  final String path = GlusterFixture.uniqueBasePath();

  GlusterBase() throws IOException {
    kubelet = new KubeletDir();
    try {
      admin = GlusterFixture.mount(Path.of(kubelet.root + "-admin"));
      Files.createDirectories(dir());
    } catch (IOException | RuntimeException e) {
      GlusterFixture.unmountQuietly(Path.of(kubelet.root + "-admin"));
      kubelet.close();
      throw e;
    }
  }

  /** The base path's directory on the admin mount. */
  Path dir() {
    return admin.resolve(path.substring(1));
  }

  @Override
  public void close() throws IOException {
    try {
      if (MountTable.read().isMountPoint(admin)) {
        KubeletDir.deleteTree(dir());
      }
    } finally {
      GlusterFixture.unmountQuietly(admin);
      Files.deleteIfExists(admin);
      kubelet.close();
    }
  }
}
