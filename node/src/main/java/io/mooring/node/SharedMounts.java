package io.mooring.node;

import io.mooring.errors.StorageException;
import io.mooring.mount.MountEntry;
import io.mooring.mount.MountTable;
import io.mooring.mount.Mounter;
import io.mooring.server.KeyedLocks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's glusterfs FUSE clients — one per backend, mounted at {@code <stateDir>/mounts/<backend>}
 * — and the bind mounts made from them (staging paths and published targets).
 *
 * <p>Nothing is remembered in memory: a bind of a subdirectory shows up in mountinfo with the same
 * device (major:minor) as its client, fsType {@code fuse.glusterfs}, source {@code server:/volume}
 * and, as {@code root}, the directory inside the Gluster volume. So the binds of a backend are the
 * entries on its client's device, and a bind whose client mount is gone (a heal interrupted by a
 * restart) is one of the same Gluster volume on a device that no longer has a root mount. The
 * only file kept is the full mount source ({@link MountSources}).
 *
 * <p>Clients are started by {@link Mounter#mount} in a session of their own (setsid), so they
 * outlive the plugin process and a restarted plugin adopts them as they are. They still live in
 * the plugin container's cgroup, so a container restart kills them; the restarted plugin then
 * finds them dead and heals them. Starting them in a cgroup of their own ({@code --fuse-cgroup},
 * e.g. a systemd scope on the host) is future work.
 *
 * <p>Methods that change mounts expect the caller to hold {@link #lock} for the backend.
 */
final class SharedMounts {

  private static final Logger LOG = LoggerFactory.getLogger(SharedMounts.class);
  private static final String FUSE_TYPE = "glusterfs";
  /** Stacked mounts at one path are peeled one by one; more than this means something is looping. */
  private static final int MAX_STACKED = 8;

  /** What the mount table shows for one backend. */
  record View(Optional<MountEntry> client, List<MountEntry> binds) {

    /** The bind at {@code mountPoint}, if it is one of this backend's. */
    Optional<MountEntry> bindAt(Path mountPoint) {
      return binds.stream().filter(b -> b.mountPoint().equals(mountPoint)).reduce((first, top) -> top);
    }

    /** Binds that are not on the current client: left on a dead or detached one. */
    List<MountEntry> stale() {
      return binds.stream().filter(b -> client.isEmpty() || !b.device().equals(client.get().device())).toList();
    }
  }

  private final Path mountsDir;
  private final MountSources sources;
  private final Mounter mounter;
  private final MountProbe probe;
  private final KeyedLocks locks;

  /** @param stateDir canonical (symbolic links resolved), as mountinfo shows paths */
  SharedMounts(Path stateDir, Mounter mounter, MountProbe probe, Duration lockWait) {
    this.mountsDir = stateDir.resolve("mounts");
    this.sources = new MountSources(stateDir.resolve("sources"));
    this.mounter = mounter;
    this.probe = probe;
    this.locks = new KeyedLocks(lockWait);
  }

  KeyedLocks.Held lock(String backend) {
    return locks.acquire(backend);
  }

  /** Where the backend's client is mounted. */
  Path path(String backend) {
    return mountsDir.resolve(backend);
  }

  /** Backends with a client mounted or a mount source on record. */
  Set<String> backends() {
    Set<String> out = mounter.table().entries().stream()
        .filter(e -> e.isFuse(FUSE_TYPE) && mountsDir.equals(e.mountPoint().getParent()))
        .map(e -> e.mountPoint().getFileName().toString())
        .collect(Collectors.toCollection(TreeSet::new));
    out.addAll(sources.backends());
    return out;
  }

  View view(MountTable table, String backend) {
    Path path = path(backend);
    Optional<MountEntry> client = table.at(path).filter(e -> e.isFuse(FUSE_TYPE));
    Optional<String> volume = client.map(MountEntry::source).or(() -> sources.get(backend)).map(SharedMounts::volumeOf);
    if (volume.isEmpty()) {
      return new View(client, List.of());
    }
    Set<String> rootedDevices = table.entries().stream().filter(e -> e.root().equals("/"))
        .map(MountEntry::device).collect(Collectors.toSet());
    List<MountEntry> binds = table.entries().stream()
        .filter(e -> !e.mountPoint().equals(path) && e.isFuse(FUSE_TYPE))
        .filter(e -> volumeOf(e.source()).equals(volume.get()))
        .filter(e -> client.map(c -> c.device().equals(e.device())).orElse(false) || !rootedDevices.contains(e.device()))
        .toList();
    return new View(client, binds);
  }

  /** How the backend's client is doing, seen through {@code path} (its mount point or a bind). */
  Health health(String backend, Path path) {
    return probe.check(path, path(backend));
  }

  /**
   * Makes sure the volume's backend has a working client and returns the volume's directory on it.
   *
   * @throws StorageException FAILED_PRECONDITION when the backend's client serves another Gluster
   *     volume, UNAVAILABLE when it does not work, NOT_FOUND when the directory does not exist
   */
  Path ensure(GlusterVolume volume) {
    String backend = volume.backend();
    Optional<MountEntry> client = view(mounter.table(), backend).client();
    if (client.isPresent() && !volumeOf(client.get().source()).equals(volume.volume())) {
      throw new StorageException(StorageException.Kind.FAILED_PRECONDITION, "backend " + backend
          + " is mounted from Gluster volume " + volumeOf(client.get().source()) + " on this node, but the"
          + " volume_context names " + volume.volume() + "; unstage that backend's volumes first");
    }
    if (client.isEmpty() || sources.get(backend).isEmpty()) {
      sources.put(backend, volume.source());
    }
    if (client.isEmpty()) {
      mountClient(backend);
    }
    Health health = heal(backend);
    if (!health.healthy()) {
      throw new StorageException(StorageException.Kind.UNAVAILABLE, health.message(backend));
    }
    return directory(backend, volume);
  }

  /**
   * Puts the backend in order: replaces a dead client (lazily unmounting it), mounts a missing one
   * that binds still need, and re-binds every bind that is not on the live client, so that pods
   * whose volumes propagate from the host see the volume again without a restart.
   *
   * @return the client's health afterwards
   */
  Health heal(String backend) {
    Path path = path(backend);
    View before = view(mounter.table(), backend);
    if (before.client().isEmpty() && before.binds().isEmpty()) {
      return Health.HEALTHY;
    }
    Health health = before.client().isPresent() ? probe.check(path, path)
        : new Health(Health.State.DEAD, path + " is not mounted");
    if (health.state() != Health.State.DEAD && before.stale().isEmpty()) {
      return health;
    }
    long start = System.nanoTime();
    if (health.state() == Health.State.DEAD) {
      LOG.warn("{} ({} mounts to re-bind)", health.message(backend), before.binds().size());
      unmountAll(path, true);
      mountClient(backend);
    } else {
      LOG.warn("{} mounts of backend {} are not on its glusterfs client; re-binding them",
          before.stale().size(), backend);
    }
    MountEntry client = view(mounter.table(), backend).client()
        .orElseThrow(() -> StorageException.internal("%s is not in the mount table after mounting it", path));
    List<String> failures = new ArrayList<>();
    int rebound = 0;
    for (MountEntry bind : before.binds()) {
      if (!bind.device().equals(client.device())) {
        try {
          unmountAll(bind.mountPoint(), true);
          mounter.bind(NodePaths.inside(path, bind.root()), bind.mountPoint(), bind.readOnly(), MountFlags.of(bind));
          rebound++;
        } catch (RuntimeException e) {
          failures.add(bind.mountPoint() + " (" + e.getMessage() + ")");
        }
      }
    }
    if (!failures.isEmpty()) {
      throw StorageException.internal("could not re-bind mounts of backend %s onto its glusterfs client: %s",
          backend, failures);
    }
    LOG.info("healed backend {}: {} mounts re-bound onto the glusterfs client at {} in {} ms", backend, rebound,
        path, (System.nanoTime() - start) / 1_000_000);
    return probe.check(path, path);
  }

  /** Unmounts a bind of the backend, lazily when its client no longer answers. */
  void unbind(String backend, Path mountPoint) {
    unmountAll(mountPoint, !health(backend, mountPoint).healthy());
  }

  /**
   * Unmounts the backend's client and forgets its source when no bind of it remains. The empty
   * mount point stays for the next client.
   *
   * @return whether it did
   */
  boolean releaseIfUnused(String backend) {
    View view = view(mounter.table(), backend);
    if (!view.binds().isEmpty()) {
      return false;
    }
    Path path = path(backend);
    if (view.client().isPresent()) {
      unmountAll(path, !probe.check(path, path).healthy());
    }
    sources.remove(backend);
    return true;
  }

  /** The volume's directory on the client, refusing symbolic links that could lead outside it. */
  private Path directory(String backend, GlusterVolume volume) {
    Path dir = NodePaths.inside(path(backend), volume.path());
    try {
      if (!dir.toRealPath().equals(dir) || !Files.isDirectory(dir)) {
        throw new StorageException(StorageException.Kind.FAILED_PRECONDITION, "volume_context path "
            + volume.path() + " is not a directory on Gluster volume " + volume.volume() + " (links are not followed)");
      }
    } catch (NoSuchFileException e) {
      throw StorageException.notFound("directory %s does not exist on Gluster volume %s; was the volume deleted?",
          volume.path(), volume.volume());
    } catch (IOException e) {
      throw new StorageException(StorageException.Kind.UNAVAILABLE,
          "cannot look up " + volume.path() + " on Gluster volume " + volume.volume() + ": " + e.getMessage(), e);
    }
    return dir;
  }

  private void mountClient(String backend) {
    Path path = path(backend);
    String source = sources.get(backend).orElseThrow(() -> StorageException.internal(
        "no mount source recorded for backend %s; stage one of its volumes again", backend));
    try {
      Files.createDirectories(path);
    } catch (IOException e) {
      throw StorageException.internal("cannot create %s: %s", path, e.getMessage());
    }
    mounter.mount(source, path, FUSE_TYPE, List.of());
  }

  private void unmountAll(Path mountPoint, boolean lazy) {
    for (int i = 0; i < MAX_STACKED && mounter.table().isMountPoint(mountPoint); i++) {
      mounter.unmount(mountPoint, lazy);
    }
  }

  /** The Gluster volume in a mount source: {@code server[,server...]:/volume}. */
  static String volumeOf(String source) {
    return source.substring(source.lastIndexOf(":/") + 2);
  }
}
