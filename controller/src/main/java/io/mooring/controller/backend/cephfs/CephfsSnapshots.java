package io.mooring.controller.backend.cephfs;

import static io.mooring.controller.backend.Snapshots.BACKING_SNAPSHOT;

import io.mooring.ceph.CephCredentials;
import io.mooring.controller.backend.GroupRecord;
import io.mooring.controller.backend.SnapshotRecord;
import io.mooring.controller.backend.Snapshots;
import io.mooring.controller.backend.VolumeRecord;
import io.mooring.errors.StorageException;
import io.mooring.errors.StorageException.Kind;
import io.mooring.volume.CephContext;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * CephFS subvolume snapshots ({@code fs subvolume snapshot create/rm}), recorded in the backend's
 * omap next to its volumes ({@link SnapshotEntry}): recorded → taken → recorded as complete. The
 * mgr gets only the snapshot commands; listing reads the omap. A volume deleted while it has
 * snapshots keeps them (the backend removes it with {@code --retain-snapshots}); Ceph purges the
 * subvolume once its last snapshot is removed.
 */
final class CephfsSnapshots implements Snapshots {

  private final CephfsBackend backend;
  private final CephClient client;
  private final Clock clock;

  CephfsSnapshots(CephfsBackend backend, CephClient client, Clock clock) {
    this.backend = backend;
    this.client = client;
    this.clock = clock;
  }

  @Override
  public boolean hasGroups() {
    return true;
  }

  @Override
  public Optional<SnapshotRecord> get(String snapshot, Map<String, String> secrets) {
    CephCredentials credentials = backend.credentials(secrets, "looking up a snapshot");
    return backend
        .records(credentials)
        .snapshot(snapshot, credentials)
        .filter(SnapshotEntry::complete)
        .map(e -> e.record(snapshot));
  }

  @Override
  public SnapshotRecord create(
      VolumeRecord source,
      String snapshot,
      String requestName,
      String group,
      Map<String, String> secrets) {
    if (Snapshots.isBacked(source)) {
      throw StorageException.invalid(
          "volume %s is a read-only view of a snapshot (parameter %s): snapshot that snapshot's"
              + " source instead",
          source.dir(), BACKING_SNAPSHOT);
    }
    CephCredentials credentials = backend.credentials(secrets, "CreateSnapshot");
    OmapRecords records = backend.records(credentials);
    Optional<SnapshotEntry> existing = records.snapshot(snapshot, credentials);
    if (existing.isPresent()
        && !(existing.get().dir().equals(source.dir())
            && existing.get().requestName().equals(requestName))) {
      throw new StorageException(
          Kind.ALREADY_EXISTS,
          "snapshot name "
              + requestName
              + " is taken by a snapshot of volume "
              + existing.get().dir());
    }
    if (existing.isPresent() && existing.get().complete()) {
      return existing.get().record(snapshot);
    }
    SnapshotEntry entry =
        existing.orElse(
            new SnapshotEntry(
                source.dir(),
                requestName,
                source.capacityBytes(),
                Optional.empty(),
                group,
                backend.path(source.dir(), credentials)));
    if (existing.isEmpty()) {
      records.putSnapshot(snapshot, entry, credentials);
    }
    try {
      // Ceph answers a repeated create of the same snapshot with success: a retry is safe
      client.run(
          backend.snapshot("fs subvolume snapshot create", source.dir(), snapshot), credentials);
    } catch (CephError e) {
      if (existing.isEmpty()) {
        forget(records, snapshot, credentials);
      }
      if (e.errno() == CephError.EMLINK) {
        throw new StorageException(
            Kind.EXHAUSTED,
            "volume "
                + source.dir()
                + " has as many snapshots as CephFS allows a directory (mds_max_snaps_per_dir,"
                + " 100 by default): delete some first ("
                + e.getMessage()
                + ")");
      }
      if (e.errno() == CephError.ENOENT) {
        throw StorageException.notFound("source volume %s no longer exists", source.dir());
      }
      throw e;
    }
    SnapshotEntry taken = entry.taken(clock.instant());
    records.putSnapshot(snapshot, taken, credentials);
    return taken.record(snapshot);
  }

  /** Drops the entry of a snapshot that was not taken; a leftover is taken over by a retry. */
  private static void forget(OmapRecords records, String snapshot, CephCredentials credentials) {
    try {
      records.removeSnapshot(snapshot, credentials);
    } catch (RuntimeException ignored) {
      // the retry of this name finds the entry and takes the snapshot
    }
  }

  /** The snapshot first, then its entry: a crash in between leaves an entry the retry removes. */
  @Override
  public void delete(String dir, String snapshot, Map<String, String> secrets) {
    CephCredentials credentials = backend.credentials(secrets, "DeleteSnapshot");
    OmapRecords records = backend.records(credentials);
    Optional<SnapshotEntry> entry = records.snapshot(snapshot, credentials);
    if (entry.isEmpty() || !entry.get().dir().equals(dir)) {
      return; // never made (an entry precedes every snapshot), gone, or another volume's
    }
    requireUnused(records, snapshot, credentials);
    try {
      client.run(backend.snapshot("fs subvolume snapshot rm", dir, snapshot), credentials);
    } catch (CephError e) {
      if (e.errno() == CephError.EAGAIN || e.errno() == CephError.EBUSY) {
        throw new StorageException(
            Kind.FAILED_PRECONDITION,
            "snapshot "
                + snapshot
                + " of volume "
                + dir
                + " is still being copied into a new volume: delete it once the restore is done ("
                + e.getMessage()
                + ")");
      }
      if (e.errno() != CephError.ENOENT) {
        throw e;
      }
    }
    records.removeSnapshot(snapshot, credentials);
  }

