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
import io.mooring.csi.Capabilities;
import io.mooring.errors.StorageException;
import io.mooring.ids.VolumeId;
import io.mooring.mount.MountEntry;
import io.mooring.mount.MountTable;
import io.mooring.mount.Mounter;
import io.mooring.server.KeyedLocks;
import io.mooring.server.Rpc;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * CSI Node service. NodeStageVolume binds the volume's directory from the backend's shared
 * glusterfs client onto the staging path; NodePublishVolume binds the staging path onto the
 * target. Every RPC reads what exists from the mount table, so all of them are idempotent and a
 * restarted plugin carries on where the last one stopped. NodeExpandVolume is not offered: the
 * controller grows the quota and nothing on the node needs to change.
 */
final class NodeService extends NodeGrpc.NodeImplBase {

  private static final List<NodeServiceCapability> CAPABILITIES = Stream.of(
          NodeServiceCapability.RPC.Type.STAGE_UNSTAGE_VOLUME,
          NodeServiceCapability.RPC.Type.GET_VOLUME_STATS,
          NodeServiceCapability.RPC.Type.VOLUME_CONDITION,
          NodeServiceCapability.RPC.Type.SINGLE_NODE_MULTI_WRITER)
      .map(type -> NodeServiceCapability.newBuilder()
          .setRpc(NodeServiceCapability.RPC.newBuilder().setType(type)).build())
      .toList();

  private final String nodeId;
  private final Mounter mounter;
  private final SharedMounts mounts;
  private final VolumeStats stats;
  private final Runnable wakeMonitor;
  private final KeyedLocks volumeLocks;

  /**
   * @param wakeMonitor asks the health monitor to heal soon, when an RPC finds a broken mount
   * @param lockWait how long an RPC waits for another one on the same volume before ABORTED
   */
  NodeService(String nodeId, Mounter mounter, SharedMounts mounts, VolumeStats stats, Runnable wakeMonitor,
      Duration lockWait) {
    this.nodeId = nodeId;
    this.mounter = mounter;
    this.mounts = mounts;
    this.stats = stats;
    this.wakeMonitor = wakeMonitor;
    this.volumeLocks = new KeyedLocks(lockWait);
  }

  @Override
  public void nodeStageVolume(NodeStageVolumeRequest req, StreamObserver<NodeStageVolumeResponse> observer) {
    Rpc.unary(observer, () -> {
      VolumeId id = NodeRequests.volumeId(req.getVolumeId());
      Path staging = NodePaths.require("staging_target_path", req.getStagingTargetPath());
      NodeRequests.mountFlags(req.hasVolumeCapability(), req.getVolumeCapability());
      GlusterVolume volume = GlusterVolume.of(id, req.getVolumeContextMap());
      try (KeyedLocks.Held v = volumeLocks.acquire(id.toString()); KeyedLocks.Held b = mounts.lock(id.backend())) {
        Path dir = mounts.ensure(volume);
        MountTable table = mounter.table();
        Optional<MountEntry> staged = mounts.view(table, id.backend()).bindAt(staging);
        if (staged.isPresent() && staged.get().root().equals(volume.path())) {
          return NodeStageVolumeResponse.getDefaultInstance();
        }
        if (table.isMountPoint(staging)) {
          throw new StorageException(StorageException.Kind.ALREADY_EXISTS,
              "staging_target_path " + staging + " already has another mount; unstage it first");
        }
        createDirectories(staging);
        mounter.bind(dir, staging, false, List.of());
        return NodeStageVolumeResponse.getDefaultInstance();
      }
    });
  }

  @Override
  public void nodeUnstageVolume(NodeUnstageVolumeRequest req, StreamObserver<NodeUnstageVolumeResponse> observer) {
    Rpc.unary(observer, () -> {
      VolumeId id = NodeRequests.volumeId(req.getVolumeId());
      Path staging = NodePaths.require("staging_target_path", req.getStagingTargetPath());
      try (KeyedLocks.Held v = volumeLocks.acquire(id.toString()); KeyedLocks.Held b = mounts.lock(id.backend())) {
        // The CO unpublishes first (CSI spec); targets still bound keep their own mounts anyway.
        if (mounter.table().isMountPoint(staging)) {
          mounts.unbind(id.backend(), staging);
        }
        mounts.releaseIfUnused(id.backend());
        return NodeUnstageVolumeResponse.getDefaultInstance();
      }
    });
  }

