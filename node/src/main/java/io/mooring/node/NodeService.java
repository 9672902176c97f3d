package io.mooring.node;

import csi.v1.Csi.NodeGetCapabilitiesRequest;
import csi.v1.Csi.NodeGetCapabilitiesResponse;
import csi.v1.Csi.NodeGetInfoRequest;
import csi.v1.Csi.NodeGetInfoResponse;
import csi.v1.Csi.NodeGetVolumeStatsRequest;
import csi.v1.Csi.NodeGetVolumeStatsResponse;
import csi.v1.Csi.NodePublishVolumeRequest;
import csi.v1.Csi.NodePublishVolumeResponse;
import csi.v1.Csi.NodeServiceCapability;
import csi.v1.Csi.NodeStageVolumeRequest;
import csi.v1.Csi.NodeStageVolumeResponse;
import csi.v1.Csi.NodeUnpublishVolumeRequest;
import csi.v1.Csi.NodeUnpublishVolumeResponse;
import csi.v1.Csi.NodeUnstageVolumeRequest;
import csi.v1.Csi.NodeUnstageVolumeResponse;
import csi.v1.Csi.VolumeCondition;
import csi.v1.Csi.VolumeUsage;
import csi.v1.NodeGrpc;
import io.grpc.stub.StreamObserver;
import io.mooring.errors.StorageException;
import io.mooring.errors.Untrusted;
import io.mooring.mount.Health;
import io.mooring.mount.MountEntry;
import io.mooring.mount.MountTable;
import io.mooring.mount.Mounter;
import io.mooring.rpc.Rpc;
import io.mooring.volume.Capabilities;
import io.mooring.volume.KeyedLocks;
import io.mooring.volume.VolumeContext;
import io.mooring.volume.VolumeId;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * CSI Node service. NodeStageVolume reads the volume_context and has the volume's kind ({@link
 * VolumeKind}: GlusterFS or CephFS) make sure its FUSE client is mounted and bind the volume's
 * directory on it onto the staging path; NodePublishVolume binds the staging path onto the target.
 * Every RPC reads what exists from the mount table, so all of them are idempotent and a restarted
 * plugin carries on where the last one stopped. Only NodeStageVolume reads where the volume lives
 * from the volume_context; the other RPCs ask the kinds for the volume's client. NodePublishVolume
 * takes from its volume_context only the pod and claim it publishes for ({@link PodEvents}).
 * NodeExpandVolume is not offered: the controller grows the quota and nothing on the node needs to
 * change.
 */
final class NodeService extends NodeGrpc.NodeImplBase {

  private static final List<NodeServiceCapability> CAPABILITIES =
      Stream.of(
              NodeServiceCapability.RPC.Type.STAGE_UNSTAGE_VOLUME,
              NodeServiceCapability.RPC.Type.GET_VOLUME_STATS,
              NodeServiceCapability.RPC.Type.VOLUME_CONDITION,
              NodeServiceCapability.RPC.Type.SINGLE_NODE_MULTI_WRITER)
          .map(
              type ->
                  NodeServiceCapability.newBuilder()
                      .setRpc(NodeServiceCapability.RPC.newBuilder().setType(type))
                      .build())
          .toList();

  private final String nodeId;
  private final Map<String, String> topology;
  private final Mounter mounter;
  private final List<VolumeKind> kinds;
  private final Runnable wakeMonitor;
  private final KeyedLocks volumeLocks;
  private final PodEvents pods;

  /**
   * @param topology the segments NodeGetInfo reports; empty for none
   * @param kinds asked in turn for a volume's client; the last one answers for any volume
   * @param wakeMonitor asks the health monitor to heal soon, when an RPC finds a broken mount
   * @param lockWait how long an RPC waits for another one on the same volume before ABORTED
   * @param pods remembers the pod and claim of each published target
   */
  NodeService(
      String nodeId,
      Map<String, String> topology,
      Mounter mounter,
      List<VolumeKind> kinds,
      Runnable wakeMonitor,
      Duration lockWait,
      PodEvents pods) {
    this.nodeId = nodeId;
    this.topology = Map.copyOf(topology);
    this.mounter = mounter;
    this.kinds = List.copyOf(kinds);
    this.wakeMonitor = wakeMonitor;
    this.volumeLocks = new KeyedLocks(lockWait);
    this.pods = pods;
  }

