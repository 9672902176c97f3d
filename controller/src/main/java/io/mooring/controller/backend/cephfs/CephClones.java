package io.mooring.controller.backend.cephfs;

import io.mooring.ceph.CephCredentials;
import io.mooring.controller.backend.CopyWait;
import io.mooring.controller.backend.SnapshotRecord;
import io.mooring.controller.backend.VolumeRecord;
import io.mooring.errors.StorageException;
import io.mooring.errors.StorageException.Kind;
import io.mooring.volume.VolumeNames;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Restores a volume from a snapshot with {@code fs subvolume snapshot clone}, and clones a volume
 * through a temporary snapshot of it: the mgr's cloner threads copy the data in the background
 * ({@code fs clone status} tells how far). A call waits for the copy within its own deadline; a
 * copy still running then is left to go on, and the caller is told to retry (ABORTED: the
 * provisioner keeps retrying such answers). A copy that failed is removed with its reservation, so
 * the retry starts afresh.
 */
final class CephClones {

  private static final long MAX_POLL_MS = 1_000;

  /** Names the temporary snapshot of a clone of a volume (with the clone's name). */
  private static final String TEMPORARY = "mooring clone into ";

  private final CephfsBackend backend;
  private final CephClient client;
  private final String fsName;
  private final String group;

  CephClones(CephfsBackend backend, CephClient client, String fsName, String group) {
    this.backend = backend;
    this.client = client;
    this.fsName = fsName;
    this.group = group;
  }

  /**
   * Starts copying {@code snapshot} into subvolume {@code dir}, unless that copy was started; takes
   * the snapshot first if it is {@code temporary}.
   */
  void start(
      SnapshotRecord snapshot,
      boolean temporary,
      String dir,
      String pool,
      CephCredentials credentials) {
    if (temporary) {
      client.run(
          backend.snapshot("fs subvolume snapshot create", snapshot.dir(), snapshot.snapshot()),
          credentials);
    }
    CephCommand clone =
        backend
            .snapshot("fs subvolume snapshot clone", snapshot.dir(), snapshot.snapshot())
            .with("target_sub_name", dir)
            .with("target_group_name", group);
    if (pool != null) {
      clone = clone.with("pool_layout", pool);
    }
    try {
      client.run(clone, credentials);
    } catch (CephError e) {
      if (e.errno() == CephError.EEXIST) {
        return; // started by an earlier try
      }
      if (temporary) {
        drop(snapshot, credentials);
      }
      if (e.errno() == CephError.ENOENT) {
        throw StorageException.notFound(
            "snapshot %s of volume %s no longer exists", snapshot.snapshot(), snapshot.dir());
      }
      throw e;
    }
  }

  /**
   * Waits for the copy into {@code dir}, then gives the volume its own size (a clone keeps its
   * source's quota) and removes a {@code temporary} snapshot.
   *
   * @throws StorageException BUSY while the copy goes on; INTERNAL when it failed (then removed)
   */
  void await(
      SnapshotRecord snapshot,
      boolean temporary,
      String dir,
      long capacityBytes,
      CephCredentials credentials) {
    try {
      awaitCopy(snapshot, dir, capacityBytes, credentials);
    } catch (StorageException e) {
      if (temporary && e.kind() != Kind.BUSY) {
        drop(snapshot, credentials);
      }
      throw e;
    }
    if (temporary) {
      drop(snapshot, credentials);
    }
  }

  private void awaitCopy(
      SnapshotRecord snapshot, String dir, long capacityBytes, CephCredentials credentials) {
    long deadline = System.nanoTime() + CopyWait.left().toNanos();
    long pause = 50;
    while (true) {
      Map<String, Object> status = status(dir, credentials);
      String state = String.valueOf(status.get("state"));
      switch (state) {
        case "complete" -> {
          client.run(
              backend
                  .subvolume("fs subvolume resize", dir)
                  .with("new_size", Long.toString(capacityBytes)),
              credentials);
          return;
        }
        case "failed", "canceled" -> throw failed(snapshot, dir, state, status, credentials);
        default -> {} // pending, in-progress
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new StorageException(
            Kind.BUSY,
            "volume "
                + dir
                + " is still being copied from snapshot "
                + snapshot.snapshot()
                + " of volume "
                + snapshot.dir()
                + " ("
                + state
                + "); the copy goes on, and a retry of this request finds it");
      }
      sleep(Math.min(pause, TimeUnit.NANOSECONDS.toMillis(left) + 1));
      pause = Math.min(pause * 2, MAX_POLL_MS);
    }
  }

  /**
   * The snapshot of {@code source} that volume {@code dir} is cloned from: named for the clone, so
   * that a retry finds it, and not recorded (no one lists or restores it).
   */
  static SnapshotRecord temporarySnapshot(VolumeRecord source, String dir, Instant now) {
    return new SnapshotRecord(
        source.dir(),
        VolumeNames.snapshotFor(TEMPORARY + dir),
        source.requestName(),
        source.capacityBytes(),
        now,
        "");
  }

  /** Removes a temporary snapshot; one that is gone already is fine. */
  private void drop(SnapshotRecord temporary, CephCredentials credentials) {
    try {
      client.run(
          backend.snapshot("fs subvolume snapshot rm", temporary.dir(), temporary.snapshot()),
          credentials);
    } catch (CephError e) {
      if (e.errno() != CephError.ENOENT) {
        throw e;
      }
    }
  }

  private Map<String, Object> status(String dir, CephCredentials credentials) {
    CephCommand status =
        CephCommand.mgr("fs clone status")
            .with("vol_name", fsName)
            .with("clone_name", dir)
            .with("group_name", group);
    String out = client.run(status, credentials);
    try {
      return Json.object(
          Json.object(Json.parse(out), "clone status").get("status"), "clone status");
    } catch (IllegalArgumentException e) {
      throw StorageException.internal(
          "cannot parse the answer of ceph fs clone status: %s", e.getMessage());
    }
  }

  private StorageException failed(
      SnapshotRecord snapshot,
      String dir,
      String state,
      Map<String, Object> status,
      CephCredentials credentials) {
    Object failure = status.get("failure");
    client.run(backend.subvolume("fs subvolume rm", dir).with("force", true), credentials);
    backend.records(credentials).remove(dir, credentials);
    return StorageException.internal(
        "copying snapshot %s of volume %s into volume %s %s%s; the copy was removed, a retry"
            + " starts again",
        snapshot.snapshot(),
        snapshot.dir(),
        dir,
        state,
        failure == null ? "" : " (" + failure + ")");
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException(Kind.CANCELLED, "interrupted while waiting for a clone");
    }
  }
}