  @Override
  public void nodePublishVolume(NodePublishVolumeRequest req, StreamObserver<NodePublishVolumeResponse> observer) {
    Rpc.unary(observer, () -> {
      VolumeId id = NodeRequests.volumeId(req.getVolumeId());
      Path staging = NodePaths.require("staging_target_path", req.getStagingTargetPath());
      Path target = NodePaths.require("target_path", req.getTargetPath());
      List<String> flags = NodeRequests.mountFlags(req.hasVolumeCapability(), req.getVolumeCapability());
      boolean readOnly = req.getReadonly() || Capabilities.readOnly(req.getVolumeCapability()) || flags.contains("ro");
      List<String> extra = flags.stream().filter(f -> !f.equals("ro")).toList();
      try (KeyedLocks.Held v = volumeLocks.acquire(id.toString()); KeyedLocks.Held b = mounts.lock(id.backend())) {
        Health health = mounts.heal(id.backend());
        if (!health.healthy()) {
          throw new StorageException(StorageException.Kind.UNAVAILABLE, health.message(id.backend()));
        }
        MountTable table = mounter.table();
        SharedMounts.View view = mounts.view(table, id.backend());
        MountEntry staged = view.bindAt(staging).orElseThrow(() -> new StorageException(
            StorageException.Kind.FAILED_PRECONDITION,
            "staging_target_path " + staging + " is not staged on this node; call NodeStageVolume first"));
        Optional<MountEntry> published = view.bindAt(target);
        if (published.isPresent() && published.get().root().equals(staged.root())
            && published.get().readOnly() == readOnly && published.get().options().containsAll(extra)) {
          return NodePublishVolumeResponse.getDefaultInstance();
        }
        if (table.isMountPoint(target)) {
          throw new StorageException(StorageException.Kind.ALREADY_EXISTS, "target_path " + target
              + " is already mounted differently (another volume, or other read-only or mount flags)");
        }
        createDirectories(target);
        mounter.bind(staging, target, readOnly, extra);
        return NodePublishVolumeResponse.getDefaultInstance();
      }
    });
  }

  @Override
  public void nodeUnpublishVolume(NodeUnpublishVolumeRequest req,
      StreamObserver<NodeUnpublishVolumeResponse> observer) {
    Rpc.unary(observer, () -> {
      VolumeId id = NodeRequests.volumeId(req.getVolumeId());
      Path target = NodePaths.require("target_path", req.getTargetPath());
      try (KeyedLocks.Held v = volumeLocks.acquire(id.toString()); KeyedLocks.Held b = mounts.lock(id.backend())) {
        if (mounter.table().isMountPoint(target)) {
          mounts.unbind(id.backend(), target);
        }
        try {
          Files.deleteIfExists(target);
        } catch (DirectoryNotEmptyException e) {
          throw new StorageException(StorageException.Kind.FAILED_PRECONDITION,
              "target_path " + target + " is not a mount point but holds files; not deleting it");
        } catch (IOException e) {
          throw StorageException.internal("unmounted %s but cannot remove it: %s", target, e.getMessage());
        }
        return NodeUnpublishVolumeResponse.getDefaultInstance();
      }
    });
  }

  @Override
  public void nodeGetVolumeStats(NodeGetVolumeStatsRequest req,
      StreamObserver<NodeGetVolumeStatsResponse> observer) {
    Rpc.unary(observer, () -> {
      VolumeId id = NodeRequests.volumeId(req.getVolumeId());
      Path path = NodePaths.require("volume_path", req.getVolumePath());
      // The backend's lock, not the volume's: a heal re-binds mounts one by one, and a look in
      // between would find nothing mounted, or measure the bare directory.
      try (KeyedLocks.Held b = mounts.lock(id.backend())) {
        if (mounts.view(mounter.table(), id.backend()).bindAt(path).isEmpty()) {
          throw StorageException.notFound("volume_path %s is not a mounted Mooring volume of backend %s",
              path, id.backend());
        }
        Health health = mounts.health(id.backend(), path);
        if (health.healthy()) {
          try {
            return statsResponse(stats.usage(path), health, id);
          } catch (StorageException e) {
            health = mounts.health(id.backend(), path); // the client may have died since the probe
            if (health.healthy()) {
              throw e;
            }
          }
        }
        wakeMonitor.run();
        return statsResponse(VolumeStats.unknown(), health, id);
      }
    });
  }

  private static NodeGetVolumeStatsResponse statsResponse(List<VolumeUsage> usage, Health health, VolumeId id) {
    return NodeGetVolumeStatsResponse.newBuilder().addAllUsage(usage).setVolumeCondition(VolumeCondition.newBuilder()
        .setAbnormal(!health.healthy()).setMessage(health.message(id.backend()))).build();
  }

  @Override
  public void nodeGetCapabilities(NodeGetCapabilitiesRequest req,
      StreamObserver<NodeGetCapabilitiesResponse> observer) {
    Rpc.unary(observer, () -> NodeGetCapabilitiesResponse.newBuilder().addAllCapabilities(CAPABILITIES).build());
  }

  @Override
  public void nodeGetInfo(NodeGetInfoRequest req, StreamObserver<NodeGetInfoResponse> observer) {
    // max_volumes_per_node 0: no limit, all volumes of a backend share one client.
    Rpc.unary(observer, () -> NodeGetInfoResponse.newBuilder().setNodeId(nodeId).setMaxVolumesPerNode(0).build());
  }

  private static void createDirectories(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw StorageException.internal("cannot create %s: %s", dir, e.getMessage());
    }
  }
}
