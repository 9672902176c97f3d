package io.mooring.controller.backend.gluster;

import io.mooring.config.GlusterConfig;
import io.mooring.errors.StorageException;
import io.mooring.mount.FuseClients;
import io.mooring.mount.Mounter;
import io.mooring.mount.Statfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The controller's own FUSE mount of a whole Gluster volume, through which it makes, measures and
 * removes volume directories. Mounted on first use, remounted when its client has died. A client
 * that runs but cannot reach its servers (a network outage) is left alone: it reconnects by itself,
 * and a remount would only hang on the same network.
 */
final class VolumeMount {

  /** statfs of a healthy mount takes milliseconds; an outage must cost an RPC seconds, not 42 s. */
  static final Duration CHECK_TIMEOUT = Duration.ofSeconds(5);

  private final GlusterConfig config;
  private final Mounter mounter;
  private final Path mountPoint;

  VolumeMount(GlusterConfig config, Mounter mounter, Path mountPoint) {
    this.config = config;
    this.mounter = mounter;
    this.mountPoint = mountPoint;
  }

  /**
   * The live mount's root, mounting or remounting it first if needed.
   *
   * @throws StorageException UNAVAILABLE when the servers do not answer
   */
  Path root() {
    if (mounted() && failure().isEmpty()) {
      return mountPoint; // the common case: no lock, one bounded statfs
    }
    synchronized (this) {
      if (mounted()) {
        Optional<Statfs.Failure> failure = failure();
        if (failure.isEmpty()) {
          return mountPoint;
        }
        if (failure.get().timedOut() || FuseClients.running(mountPoint)) {
          throw unreachable(failure.get());
        }
        mounter.unmount(mountPoint, true);
      }
      try {
        Files.createDirectories(mountPoint);
      } catch (IOException e) {
        throw StorageException.internal(
            "cannot create mount point %s: %s", mountPoint, e.getMessage());
      }
      mounter.mount(source(config), mountPoint, "glusterfs", options(config));
      return mountPoint;
    }
  }

  Path mountPoint() {
    return mountPoint;
  }

  /**
   * Why the mount is unusable, if it is mounted and does not answer; bounded by {@link
   * #CHECK_TIMEOUT}.
   */
  Optional<String> deadReason() {
    if (!mounted()) {
      return Optional.empty();
    }
    return failure().map(f -> unreachable(f).getMessage());
  }

  private boolean mounted() {
    return mounter.table().at(mountPoint).isPresent();
  }

  private Optional<Statfs.Failure> failure() {
    return Statfs.check(mountPoint, CHECK_TIMEOUT, null);
  }

  private StorageException unreachable(Statfs.Failure failure) {
    return new StorageException(
        StorageException.Kind.UNAVAILABLE,
        "Gluster volume "
            + config.volume()
            + " on "
            + String.join(",", config.servers())
            + " does not answer the controller's mount: "
            + failure.reason());
  }

  void unmount() {
    if (mounted()) {
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
      opts.add(
          "backup-volfile-servers="
              + String.join(":", config.servers().subList(1, config.servers().size())));
    }
    return opts;
  }
}
