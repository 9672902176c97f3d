package io.mooring.controller;

import com.google.protobuf.Timestamp;
import csi.v1.Csi.CreateSnapshotRequest;
import csi.v1.Csi.CreateSnapshotResponse;
import csi.v1.Csi.DeleteSnapshotRequest;
import csi.v1.Csi.DeleteSnapshotResponse;
import csi.v1.Csi.ListSnapshotsRequest;
import csi.v1.Csi.ListSnapshotsResponse;
import csi.v1.Csi.Snapshot;
import io.mooring.controller.backend.Backend;
import io.mooring.controller.backend.SnapshotRecord;
import io.mooring.controller.backend.Snapshots;
import io.mooring.controller.backend.VolumeRecord;
import io.mooring.errors.StorageException;
import io.mooring.errors.Untrusted;
import io.mooring.volume.GroupSnapshotId;
import io.mooring.volume.KeyedLocks;
import io.mooring.volume.SnapshotId;
import io.mooring.volume.VolumeId;
import io.mooring.volume.VolumeNames;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The snapshot RPCs of the Controller service, on the backends that have snapshots. Locks: a
 * snapshot's name (unique per backend) first, then its source volume's ID, so that a snapshot is
 * never taken of a volume being deleted, and one name never serves two volumes.
 */
final class ControllerSnapshots {

  private final Backends backends;
  private final KeyedLocks locks;

  ControllerSnapshots(Backends backends, KeyedLocks locks) {
    this.backends = backends;
    this.locks = locks;
  }

  /** Whether every backend has snapshots: only then are they (and group snapshots) advertised. */
  static boolean everywhere(Backends backends) {
    return backends.all().stream().allMatch(b -> b.snapshots().isPresent());
  }

  CreateSnapshotResponse create(CreateSnapshotRequest req) {
    String snapshot = VolumeNames.snapshotFor(req.getName());
    if (req.getSourceVolumeId().isEmpty()) {
      throw StorageException.invalid("source_volume_id is required");
    }
    CreateParameters.requireNone(req.getParametersMap(), "VolumeSnapshotClass");
    Optional<VolumeId> source = VolumeId.lookup(req.getSourceVolumeId());
    Backend backend =
        source
            .flatMap(v -> backends.find(v.backend()))
            .orElseThrow(
                () ->
                    StorageException.notFound(
                        "source volume %s does not exist",
                        Untrusted.quote(req.getSourceVolumeId())));
    Snapshots snapshots = of(backend);
    VolumeId volume = source.get();
    try (KeyedLocks.Held named = locks.acquire(nameKey(backend, snapshot));
        KeyedLocks.Held held = locks.acquire(volume.toString())) {
      Optional<SnapshotRecord> existing = snapshots.get(snapshot, req.getSecretsMap());
      if (existing.isPresent()) {
        if (!existing.get().dir().equals(volume.dir())) {
          throw new StorageException(
              StorageException.Kind.ALREADY_EXISTS,
              "snapshot "
                  + req.getName()
                  + " exists, of volume "
                  + new VolumeId(backend.name(), existing.get().dir()));
        }
        return CreateSnapshotResponse.newBuilder()
            .setSnapshot(snapshot(backend, existing.get()))
            .build();
      }
      VolumeRecord from =
          backend
              .get(volume.dir(), req.getSecretsMap())
              .orElseThrow(
                  () -> StorageException.notFound("source volume %s does not exist", volume));
      SnapshotRecord made =
          snapshots.create(from, snapshot, req.getName(), "", req.getSecretsMap());
      return CreateSnapshotResponse.newBuilder().setSnapshot(snapshot(backend, made)).build();
    }
  }

