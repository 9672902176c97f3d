package io.mooring.controller;

import csi.v1.ControllerGrpc;
import csi.v1.Csi.CapacityRange;
import csi.v1.Csi.ControllerExpandVolumeRequest;
import csi.v1.Csi.ControllerExpandVolumeResponse;
import csi.v1.Csi.ControllerGetCapabilitiesRequest;
import csi.v1.Csi.ControllerGetCapabilitiesResponse;
import csi.v1.Csi.ControllerGetVolumeRequest;
import csi.v1.Csi.ControllerGetVolumeResponse;
import csi.v1.Csi.ControllerServiceCapability;
import csi.v1.Csi.CreateSnapshotRequest;
import csi.v1.Csi.CreateSnapshotResponse;
import csi.v1.Csi.CreateVolumeRequest;
import csi.v1.Csi.CreateVolumeResponse;
import csi.v1.Csi.DeleteSnapshotRequest;
import csi.v1.Csi.DeleteSnapshotResponse;
import csi.v1.Csi.DeleteVolumeRequest;
import csi.v1.Csi.DeleteVolumeResponse;
import csi.v1.Csi.GetCapacityRequest;
import csi.v1.Csi.GetCapacityResponse;
import csi.v1.Csi.ListSnapshotsRequest;
import csi.v1.Csi.ListSnapshotsResponse;
import csi.v1.Csi.ListVolumesRequest;
import csi.v1.Csi.ListVolumesResponse;
import csi.v1.Csi.TopologyRequirement;
import csi.v1.Csi.ValidateVolumeCapabilitiesRequest;
import csi.v1.Csi.ValidateVolumeCapabilitiesResponse;
import csi.v1.Csi.Volume;
import csi.v1.Csi.VolumeCondition;
import io.grpc.stub.StreamObserver;
import io.mooring.controller.backend.Backend;
import io.mooring.controller.backend.Snapshots;
import io.mooring.controller.backend.VolumeRecord;
import io.mooring.errors.StorageException;
import io.mooring.errors.Untrusted;
import io.mooring.events.ClusterEvents;
import io.mooring.events.VolumeObjects;
import io.mooring.rpc.Rpc;
import io.mooring.volume.Capabilities;
import io.mooring.volume.KeyedLocks;
import io.mooring.volume.VolumeId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * CSI Controller service. Every RPC: validate, lock the volume, look at what exists, act, respond.
 * The work is done by the {@link Backend} a volume lives on.
 */
public final class ControllerService extends ControllerGrpc.ControllerImplBase {

  /** Size of a volume created without a capacity range. */
  static final long DEFAULT_CAPACITY = 1L << 30;

  private static final List<ControllerServiceCapability.RPC.Type> CAPABILITIES =
      List.of(
          ControllerServiceCapability.RPC.Type.CREATE_DELETE_VOLUME,
          ControllerServiceCapability.RPC.Type.EXPAND_VOLUME,
          ControllerServiceCapability.RPC.Type.LIST_VOLUMES,
          ControllerServiceCapability.RPC.Type.GET_CAPACITY,
          ControllerServiceCapability.RPC.Type.GET_VOLUME,
          ControllerServiceCapability.RPC.Type.VOLUME_CONDITION,
          ControllerServiceCapability.RPC.Type.SINGLE_NODE_MULTI_WRITER);

  /** Advertised only where every backend has snapshots (the capabilities are the plugin's). */
  private static final List<ControllerServiceCapability.RPC.Type> SNAPSHOT_CAPABILITIES =
      List.of(
          ControllerServiceCapability.RPC.Type.CREATE_DELETE_SNAPSHOT,
          ControllerServiceCapability.RPC.Type.LIST_SNAPSHOTS,
          ControllerServiceCapability.RPC.Type.CLONE_VOLUME);

  private final Backends backends;
  private final KeyedLocks locks;
  private final ControllerSnapshots snapshots;
  private final ProvisioningEvents events;

  /**
   * @param events where CreateVolume failures an administrator must fix are reported, on the claim
   */
  public ControllerService(Backends backends, KeyedLocks locks, ClusterEvents events) {
    this.backends = backends;
    this.locks = locks;
    this.snapshots = new ControllerSnapshots(backends, locks);
    this.events = new ProvisioningEvents(events);
  }