  @Override
  public void requireUnused(String snapshot, Map<String, String> secrets) {
    CephCredentials credentials = backend.credentials(secrets, "DeleteSnapshot");
    requireUnused(backend.records(credentials), snapshot, credentials);
  }

  private static void requireUnused(
      OmapRecords records, String snapshot, CephCredentials credentials) {
    Set<String> backed = records.backedBy(snapshot, 3, credentials);
    if (!backed.isEmpty()) {
      throw new StorageException(
          Kind.FAILED_PRECONDITION,
          "snapshot "
              + snapshot
              + " backs read-only volumes (parameter "
              + BACKING_SNAPSHOT
              + "), e.g. "
              + String.join(", ", backed)
              + ": delete them first");
    }
  }

  @Override
  public Optional<GroupRecord> group(String group, Map<String, String> secrets) {
    CephCredentials credentials = backend.credentials(secrets, "looking up a group snapshot");
    return backend.records(credentials).group(group, credentials);
  }

  @Override
  public void putGroup(GroupRecord group, Map<String, String> secrets) {
    CephCredentials credentials = backend.credentials(secrets, "CreateVolumeGroupSnapshot");
    backend.records(credentials).putGroup(group, credentials);
  }

  @Override
  public void removeGroup(String group, Map<String, String> secrets) {
    CephCredentials credentials = backend.credentials(secrets, "DeleteVolumeGroupSnapshot");
    backend.records(credentials).removeGroup(group, credentials);
  }

  @Override
  public List<SnapshotRecord> list() {
    CephCredentials credentials = backend.adminCredentials("ListSnapshots");
    List<SnapshotRecord> out = new ArrayList<>();
    backend
        .records(credentials)
        .snapshots(credentials)
        .forEach(
            (name, entry) -> {
              if (entry.complete()) {
                out.add(entry.record(name));
              }
            });
    out.sort(Comparator.comparing(SnapshotRecord::dir).thenComparing(SnapshotRecord::snapshot));
    return out;
  }

  @Override
  public VolumeRecord restore(
      SnapshotRecord snapshot,
      String dir,
      String requestName,
      long capacityBytes,
      Map<String, String> parameters,
      Map<String, String> secrets) {
    return backend.createFrom(
        snapshot, false, dir, requestName, capacityBytes, parameters, secrets);
  }

  /**
   * The record and a reference that keeps the snapshot (which DeleteSnapshot checks), written
   * together; the volume's path is the snapshot's copy of the source's directory.
   */
  @Override
  public VolumeRecord back(
      SnapshotRecord snapshot,
      String dir,
      String requestName,
      long capacityBytes,
      Map<String, String> parameters,
      Map<String, String> secrets) {
    CephCredentials credentials = backend.credentials(secrets, "CreateVolume");
    OmapRecords records = backend.records(credentials);
    String taken =
        records
            .snapshot(snapshot.snapshot(), credentials)
            .map(SnapshotEntry::path)
            .filter(p -> !p.isEmpty())
            .orElseGet(() -> sourcePath(snapshot, credentials));
    return backend.recordBacked(
        dir,
        snapshot.snapshot(),
        new SubvolumeRecord(
            requestName,
            capacityBytes,
            parameters,
            CephContext.snapshotPath(taken, snapshot.snapshot()),
            Optional.of(clock.instant())),
        credentials);
  }

  /**
   * The source's path, for a snapshot an earlier version recorded without it: the same as when the
   * snapshot was taken while the subvolume exists.
   */
  private String sourcePath(SnapshotRecord snapshot, CephCredentials credentials) {
    try {
      return backend.path(snapshot.dir(), credentials);
    } catch (CephError e) {
      throw new StorageException(
          Kind.FAILED_PRECONDITION,
          "snapshot "
              + snapshot.snapshot()
              + " was taken by an earlier Mooring version, which did not record where its volume "
              + snapshot.dir()
              + " was, and that volume is gone: restore it (a copy) instead ("
              + e.getMessage()
              + ")");
    }
  }

  @Override
  public VolumeRecord cloneVolume(
      VolumeRecord source,
      String dir,
      String requestName,
      long capacityBytes,
      Map<String, String> parameters,
      Map<String, String> secrets) {
    if (Snapshots.isBacked(source)) { // a copy of the snapshot it shows, as in ceph-csi
      CephCredentials credentials = backend.credentials(secrets, "CreateVolume");
      String snapshot =
          CephContext.backingSnapshotOf(backend.path(source.dir(), credentials))
              .orElseThrow(
                  () -> StorageException.internal("volume %s has no snapshot path", source.dir()));
      SnapshotRecord shown =
          get(snapshot, secrets)
              .orElseThrow(
                  () -> StorageException.notFound("the snapshot of volume %s is gone", source));
      return restore(shown, dir, requestName, capacityBytes, parameters, secrets);
    }
    return backend.createFrom(
        CephClones.temporarySnapshot(source, dir, clock.instant()),
        true,
        dir,
        requestName,
        capacityBytes,
        parameters,
        secrets);
  }
}