  DeleteSnapshotResponse delete(DeleteSnapshotRequest req) {
    Optional<SnapshotId> id = SnapshotId.lookup(req.getSnapshotId());
    Optional<Backend> backend = id.flatMap(s -> backends.find(s.volume().backend()));
    Optional<Snapshots> snapshots = backend.flatMap(Backend::snapshots);
    if (snapshots.isEmpty()) {
      return DeleteSnapshotResponse.getDefaultInstance(); // never ours, or already gone: done
    }
    SnapshotId snapshot = id.get();
    try (KeyedLocks.Held named = locks.acquire(nameKey(backend.get(), snapshot.snapshot()));
        KeyedLocks.Held held = locks.acquire(snapshot.volume().toString())) {
      Optional<SnapshotRecord> existing =
          snapshots.get().get(snapshot.snapshot(), req.getSecretsMap());
      if (existing.isPresent() && !existing.get().group().isEmpty()) {
        throw new StorageException(
            StorageException.Kind.FAILED_PRECONDITION,
            "snapshot "
                + snapshot
                + " is a member of group snapshot "
                + new GroupSnapshotId(backend.get().name(), existing.get().group())
                + ": delete the group snapshot");
      }
      snapshots.get().delete(snapshot.volume().dir(), snapshot.snapshot(), req.getSecretsMap());
      return DeleteSnapshotResponse.getDefaultInstance();
    }
  }

  ListSnapshotsResponse list(ListSnapshotsRequest req) {
    if (req.getMaxEntries() < 0) {
      throw StorageException.invalid("max_entries must not be negative");
    }
    String start = req.getStartingToken();
    if (!start.isEmpty() && !isOurs(start)) {
      throw new StorageException(
          StorageException.Kind.BUSY,
          "starting_token " + start + " was not issued by this plugin; list again from the start");
    }
    Predicate<Snapshot> wanted = s -> true;
    if (!req.getSnapshotId().isEmpty()) {
      if (SnapshotId.lookup(req.getSnapshotId()).isEmpty()) {
        return ListSnapshotsResponse.getDefaultInstance();
      }
      wanted = wanted.and(s -> s.getSnapshotId().equals(req.getSnapshotId()));
    }
    if (!req.getSourceVolumeId().isEmpty()) {
      if (VolumeId.lookup(req.getSourceVolumeId()).isEmpty()) {
        return ListSnapshotsResponse.getDefaultInstance();
      }
      wanted = wanted.and(s -> s.getSourceVolumeId().equals(req.getSourceVolumeId()));
    }
    List<Snapshot> listed = new ArrayList<>();
    for (Backend backend : backends.all()) {
      Optional<Snapshots> snapshots = backend.snapshots();
      if (snapshots.isPresent()) {
        snapshots.get().list().stream()
            .map(r -> snapshot(backend, r))
            .filter(wanted)
            .forEach(listed::add);
      }
    }
    listed.sort(Comparator.comparing(Snapshot::getSnapshotId));
    int from = 0;
    while (from < listed.size()
        && !start.isEmpty()
        && listed.get(from).getSnapshotId().compareTo(start) < 0) {
      from++;
    }
    int to =
        req.getMaxEntries() == 0
            ? listed.size()
            : Math.min(listed.size(), from + req.getMaxEntries());
    ListSnapshotsResponse.Builder out = ListSnapshotsResponse.newBuilder();
    listed.subList(from, to).forEach(s -> out.addEntriesBuilder().setSnapshot(s));
    if (to < listed.size()) {
      out.setNextToken(listed.get(to).getSnapshotId());
    }
    return out.build();
  }

  /** The snapshots of {@code backend}; UNIMPLEMENTED where it has none. */
  static Snapshots of(Backend backend) {
    return backend
        .snapshots()
        .orElseThrow(
            () ->
                new StorageException(
                    StorageException.Kind.UNIMPLEMENTED,
                    "backend " + backend.name() + " has no snapshots (yet)"));
  }

  private static boolean isOurs(String token) {
    try {
      SnapshotId.parse(token);
      return true;
    } catch (StorageException e) {
      return false;
    }
  }

  static String nameKey(Backend backend, String snapshot) {
    return "snapshot name " + snapshot + " on " + backend.name();
  }

  static Snapshot snapshot(Backend backend, SnapshotRecord record) {
    VolumeId volume = new VolumeId(backend.name(), record.dir());
    Snapshot.Builder out = Snapshot.newBuilder();
    if (!record.group().isEmpty()) {
      out.setGroupSnapshotId(new GroupSnapshotId(backend.name(), record.group()).toString());
    }
    return out.setSnapshotId(new SnapshotId(volume, record.snapshot()).toString())
        .setSourceVolumeId(volume.toString())
        .setSizeBytes(record.sizeBytes())
        .setCreationTime(
            Timestamp.newBuilder()
                .setSeconds(record.createdAt().getEpochSecond())
                .setNanos(record.createdAt().getNano()))
        .setReadyToUse(true)
        .build();
  }
}