  @Override
  public void createVolume(CreateVolumeRequest req, StreamObserver<CreateVolumeResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          try {
            return create(req);
          } catch (StorageException e) {
            events.createFailed(req.getParametersMap(), e);
            throw e;
          }
        });
  }

  /**
   * CreateVolume; its volume_context also names the claim, when the provisioner does, so that the
   * node can report on it.
   */
  private CreateVolumeResponse create(CreateVolumeRequest req) {
    CreateParameters params = CreateParameters.parse(req.getParametersMap());
    String dir = params.dirFor(req.getName());
    Optional<ContentSource> source =
        ContentSource.of(req.getVolumeContentSource(), req.hasVolumeContentSource());
    Optional<ContentSource.FromSnapshot> backing =
        params.backingSnapshot()
            ? Optional.of(ContentSource.backing(source, req.getVolumeCapabilitiesList()))
            : Optional.empty();
    Backend backend = chooseFor(params, source, req.getAccessibilityRequirements());
    Map<String, String> claim =
        VolumeObjects.claimOfParameters(req.getParametersMap())
            .map(VolumeObjects::claimContext)
            .orElse(Map.of());
    params.requireSupportedBy(backend);
    Capabilities.unsupported(req.getVolumeCapabilitiesList(), backend.fsTypes())
        .ifPresent(
            reason -> {
              throw StorageException.invalid("%s", reason);
            });
    Optional<Snapshots> snapshotsHere = source.map(s -> ContentSource.requireOn(s, backend));
    long size = sizeFor(req.getCapacityRange(), backend);
    Map<String, String> stored = new TreeMap<>(params.stored());
    source.ifPresent(s -> stored.put(CreateParameters.CONTENT_SOURCE, s.id()));
    VolumeId id = new VolumeId(backend.name(), dir);
    try (KeyedLocks.Held lock = locks.acquire(id.toString())) {
      Optional<VolumeRecord> existing = backend.get(dir, req.getSecretsMap());
      if (existing.isPresent()) {
        requireCompatible(existing.get(), req, stored);
        return CreateVolumeResponse.newBuilder()
            .setVolume(volume(backend, existing.get()).putAllVolumeContext(claim))
            .build();
      }
      VolumeRecord created;
      if (backing.isPresent()) {
        // the snapshot's name lock: no DeleteSnapshot runs between its lookup and the record
        String snapshot = backing.get().snapshot().snapshot();
        try (KeyedLocks.Held named =
            locks.acquire(ControllerSnapshots.nameKey(backend, snapshot))) {
          Snapshots here = snapshotsHere.get();
          long sourceBytes = source.get().sizeBytes(here, backend, req.getSecretsMap());
          created =
              backing
                  .get()
                  .back(
                      here,
                      dir,
                      req.getName(),
                      ContentSource.sizeFor(req.getCapacityRange(), backend, sourceBytes, size),
                      stored,
                      req.getSecretsMap());
        }
      } else if (source.isPresent()) {
        Snapshots here = snapshotsHere.get();
        long sourceBytes = source.get().sizeBytes(here, backend, req.getSecretsMap());
        created =
            source
                .get()
                .populate(
                    here,
                    backend,
                    dir,
                    req.getName(),
                    ContentSource.sizeFor(req.getCapacityRange(), backend, sourceBytes, size),
                    stored,
                    req.getSecretsMap());
      } else {
        created = backend.create(dir, req.getName(), size, stored, req.getSecretsMap());
      }
      return CreateVolumeResponse.newBuilder()
          .setVolume(volume(backend, created).putAllVolumeContext(claim))
          .build();
    }
  }

  /**
   * The backend named by the parameters; else the source's, if any; else the only one, or the best
   * for the topology requirements ({@link Backends#choose(String, TopologyRequirement)}).
   */
  private Backend chooseFor(
      CreateParameters params, Optional<ContentSource> source, TopologyRequirement need) {
    if (params.backend().isEmpty() && source.isPresent()) {
      return backends.requireReachable(
          backends
              .find(source.get().backend())
              .orElseThrow(() -> StorageException.notFound("%s does not exist", source.get().id())),
          need);
    }
    return backends.choose(params.backend(), need);
  }

  /** The size to provision: the required bytes rounded up, within the limit. */
  static long sizeFor(CapacityRange range, Backend backend) {
    long required = range.getRequiredBytes();
    long limit = range.getLimitBytes();
    if (required < 0 || limit < 0) {
      throw StorageException.invalid("capacity_range must not be negative");
    }
    if (limit > 0 && limit < required) {
      throw new StorageException(
          StorageException.Kind.OUT_OF_RANGE,
          "capacity_range limit_bytes " + limit + " is less than required_bytes " + required);
    }
    long size = backend.roundUp(required == 0 ? DEFAULT_CAPACITY : required);
    if (required == 0 && limit > 0 && size > limit) {
      size = limit; // only a limit was given: the largest size within it
    }
    if (limit > 0 && size > limit) {
      throw new StorageException(
          StorageException.Kind.OUT_OF_RANGE,
          "the backend enforces sizes in steps; "
              + required
              + " bytes round up to "
              + size
              + ", more than limit_bytes "
              + limit);
    }
    return size;
  }

  private static void requireCompatible(
      VolumeRecord existing, CreateVolumeRequest req, Map<String, String> stored) {
    if (!existing.requestName().equals(req.getName())) {
      throw new StorageException(
          StorageException.Kind.ALREADY_EXISTS,
          "volume directory " + existing.dir() + " belongs to another request name");
    }
    CapacityRange range = req.getCapacityRange();
    long cap = existing.capacityBytes();
    if (cap < range.getRequiredBytes()
        || range.getLimitBytes() > 0 && cap > range.getLimitBytes()) {
      throw new StorageException(
          StorageException.Kind.ALREADY_EXISTS,
          "volume "
              + req.getName()
              + " exists with "
              + cap
              + " bytes, outside the requested capacity range");
    }
    if (!existing.parameters().equals(stored)) {
      throw new StorageException(
          StorageException.Kind.ALREADY_EXISTS,
          "volume "
              + req.getName()
              + " exists with parameters "
              + existing.parameters()
              + ", not "
              + stored);
    }
  }

  @Override
  public void deleteVolume(DeleteVolumeRequest req, StreamObserver<DeleteVolumeResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Optional<VolumeId> id = VolumeId.lookup(req.getVolumeId());
          Optional<Backend> backend = id.flatMap(v -> backends.find(v.backend()));
          if (backend.isEmpty()) {
            return DeleteVolumeResponse.getDefaultInstance(); // never ours, or already gone: done
          }
          try (KeyedLocks.Held lock = locks.acquire(id.get().toString())) {
            Optional<VolumeRecord> existing =
                backend.get().get(id.get().dir(), req.getSecretsMap());
            if (existing.isPresent()) {
              backend.get().delete(id.get().dir(), existing.get().onDelete(), req.getSecretsMap());
            }
            return DeleteVolumeResponse.getDefaultInstance();
          }
        });
  }

  @Override
  public void controllerExpandVolume(
      ControllerExpandVolumeRequest req, StreamObserver<ControllerExpandVolumeResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Optional<VolumeId> id = VolumeId.lookup(req.getVolumeId());
          if (!req.hasCapacityRange()) {
            throw StorageException.invalid("capacity_range is required");
          }
          Backend backend = backendOf(id, req.getVolumeId());
          if (req.hasVolumeCapability()) {
            Capabilities.unsupported(req.getVolumeCapability(), backend.fsTypes())
                .ifPresent(
                    reason -> {
                      throw StorageException.invalid("%s", reason);
                    });
          }
          long size = sizeFor(req.getCapacityRange(), backend);
          try (KeyedLocks.Held lock = locks.acquire(id.get().toString())) {
            VolumeRecord volume =
                backend
                    .get(id.get().dir(), req.getSecretsMap())
                    .orElseThrow(
                        () -> StorageException.notFound("volume %s does not exist", id.get()));
            if (size > volume.capacityBytes()) {
              if (Snapshots.isBacked(volume)) {
                throw StorageException.invalid(
                    "volume %s is a read-only view of a snapshot (parameter %s): it cannot grow",
                    id.get(), Snapshots.BACKING_SNAPSHOT);
              }
              volume = backend.resize(volume, size, req.getSecretsMap());
            }
            return ControllerExpandVolumeResponse.newBuilder()
                .setCapacityBytes(volume.capacityBytes())
                .setNodeExpansionRequired(false)
                .build();
          }
        });
  }

  @Override
  public void validateVolumeCapabilities(
      ValidateVolumeCapabilitiesRequest req,
      StreamObserver<ValidateVolumeCapabilitiesResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Optional<VolumeId> id = VolumeId.lookup(req.getVolumeId());
          if (req.getVolumeCapabilitiesCount() == 0) {
            throw StorageException.invalid("volume_capabilities are required");
          }
          Backend backend = backendOf(id, req.getVolumeId());
          VolumeRecord volume = existing(backend, id.get());
          ValidateVolumeCapabilitiesResponse.Builder out =
              ValidateVolumeCapabilitiesResponse.newBuilder();
          Optional<String> reason =
              Capabilities.unsupported(req.getVolumeCapabilitiesList(), backend.fsTypes());
          if (reason.isEmpty()
              && Snapshots.isBacked(volume)
              && !req.getVolumeCapabilitiesList().stream().allMatch(Capabilities::readOnly)) {
            reason = Optional.of("the volume is a read-only view of a snapshot: reader modes only");
          }
          if (reason.isEmpty()) {
            reason = unknownParameters(req);
          }
          if (reason.isPresent()) {
            return out.setMessage(reason.get()).build();
          }
          out.getConfirmedBuilder()
              .addAllVolumeCapabilities(req.getVolumeCapabilitiesList())
              .putAllVolumeContext(req.getVolumeContextMap())
              .putAllParameters(req.getParametersMap());
          return out.build();
        });
  }

  private static Optional<String> unknownParameters(ValidateVolumeCapabilitiesRequest req) {
    try {
      CreateParameters.parse(req.getParametersMap());
      return Optional.empty();
    } catch (StorageException e) {
      return Optional.of(e.getMessage());
    }
  }

  @Override
  public void controllerGetVolume(
      ControllerGetVolumeRequest req, StreamObserver<ControllerGetVolumeResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Optional<VolumeId> id = VolumeId.lookup(req.getVolumeId());
          Backend backend = backendOf(id, req.getVolumeId());
          VolumeRecord volume = existing(backend, id.get());
          return ControllerGetVolumeResponse.newBuilder()
              .setVolume(volume(backend, volume))
              .setStatus(
                  ControllerGetVolumeResponse.VolumeStatus.newBuilder()
                      .setVolumeCondition(condition(backend)))
              .build();
        });
  }

  /**
   * Volumes in the order of their backend's name, then their directory; the next page's token is
   * the ID of its first volume, so a page costs what it holds (each backend lists from a name) and
   * volumes created or deleted between pages never make a later page repeat or skip one that
   * stayed. A token this plugin did not issue is ABORTED: the caller lists again from the start.
   */
  @Override
  public void listVolumes(ListVolumesRequest req, StreamObserver<ListVolumesResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          int max = req.getMaxEntries();
          if (max < 0) {
            throw StorageException.invalid("max_entries must not be negative");
          }
          Optional<VolumeId> start = startingToken(req.getStartingToken());
          ListVolumesResponse.Builder out = ListVolumesResponse.newBuilder();
          Map<Backend, VolumeCondition> conditions = new HashMap<>(); // one check per backend
          List<Backend> ordered = new ArrayList<>(backends.all());
          ordered.sort(Comparator.comparing(Backend::name));
          int listed = 0;
          for (Backend backend : ordered) {
            int order = start.map(s -> backend.name().compareTo(s.backend())).orElse(1);
            if (order < 0) {
              continue; // all of its volumes come before the token
            }
            String from = order == 0 ? start.get().dir() : "";
            // one more than the page has room for: whether there is a next page, and its token
            for (VolumeRecord record : backend.list(from, max == 0 ? 0 : max - listed + 1)) {
              if (max > 0 && listed == max) {
                return out.setNextToken(new VolumeId(backend.name(), record.dir()).toString())
                    .build();
              }
              out.addEntriesBuilder()
                  .setVolume(volume(backend, record))
                  .getStatusBuilder()
                  .setVolumeCondition(conditions.computeIfAbsent(backend, this::condition));
              listed++;
            }
          }
          return out.build();
        });
  }

  /** The volume a page starts at; empty for the first page. */
  private static Optional<VolumeId> startingToken(String token) {
    if (token.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(VolumeId.parse(token));
    } catch (StorageException e) {
      throw new StorageException(
          StorageException.Kind.BUSY,
          "starting_token "
              + Untrusted.quote(token)
              + " was not issued by this plugin; list again from the start");
    }
  }

  @Override
  public void getCapacity(GetCapacityRequest req, StreamObserver<GetCapacityResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          CreateParameters params = CreateParameters.parse(req.getParametersMap());
          List<Backend> chosen =
              params.backend().isEmpty()
                  ? backends.all()
                  : List.of(backends.choose(params.backend()));
          long available = 0;
          for (Backend backend : chosen) {
            boolean servable =
                req.getVolumeCapabilitiesList().stream()
                    .allMatch(cap -> Capabilities.unsupported(cap, backend.fsTypes()).isEmpty());
            if (servable) {
              available += backend.availableBytes();
            }
          }
          return GetCapacityResponse.newBuilder().setAvailableCapacity(available).build();
        });
  }

  @Override
  public void controllerGetCapabilities(
      ControllerGetCapabilitiesRequest req,
      StreamObserver<ControllerGetCapabilitiesResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          ControllerGetCapabilitiesResponse.Builder out =
              ControllerGetCapabilitiesResponse.newBuilder();
          CAPABILITIES.forEach(type -> out.addCapabilitiesBuilder().getRpcBuilder().setType(type));
          if (ControllerSnapshots.everywhere(backends)) {
            SNAPSHOT_CAPABILITIES.forEach(
                type -> out.addCapabilitiesBuilder().getRpcBuilder().setType(type));
          }
          return out.build();
        });
  }

  @Override
  public void createSnapshot(
      CreateSnapshotRequest req, StreamObserver<CreateSnapshotResponse> observer) {
    Rpc.unary(observer, () -> snapshots.create(req));
  }

  @Override
  public void deleteSnapshot(
      DeleteSnapshotRequest req, StreamObserver<DeleteSnapshotResponse> observer) {
    Rpc.unary(observer, () -> snapshots.delete(req));
  }

  @Override
  public void listSnapshots(
      ListSnapshotsRequest req, StreamObserver<ListSnapshotsResponse> observer) {
    Rpc.unary(observer, () -> snapshots.list(req));
  }

  /** The backend of a looked-up ID; NOT_FOUND when the ID is not ours or names no backend. */
  private Backend backendOf(Optional<VolumeId> id, String text) {
    return id.flatMap(v -> backends.find(v.backend()))
        .orElseThrow(() -> StorageException.notFound("volume %s does not exist", text));
  }

  private static VolumeRecord existing(Backend backend, VolumeId id) {
    return backend
        .get(id.dir())
        .orElseThrow(() -> StorageException.notFound("volume %s does not exist", id));
  }

  /** The volume as every answer describes it; reachable where its backend is. */
  private Volume.Builder volume(Backend backend, VolumeRecord record) {
    Volume.Builder out =
        Volume.newBuilder()
            .setVolumeId(new VolumeId(backend.name(), record.dir()).toString())
            .setCapacityBytes(record.capacityBytes())
            .putAllVolumeContext(backend.volumeContext(record.dir()));
    ContentSource.stored(record.parameters()).ifPresent(out::setContentSource);
    Map<String, String> segments = backends.topologyOf(backend);
    if (!segments.isEmpty()) {
      out.addAccessibleTopologyBuilder().putAllSegments(segments);
    }
    return out;
  }

  private VolumeCondition condition(Backend backend) {
    Optional<String> reason = backends.unhealthyReason(backend);
    return VolumeCondition.newBuilder()
        .setAbnormal(reason.isPresent())
        .setMessage(reason.orElse("volume is healthy"))
        .build();
  }
}
