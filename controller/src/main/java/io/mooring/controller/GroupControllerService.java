package io.mooring.controller;

import com.google.protobuf.Timestamp;
import csi.v1.Csi.CreateVolumeGroupSnapshotRequest;
import csi.v1.Csi.CreateVolumeGroupSnapshotResponse;
import csi.v1.Csi.DeleteVolumeGroupSnapshotRequest;
import csi.v1.Csi.DeleteVolumeGroupSnapshotResponse;
import csi.v1.Csi.GetVolumeGroupSnapshotRequest;
import csi.v1.Csi.GetVolumeGroupSnapshotResponse;
import csi.v1.Csi.GroupControllerGetCapabilitiesRequest;
import csi.v1.Csi.GroupControllerGetCapabilitiesResponse;
import csi.v1.Csi.GroupControllerServiceCapability;
import csi.v1.Csi.VolumeGroupSnapshot;
import csi.v1.GroupControllerGrpc;
import io.grpc.stub.StreamObserver;
import io.mooring.controller.backend.Backend;
import io.mooring.controller.backend.GroupRecord;
import io.mooring.controller.backend.SnapshotRecord;
import io.mooring.controller.backend.Snapshots;
import io.mooring.controller.backend.VolumeRecord;
import io.mooring.errors.StorageException;
import io.mooring.errors.Untrusted;
import io.mooring.rpc.Rpc;
import io.mooring.volume.GroupSnapshotId;
import io.mooring.volume.KeyedLocks;
import io.mooring.volume.SnapshotId;
import io.mooring.volume.VolumeId;
import io.mooring.volume.VolumeNames;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * CSI GroupController: a group snapshot is one snapshot per member volume, taken one after another
 * without quiescing anything (crash-consistent per volume, not across volumes: Ceph 16 has no
 * {@code fs quiesce}), and recorded as a group before and after its members are taken. Served only
 * where every backend has group snapshots (GlusterFS's copies have none).
 */
public final class GroupControllerService extends GroupControllerGrpc.GroupControllerImplBase {

  private final Backends backends;
  private final KeyedLocks locks;
  private final Clock clock;

  public GroupControllerService(Backends backends, KeyedLocks locks) {
    this(backends, locks, Clock.systemUTC());
  }

  GroupControllerService(Backends backends, KeyedLocks locks, Clock clock) {
    this.backends = backends;
    this.locks = locks;
    this.clock = clock;
  }

  /** Whether a controller over these backends serves group snapshots: all of them have them. */
  public static boolean servedFor(Backends backends) {
    return backends.all().stream()
        .allMatch(b -> b.snapshots().map(Snapshots::hasGroups).orElse(false));
  }

  @Override
  public void groupControllerGetCapabilities(
      GroupControllerGetCapabilitiesRequest req,
      StreamObserver<GroupControllerGetCapabilitiesResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          GroupControllerGetCapabilitiesResponse.Builder out =
              GroupControllerGetCapabilitiesResponse.newBuilder();
          out.addCapabilitiesBuilder()
              .getRpcBuilder()
              .setType(
                  GroupControllerServiceCapability.RPC
                      .Type
                      .CREATE_DELETE_GET_VOLUME_GROUP_SNAPSHOT);
          return out.build();
        });
  }

  @Override
  public void createVolumeGroupSnapshot(
      CreateVolumeGroupSnapshotRequest req,
      StreamObserver<CreateVolumeGroupSnapshotResponse> observer) {
    Rpc.unary(observer, () -> create(req));
  }

  private CreateVolumeGroupSnapshotResponse create(CreateVolumeGroupSnapshotRequest req) {
    String group = VolumeNames.groupSnapshotFor(req.getName());
    if (req.getSourceVolumeIdsCount() == 0) {
      throw StorageException.invalid("source_volume_ids are required");
    }
    CreateParameters.requireNone(req.getParametersMap(), "VolumeGroupSnapshotClass");
    Set<VolumeId> sources = new HashSet<>();
    for (String text : req.getSourceVolumeIdsList()) {
      sources.add(
          VolumeId.lookup(text)
              .orElseThrow(
                  () ->
                      StorageException.notFound(
                          "source volume %s does not exist", Untrusted.quote(text))));
    }
    Set<String> backendNames = new TreeSet<>();
    sources.forEach(v -> backendNames.add(v.backend()));
    if (backendNames.size() > 1) {
      throw new StorageException(
          StorageException.Kind.FAILED_PRECONDITION,
          "the volumes of a group snapshot must be on one backend, not on " + backendNames);
    }
    Backend backend =
        backends
            .find(backendNames.iterator().next())
            .orElseThrow(
                () ->
                    StorageException.notFound(
                        "source volume %s does not exist", sources.iterator().next()));
    Snapshots snapshots = ControllerSnapshots.of(backend);
    Map<String, String> members = new TreeMap<>();
    sources.forEach(v -> members.put(v.dir(), VolumeNames.memberSnapshotFor(group, v.dir())));
    try (KeyedLocks.Held named = locks.acquire(ControllerSnapshots.nameKey(backend, group))) {
      Optional<GroupRecord> existing = snapshots.group(group, req.getSecretsMap());
      if (existing.isPresent() && !existing.get().members().equals(members)) {
        throw new StorageException(
            StorageException.Kind.ALREADY_EXISTS,
            "group snapshot "
                + req.getName()
                + " exists, of other volumes ("
                + existing.get().members().keySet()
                + ")");
      }
      if (existing.isPresent() && existing.get().complete()) {
        return response(backend, snapshots, existing.get(), req.getSecretsMap());
      }
      GroupRecord pending = GroupRecord.pending(group, req.getName(), members);
      if (existing.isEmpty()) {
        for (String dir : members.keySet()) { // before anything is recorded: all must exist
          requireVolume(backend, dir, req.getSecretsMap());
        }
        snapshots.putGroup(pending, req.getSecretsMap());
      }
      for (Map.Entry<String, String> member : members.entrySet()) {
        VolumeId volume = new VolumeId(backend.name(), member.getKey());
        try (KeyedLocks.Held held = locks.acquire(volume.toString())) {
          snapshots.create(
              requireVolume(backend, member.getKey(), req.getSecretsMap()),
              member.getValue(),
              req.getName() + " member " + member.getKey(),
              group,
              req.getSecretsMap());
        }
      }
      GroupRecord taken = pending.taken(clock.instant());
      snapshots.putGroup(taken, req.getSecretsMap());
      return response(backend, snapshots, taken, req.getSecretsMap());
    }
  }

  private static VolumeRecord requireVolume(
      Backend backend, String dir, Map<String, String> secrets) {
    return backend
        .get(dir, secrets)
        .orElseThrow(
            () ->
                StorageException.notFound(
                    "source volume %s does not exist", new VolumeId(backend.name(), dir)));
  }

  private static CreateVolumeGroupSnapshotResponse response(
      Backend backend, Snapshots snapshots, GroupRecord record, Map<String, String> secrets) {
    return CreateVolumeGroupSnapshotResponse.newBuilder()
        .setGroupSnapshot(groupSnapshot(backend, snapshots, record, secrets))
        .build();
  }

  private static VolumeGroupSnapshot groupSnapshot(
      Backend backend, Snapshots snapshots, GroupRecord record, Map<String, String> secrets) {
    Instant at = record.takenAt().orElseThrow();
    VolumeGroupSnapshot.Builder out =
        VolumeGroupSnapshot.newBuilder()
            .setGroupSnapshotId(new GroupSnapshotId(backend.name(), record.group()).toString())
            .setCreationTime(
                Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()))
            .setReadyToUse(true);
    for (Map.Entry<String, String> member : record.members().entrySet()) {
      SnapshotRecord snapshot =
          snapshots
              .get(member.getValue(), secrets)
              .orElseThrow(
                  () ->
                      StorageException.internal(
                          "member snapshot %s of group snapshot %s is missing",
                          member.getValue(), record.group()));
      out.addSnapshots(ControllerSnapshots.snapshot(backend, snapshot));
    }
    return out.build();
  }

  @Override
  public void deleteVolumeGroupSnapshot(
      DeleteVolumeGroupSnapshotRequest req,
      StreamObserver<DeleteVolumeGroupSnapshotResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Optional<GroupSnapshotId> id = GroupSnapshotId.lookup(req.getGroupSnapshotId());
          Optional<Backend> backend = id.flatMap(g -> backends.find(g.backend()));
          Optional<Snapshots> snapshots = backend.flatMap(Backend::snapshots);
          if (snapshots.isEmpty()) {
            return DeleteVolumeGroupSnapshotResponse.getDefaultInstance(); // not ours, or gone
          }
          String group = id.get().group();
          try (KeyedLocks.Held named =
              locks.acquire(ControllerSnapshots.nameKey(backend.get(), group))) {
            Optional<GroupRecord> record = snapshots.get().group(group, req.getSecretsMap());
            if (record.isEmpty()) {
              return DeleteVolumeGroupSnapshotResponse.getDefaultInstance();
            }
            requireMembers(backend.get(), record.get(), req.getSnapshotIdsList());
            // every member's name, in one order: no volume is made backed by one meanwhile, and
            // none in use is found only after others are gone
            List<KeyedLocks.Held> memberLocks = new ArrayList<>();
            try {
              for (String snapshot : new TreeSet<>(record.get().members().values())) {
                memberLocks.add(
                    locks.acquire(ControllerSnapshots.nameKey(backend.get(), snapshot)));
                snapshots.get().requireUnused(snapshot, req.getSecretsMap());
              }
              for (Map.Entry<String, String> member : record.get().members().entrySet()) {
                VolumeId volume = new VolumeId(backend.get().name(), member.getKey());
                try (KeyedLocks.Held held = locks.acquire(volume.toString())) {
                  snapshots.get().delete(member.getKey(), member.getValue(), req.getSecretsMap());
                }
              }
            } finally {
              memberLocks.forEach(KeyedLocks.Held::close);
            }
            snapshots.get().removeGroup(group, req.getSecretsMap());
            return DeleteVolumeGroupSnapshotResponse.getDefaultInstance();
          }
        });
  }

  @Override
  public void getVolumeGroupSnapshot(
      GetVolumeGroupSnapshotRequest req, StreamObserver<GetVolumeGroupSnapshotResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Optional<GroupSnapshotId> id = GroupSnapshotId.lookup(req.getGroupSnapshotId());
          Optional<Backend> backend = id.flatMap(g -> backends.find(g.backend()));
          Optional<Snapshots> snapshots = backend.flatMap(Backend::snapshots);
          Optional<GroupRecord> record =
              snapshots.flatMap(s -> s.group(id.get().group(), req.getSecretsMap()));
          if (record.isEmpty() || !record.get().complete()) {
            throw StorageException.notFound(
                "group snapshot %s does not exist", Untrusted.quote(req.getGroupSnapshotId()));
          }
          requireMembers(backend.get(), record.get(), req.getSnapshotIdsList());
          return GetVolumeGroupSnapshotResponse.newBuilder()
              .setGroupSnapshot(
                  groupSnapshot(backend.get(), snapshots.get(), record.get(), req.getSecretsMap()))
              .build();
        });
  }

  /**
   * @throws StorageException INVALID_ARGUMENT when {@code ids} are given and are not the group's
   *     members, as the spec asks
   */
  private static void requireMembers(Backend backend, GroupRecord record, List<String> ids) {
    if (ids.isEmpty()) {
      return;
    }
    Set<String> members = new TreeSet<>();
    record
        .members()
        .forEach(
            (dir, snapshot) ->
                members.add(
                    new SnapshotId(new VolumeId(backend.name(), dir), snapshot).toString()));
    if (!members.equals(new TreeSet<>(ids))) {
      throw StorageException.invalid(
          "snapshot_ids %s are not the members of group snapshot %s (%s)",
          new TreeSet<>(ids), record.group(), members);
    }
  }
}
