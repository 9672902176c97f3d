package io.mooring.node;

import io.mooring.errors.StorageException;
import io.mooring.mount.FuseClients;
import io.mooring.mount.Health;
import io.mooring.mount.MountEntry;
import io.mooring.mount.MountProbe;
import io.mooring.mount.MountTable;
import io.mooring.mount.Mounter;
import io.mooring.volume.KeyedLocks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's FUSE clients of one {@link ClientKind} and the bind mounts made from them (staging
 * paths and published targets): mounting, health, healing and release, the same for every kind.
 *
 * <p>Nothing is remembered in memory: the kind reads a client and its binds from mountinfo (a bind
 * shares its client's device), and a bind whose client mount is gone — a heal interrupted by a
 * restart — is still recognised as the client's, on a device that is no longer the client's. What a
 * remount needs is on record in files the kind keeps.
 *
 * <p>Clients are started in a session of their own (setsid), so they outlive the plugin process and
 * a restarted plugin adopts them as they are. Each runs in a memory cgroup of its own below the
 * plugin container's ({@link Cgroups}), so running out of memory kills one client, which is healed
 * like any dead one, and not the container. A container restart still kills them all; the restarted
 * plugin then finds them dead and heals them.
 *
 * <p>Methods that change mounts expect the caller to hold {@link #lock} for the client.
 */
public final class SharedMounts<K extends ClientKind> {

  private static final Logger LOG = LoggerFactory.getLogger(SharedMounts.class);

  /**
   * Stacked mounts at one path are peeled one by one; more than this means something is looping.
   */
  private static final int MAX_STACKED = 8;

  /** What the mount table shows for one client. */
  public record View(Optional<MountEntry> client, List<MountEntry> binds) {

    public View {
      binds = List.copyOf(binds);
    }

    /** The bind at {@code mountPoint}, if it is one of this client's. */
    Optional<MountEntry> bindAt(Path mountPoint) {
      return binds.stream()
          .filter(b -> b.mountPoint().equals(mountPoint))
          .reduce((first, top) -> top);
    }

    /** Binds that are not on the current client: left on a dead or detached one. */
    List<MountEntry> stale() {
      return binds.stream()
          .filter(b -> client.isEmpty() || !b.device().equals(client.get().device()))
          .toList();
    }
  }

  private final K kind;
  private final Mounter mounter;
  private final MountProbe probe;
  private final KeyedLocks locks;
  private final Optional<Cgroups> cgroups;
  private final MountEvents events;

  /**
   * @param cgroups where clients get their memory cgroups; none when this node has none to give
   * @param events told what each check and heal found
   */
  SharedMounts(
      K kind,
      Mounter mounter,
      MountProbe probe,
      Duration lockWait,
      Optional<Cgroups> cgroups,
      MountEvents events) {
    this.kind = kind;
    this.mounter = mounter;
    this.probe = probe;
    this.locks = new KeyedLocks(lockWait);
    this.cgroups = cgroups;
    this.events = events;
  }

  public K kind() {
    return kind;
  }

  public KeyedLocks.Held lock(String client) {
    return locks.acquire(client);
  }

  /** Where the client is mounted. */
  public Path path(String client) {
    return kind.path(client);
  }

  /** Clients mounted or on record. */
  Set<String> clients() {
    return kind.clients(mounter.table());
  }

  public View view(MountTable table, String client) {
    return kind.view(table, client);
  }

  /** How the client is doing, seen through {@code path} (its mount point or a bind). */
  Health health(String client, Path path) {
    return probe.check(path, kind.path(client), kind.listOnProbe());
  }

  /**
   * Makes sure the client is mounted and works; its records must be in place. A first mount that
   * fails leaves no records behind.
   *
   * @throws StorageException UNAVAILABLE when it does not work, or what the mount failed with
   */
  public void ensure(String client) {
    View view = view(mounter.table(), client);
    if (view.client().isEmpty()) {
      try {
        mountClient(client);
      } catch (RuntimeException e) {
        if (view.binds().isEmpty()) {
          forget(client);
        }
        throw e;
      }
    }
    Health health = heal(client);
    if (!health.healthy()) {
      throw new StorageException(
          StorageException.Kind.UNAVAILABLE, health.message(kind.describe(client)));
    }
  }

  /**
   * Puts the client in order: replaces a dead client (lazily unmounting it), mounts a missing one
   * that binds still need, and re-binds every bind that is not on the live client, so that pods
   * whose volumes propagate from the host see the volume again without a restart.
   *
   * @return the client's health afterwards
   */
  Health heal(String client) {
    return heal(client, null);
  }

  /**
   * {@link #heal(String)}, checking the client through {@code probe}, one of its binds, when that
   * is on the live client and the kind's check lists: listing a volume's directory costs what it
   * holds, listing the root of a client that serves many volumes costs them all (a ceph-fuse group
   * of 50 subvolumes: 10 ms). Kinds that only statfs keep checking the root, which is cheap, and a
   * volume's directory not yet touched can be slow to answer (a new Gluster directory once took
   * over 5 s, beyond the probe's timeout).
   *
   * @param probe a bind of the client, or null for its mount point
   */
  Health heal(String client, Path probe) {
    Path path = kind.path(client);
    View before = view(mounter.table(), client);
    if (before.client().isEmpty() && before.binds().isEmpty()) {
      return Health.HEALTHY;
    }
    Path through =
        kind.listOnProbe()
                && probe != null
                && before.bindAt(probe).filter(b -> !before.stale().contains(b)).isPresent()
            ? probe
            : path;
    Health health =
        before.client().isPresent()
            ? health(client, through)
            : new Health(Health.State.DEAD, path + " is not mounted");
    boolean replace = health.state() == Health.State.DEAD || health.state() == Health.State.EVICTED;
    List<Path> binds = before.binds().stream().map(MountEntry::mountPoint).toList();
    if (!replace) {
      events.checked(kind.describe(client), health, binds);
      if (before.stale().isEmpty()) {
        return health;
      }
    }
    try {
      return replaceAndRebind(client, before, health, replace, binds);
    } catch (RuntimeException e) {
      if (replace) {
        events.remountFailed(kind.describe(client), health, binds, e.getMessage());
      }
      throw e;
    }
  }

  /** The rest of {@link #heal(String, Path)}: a new client if {@code replace}, then the binds. */
  private Health replaceAndRebind(
      String client, View before, Health health, boolean replace, List<Path> binds) {
    Path path = kind.path(client);
    long start = System.nanoTime();
    if (replace) {
      long oomKills = cgroups.map(c -> c.oomKills(client)).orElse(0L);
      LOG.warn(
          "{} ({} mounts to re-bind){}",
          health.message(kind.describe(client)),
          before.binds().size(),
          oomKills == 0
              ? ""
              : "; the kernel killed it at its memory limit of "
                  + (kind.limits().memoryBytes() >> 20)
                  + " MiB: raise the limit or bound its caches further");
      if (health.state() == Health.State.EVICTED) {
        FuseClients.stop(path);
      }
      unmountAll(path, true);
      mountClient(client);
    } else {
      LOG.warn(
          "{} mounts are not on {}; re-binding them", before.stale().size(), kind.describe(client));
    }
    MountEntry live =
        view(mounter.table(), client)
            .client()
            .orElseThrow(
                () ->
                    StorageException.internal(
                        "%s is not in the mount table after mounting it", path));
    List<String> failures = new ArrayList<>();
    int rebound = 0;
    for (MountEntry bind : before.binds()) {
      if (!bind.device().equals(live.device())) {
        try {
          unmountAll(bind.mountPoint(), true);
          mounter.bind(
              NodePaths.inside(path, bind.root()),
              bind.mountPoint(),
              bind.readOnly(),
              MountFlags.of(bind));
          rebound++;
        } catch (RuntimeException e) {
          failures.add(bind.mountPoint() + " (" + e.getMessage() + ")");
        }
      }
    }
    if (!failures.isEmpty()) {
      throw StorageException.internal(
          "could not re-bind mounts onto %s: %s", kind.describe(client), failures);
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    LOG.info(
        "healed {}: {} mounts re-bound onto {} in {} ms",
        kind.describe(client),
        rebound,
        path,
        millis);
    if (replace) {
      events.remounted(kind.describe(client), health, binds, millis);
    }
    return health(client, path);
  }

  /** Unmounts a bind of the client, lazily when the client no longer answers. */
  void unbind(String client, Path mountPoint) {
    unmountAll(mountPoint, !health(client, mountPoint).healthy());
  }

  /**
   * Unmounts the client and forgets its records when no bind of it remains. The empty mount point
   * stays for the next client unless the kind removes it.
   *
   * @return whether it did
   */
  public boolean releaseIfUnused(String client) {
    View view = view(mounter.table(), client);
    if (!view.binds().isEmpty()) {
      return false;
    }
    Path path = kind.path(client);
    if (view.client().isPresent()) {
      unmountAll(path, !health(client, path).healthy());
    }
    forget(client);
    return true;
  }

  /** Deletes the records of a client that is gone, and its cgroup. */
  private void forget(String client) {
    kind.forget(client);
    cgroups.ifPresent(c -> c.release(client));
  }

  private void mountClient(String client) {
    if (mounter.table().isMountPoint(kind.path(client))) {
      // something else sits on the mount point (a stale mount of another kind): never stack on it
      unmountAll(kind.path(client), true);
    }
    kind.mount(client, cgroup(client));
  }

  /** A new memory cgroup for the client; without one it still runs, unbounded like the plugin. */
  private Optional<Path> cgroup(String client) {
    try {
      return cgroups.map(c -> c.create(client, kind.limits().memoryBytes()));
    } catch (StorageException e) {
      LOG.warn(
          "{} runs without a memory limit of its own: {}", kind.describe(client), e.getMessage());
      return Optional.empty();
    }
  }

  private void unmountAll(Path mountPoint, boolean lazy) {
    for (int i = 0; i < MAX_STACKED && mounter.table().isMountPoint(mountPoint); i++) {
      mounter.unmount(mountPoint, lazy);
    }
  }
}
