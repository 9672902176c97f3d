package io.mooring.controller.backend.gluster;

import io.mooring.config.GlusterConfig;
import io.mooring.errors.StorageException;
import io.mooring.mount.MountEntry;
import io.mooring.mount.Mounter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The controller's own FUSE mount of a whole Gluster volume, through which it makes, measures and
 * removes volume directories. Mounted on first use and remounted when found dead.
 */
final class VolumeMount {

  private final GlusterConfig config;
  private final Mounter mounter;
  private final Path mountPoint;

  VolumeMount(GlusterConfig config, Mounter mounter, Path mountPoint) {
    this.config = config;
    this.mounter = mounter;
    this.mountPoint = mountPoint;
  }

  /** The live mount's root, mounting or remounting it first if needed. */
  synchronized Path root() {
    Optional<MountEntry> current = mounter.table().at(mountPoint);
    if (current.isPresent() && alive()) {
      return mountPoint;
    }
    if (current.isPresent()) {
      mounter.unmount(mountPoint, true);
    }
    try {
      Files.createDirectories(mountPoint);
    } catch (IOException e) {
      throw StorageException.internal("cannot create mount point %s: %s", mountPoint, e.getMessage());
    }
    mounter.mount(source(config), mountPoint, "glusterfs", options(config));
    return mountPoint;
  }

  Path mountPoint() {
    return mountPoint;
  }

  /** Why the mount is unusable, if it is mounted but dead (ENOTCONN). */
  Optional<String> deadReason() {
    if (mounter.table().at(mountPoint).isEmpty()) {
      return Optional.empty();
    }
    try {
      Files.readAttributes(mountPoint, BasicFileAttributes.class);
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of("mount of Gluster volume " + config.volume() + " at " + mountPoint + " is dead: " + e.getMessage());
    }
  }

  private boolean alive() {
    return deadReason().isEmpty();
  }

  void unmount() {
    if (mounter.table().at(mountPoint).isPresent()) {
      mounter.unmount(mountPoint, true);
    }
  }

  static String source(GlusterConfig config) {
    return config.servers().get(0) + ":/" + config.volume();
  }

  /** The other servers serve the volfile when the first is down. */
  static List<String> options(GlusterConfig config) {
    List<String> opts = new ArrayList<>();
    if (config.servers().size() > 1) {
      opts.add("backup-volfile-servers=" + String.join(":", config.servers().subList(1, config.servers().size())));
    }
    return opts;
  }
}