  @Override
  public void nodeStageVolume(
      NodeStageVolumeRequest req, StreamObserver<NodeStageVolumeResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          VolumeId id = NodeRequests.volumeId(req.getVolumeId());
          Path staging = NodePaths.require("staging_target_path", req.getStagingTargetPath());
          NodeRequests.mountFlags(req.hasVolumeCapability(), req.getVolumeCapability());
          VolumeContext context = VolumeContext.parse(id, req.getVolumeContextMap());
          VolumeKind kind =
              kinds.stream()
                  .filter(k -> k.stages(context))
                  .findFirst()
                  .orElseThrow(
                      () -> StorageException.internal("no volume kind stages %s", context));
          try (KeyedLocks.Held v = volumeLocks.acquire(id.toString())) {
            kind.stage(context, req.getSecretsMap(), staging);
            return NodeStageVolumeResponse.getDefaultInstance();
          }
        });
  }

  @Override
  public void nodeUnstageVolume(
      NodeUnstageVolumeRequest req, StreamObserver<NodeUnstageVolumeResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          VolumeId id = NodeRequests.volumeId(req.getVolumeId());
          Path staging = NodePaths.require("staging_target_path", req.getStagingTargetPath());
          try (KeyedLocks.Held v = volumeLocks.acquire(id.toString())) {
            VolumeClient client = locate(id);
            try (KeyedLocks.Held c = client.lock()) {
              // The CO unpublishes first (CSI spec); targets still bound keep their own mounts
              // anyway.
              if (mounter.table().isMountPoint(staging)) {
                client.mounts().unbind(client.name(), staging);
              }
              client.kind().unstaged(id, client);
              client.mounts().releaseIfUnused(client.name());
              return NodeUnstageVolumeResponse.getDefaultInstance();
            }
          }
        });
  }

  @Override
  public void nodePublishVolume(
      NodePublishVolumeRequest req, StreamObserver<NodePublishVolumeResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          VolumeId id = NodeRequests.volumeId(req.getVolumeId());
          Path staging = NodePaths.require("staging_target_path", req.getStagingTargetPath());
          Path target = NodePaths.require("target_path", req.getTargetPath());
          List<String> flags =
              NodeRequests.mountFlags(req.hasVolumeCapability(), req.getVolumeCapability());
          boolean readOnlyAsked =
              req.getReadonly()
                  || Capabilities.readOnly(req.getVolumeCapability())
                  || flags.contains("ro");
          List<String> extra = flags.stream().filter(f -> !f.equals("ro")).toList();
          try (KeyedLocks.Held v = volumeLocks.acquire(id.toString())) {
            VolumeClient client = locate(id);
            try (KeyedLocks.Held c = client.lock()) {
              Health health = client.mounts().heal(client.name(), staging);
              if (!health.healthy()) {
                throw new StorageException(
                    StorageException.Kind.UNAVAILABLE, health.message(client.describe()));
              }
              MountTable table = mounter.table();
              SharedMounts.View view = client.view(table);
              MountEntry staged =
                  view.bindAt(staging)
                      .orElseThrow(
                          () ->
                              new StorageException(
                                  StorageException.Kind.FAILED_PRECONDITION,
                                  "staging_target_path "
                                      + staging
                                      + " is not staged on this node; call NodeStageVolume first"));
              // a volume staged read-only (a snapshot) is published read-only, whatever is asked
              boolean readOnly = readOnlyAsked || staged.readOnly();
              Optional<MountEntry> published = view.bindAt(target);
              if (published.isPresent()
                  && published.get().root().equals(staged.root())
                  && published.get().readOnly() == readOnly
                  && published.get().options().containsAll(extra)) {
                pods.published(target, req.getVolumeContextMap());
                return NodePublishVolumeResponse.getDefaultInstance();
              }
              if (table.isMountPoint(target)) {
                throw new StorageException(
                    StorageException.Kind.ALREADY_EXISTS,
                    "target_path "
                        + target
                        + " is already mounted differently (another volume, or other read-only or"
                        + " mount flags)");
              }
              NodePaths.createDirectories(target);
              mounter.bind(staging, target, readOnly, extra);
              pods.published(target, req.getVolumeContextMap());
              return NodePublishVolumeResponse.getDefaultInstance();
            }
          }
        });
  }

  @Override
  public void nodeUnpublishVolume(
      NodeUnpublishVolumeRequest req, StreamObserver<NodeUnpublishVolumeResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          VolumeId id = NodeRequests.volumeId(req.getVolumeId());
          Path target = NodePaths.require("target_path", req.getTargetPath());
          try (KeyedLocks.Held v = volumeLocks.acquire(id.toString())) {
            VolumeClient client = locate(id);
            try (KeyedLocks.Held c = client.lock()) {
              if (mounter.table().isMountPoint(target)) {
                client.mounts().unbind(client.name(), target);
              }
              try {
                Files.deleteIfExists(target);
              } catch (DirectoryNotEmptyException e) {
                throw new StorageException(
                    StorageException.Kind.FAILED_PRECONDITION,
                    "target_path "
                        + target
                        + " is not a mount point but holds files; not deleting it");
              } catch (IOException e) {
                throw StorageException.internal(
                    "unmounted %s but cannot remove it: %s", target, e.getMessage());
              }
              pods.unpublished(target);
              return NodeUnpublishVolumeResponse.getDefaultInstance();
            }
          }
        });
  }

  @Override
  public void nodeGetVolumeStats(
      NodeGetVolumeStatsRequest req, StreamObserver<NodeGetVolumeStatsResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          // NOT_FOUND is the spec's "volume does not exist on the specified volume_path":
          // also the answer for an ID of another format and for a relative path
          Optional<VolumeId> known = VolumeId.lookup(req.getVolumeId());
          String volumePath = req.getVolumePath();
          if (volumePath.isEmpty()) {
            throw StorageException.invalid("volume_path is required");
          }
          if (known.isEmpty() || !volumePath.startsWith("/")) {
            throw StorageException.notFound(
                "no Mooring volume %s is published at %s",
                Untrusted.quote(req.getVolumeId()), Untrusted.quote(volumePath));
          }
          VolumeId id = known.get();
          Path path = NodePaths.require("volume_path", volumePath);
          VolumeClient client = locate(id);
          // The client's lock, not the volume's: a heal re-binds mounts one by one, and a look in
          // between would find nothing mounted, or measure the bare directory.
          try (KeyedLocks.Held c = client.lock()) {
            if (client
                .view(mounter.table())
                .bindAt(path)
                .filter(b -> client.kind().isOf(id, b))
                .isEmpty()) {
              throw StorageException.notFound(
                  "volume_path %s is not where volume %s is published", path, id);
            }
            Health health = client.mounts().health(client.name(), path);
            if (health.healthy()) {
              try {
                return statsResponse(client.kind().usage(client, path), health, client);
              } catch (StorageException e) {
                health =
                    client
                        .mounts()
                        .health(client.name(), path); // the client may have died since the probe
                if (health.healthy()) {
                  throw e;
                }
              }
            }
            wakeMonitor.run();
            return statsResponse(VolumeStats.unknown(), health, client);
          }
        });
  }

  /** The client of a volume, for the RPCs that carry no volume_context. */
  private VolumeClient locate(VolumeId id) {
    return kinds.stream()
        .flatMap(k -> k.find(id).stream())
        .findFirst()
        .orElseThrow(() -> StorageException.internal("no volume kind answers for %s", id));
  }

  private static NodeGetVolumeStatsResponse statsResponse(
      List<VolumeUsage> usage, Health health, VolumeClient client) {
    return NodeGetVolumeStatsResponse.newBuilder()
        .addAllUsage(usage)
        .setVolumeCondition(
            VolumeCondition.newBuilder()
                .setAbnormal(!health.healthy())
                .setMessage(health.message(client.describe())))
        .build();
  }

  @Override
  public void nodeGetCapabilities(
      NodeGetCapabilitiesRequest req, StreamObserver<NodeGetCapabilitiesResponse> observer) {
    Rpc.unary(
        observer,
        () -> NodeGetCapabilitiesResponse.newBuilder().addAllCapabilities(CAPABILITIES).build());
  }

  @Override
  public void nodeGetInfo(NodeGetInfoRequest req, StreamObserver<NodeGetInfoResponse> observer) {
    // max_volumes_per_node 0: no limit (a Gluster backend's volumes share one client; CephFS
    // volumes
    // share one or have one each, which costs memory but is no hard limit).
    Rpc.unary(
        observer,
        () -> {
          NodeGetInfoResponse.Builder out =
              NodeGetInfoResponse.newBuilder().setNodeId(nodeId).setMaxVolumesPerNode(0);
          if (!topology.isEmpty()) {
            out.getAccessibleTopologyBuilder().putAllSegments(topology);
          }
          return out.build();
        });
  }
}
