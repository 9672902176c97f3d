package io.mooring.controller.backend.gluster;

import io.mooring.controller.config.GlusterConfig;
import io.mooring.errors.StorageException;
import io.mooring.mount.Health;
import io.mooring.mount.MountEntry;
import io.mooring.mount.MountProbe;
import io.mooring.mount.Mounter;
import io.mooring.mount.Statfs;
import io.mooring.volume.GlusterContext;
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
 * and a remount would only hang on the same network. Every controller call on the backend comes
 * through {@link #root()}: its health check ({@link MountProbe}) is bounded and holds no lock, so
 * one hung server costs each call at most {@link #CHECK_TIMEOUT} and never queues calls behind
 * another.
 */
final class VolumeMount {

  /** statfs of a healthy mount takes milliseconds; an outage must cost an RPC seconds, not 42 s. */
  static final Duration CHECK_TIMEOUT = Duration.ofSeconds(5);

  /**
   * A brick not yet reconnected to quotad answers a limit's first question after 5 s (a fixed retry
   * in GlusterFS's quota enforcer), or 10 s if it missed again: room for two retries.
   */
  static final Duration LIMIT_TIMEOUT = Duration.ofSeconds(15);

  private final GlusterConfig config;
  private final Mounter mounter;
  private final MountProbe probe;
  private final Path mountPoint;

  VolumeMount(GlusterConfig config, Mounter mounter, MountProbe probe, Path mountPoint) {
    this.config = config;
    this.mounter = mounter;
    this.probe = probe;
    this.mountPoint = mountPoint;
  }

  /**
   * The live mount's root, mounting or remounting it first if needed.
   *
   * @throws StorageException UNAVAILABLE when the servers do not answer
   */
  Path root() {
    Optional<MountEntry> seen = mounted();
    if (seen.isPresent()) {
      Health health = check();
      if (health.healthy()) {
        return mountPoint;
      }
      if (health.state() != Health.State.DEAD) {
        throw unreachable(health);
      }
    }
    return remount(seen);
  }

  /**
   * Replaces the mount {@code seen} (none, or one with a dead client) by a new one, unless another
   * call did so meanwhile. Serialized: the lock covers the mount commands (timed), no statfs.
   */
  private synchronized Path remount(Optional<MountEntry> seen) {
    Optional<MountEntry> now = mounted();
    if (!now.equals(seen)) {
      return mountPoint; // another call remounted it; the next call checks the new mount
    }
    if (now.isPresent()) {
      mounter.unmount(mountPoint, true);
    }
    try {
      Files.createDirectories(mountPoint);
    } catch (IOException e) {
      throw StorageException.internal(
          "cannot create mount point %s: %s", mountPoint, e.getMessage());
    }
    mounter.mount(source(config), mountPoint, GlusterContext.MOUNT_TYPE, options(config));
    return mountPoint;
  }

  /**
   * The bytes free on the Gluster volume, read within {@link #CHECK_TIMEOUT}.
   *
   * @throws StorageException UNAVAILABLE when the servers do not answer
   */
  long usableBytes() {
    try {
      return Statfs.usableBytes(root(), CHECK_TIMEOUT, null);
    } catch (Statfs.Failure f) {
      throw unreachable(f.getMessage());
    }
  }

  /**
   * Asks every brick for the limit of {@code dir} (statfs of it: with quota-deem-statfs the bricks
   * answer with its limit and usage, which they get from quotad). After quotad (re)starts (quota
   * enabled, glusterd restarted) the bricks reconnect to it within about 3 s, and a question asked
   * before then waits 5 s: asked here, that wait is CreateVolume's, not the first write of a pod.
   *
   * @throws StorageException UNAVAILABLE when the bricks do not answer within {@link
   *     #LIMIT_TIMEOUT}
   */
  void awaitLimit(Path dir) {
    try {
      Statfs.usableBytes(dir, LIMIT_TIMEOUT, null);
    } catch (Statfs.Failure f) {
      throw new StorageException(
          StorageException.Kind.UNAVAILABLE,
          "the quota of "
              + dir.getFileName()
              + " on Gluster volume "
              + config.volume()
              + " is not answered (is quotad running on "
              + String.join(",", config.servers())
              + "?): "
              + f.getMessage());
    }
  }

  /** Why the mount is unusable, if it is mounted and does not answer; bounded by the probe. */
  Optional<String> deadReason() {
    if (mounted().isEmpty()) {
      return Optional.empty();
    }
    Health health = check();
    return health.healthy() ? Optional.empty() : Optional.of(unreachable(health).getMessage());
  }

  private Optional<MountEntry> mounted() {
    return mounter.table().at(mountPoint);
  }

  private Health check() {
    return probe.check(mountPoint, mountPoint, false);
  }

  private StorageException unreachable(Health health) {
    return unreachable(health.detail());
  }

  private StorageException unreachable(String reason) {
    return new StorageException(
        StorageException.Kind.UNAVAILABLE,
        "Gluster volume "
            + config.volume()
            + " on "
            + String.join(",", config.servers())
            + " does not answer the controller's mount: "
            + reason);
  }

  void unmount() {
    if (mounted().isPresent()) {
      mounter.unmount(mountPoint, true);
    }
  }

  static String source(GlusterConfig config) {
    return GlusterContext.source(config.servers().subList(0, 1), config.volume());
  }

  /**
   * With {@code acl}, the client shows POSIX ACLs (without it, it hides them, and a copy of a
   * volume would lose them). No attribute caching, neither the kernel's nor the client's md-cache
   * (1 s by default): pods change a volume's root on other clients (chown, chmod), and a copy made
   * right after would take the root's attributes as this client last saw them (measured: a root
   * made here, chowned on a node, read back unchanged here for a second). The other servers serve
   * the volfile when the first is down.
   */
  static List<String> options(GlusterConfig config) {
    List<String> opts =
        new ArrayList<>(
            List.of(
                "acl",
                "attribute-timeout=0",
                "entry-timeout=0",
                "xlator-option=" + config.volume() + "-md-cache.md-cache-timeout=0"));
    if (config.servers().size() > 1) {
      opts.add(
          "backup-volfile-servers="
              + String.join(":", config.servers().subList(1, config.servers().size())));
    }
    return opts;
  }
}
