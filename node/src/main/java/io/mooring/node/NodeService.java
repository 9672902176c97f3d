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
import io.mooring.ceph.CephCredentials;
import io.mooring.errors.StorageException;
import io.mooring.errors.Untrusted;
import io.mooring.mount.Health;
import io.mooring.mount.MountEntry;
import io.mooring.mount.MountTable;
import io.mooring.mount.Mounter;
import io.mooring.rpc.Rpc;
import io.mooring.volume.Capabilities;
import io.mooring.volume.CephContext;
import io.mooring.volume.GlusterContext;
import io.mooring.volume.KeyedLocks;
import io.mooring.volume.VolumeContext;
import io.mooring.volume.VolumeId;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CSI Node service. NodeStageVolume makes sure the volume's FUSE client is mounted — the backend's
 * shared glusterfs client, or a ceph-fuse client shared by the volumes of a subvolume group or the
 * volume's own ({@link CephClients} says which when) — and binds the volume's directory on it onto
 * the staging path; NodePublishVolume binds the staging path onto the target. Every RPC reads what
 * exists from the mount table, so all of them are idempotent and a restarted plugin carries on
 * where the last one stopped. Only NodeStageVolume gets the volume_context; the other RPCs find a
 * volume's client from the node's own records. NodeExpandVolume is not offered: the controller
 * grows the quota and nothing on the node needs to change.
 */
final class NodeService extends NodeGrpc.NodeImplBase {

  private static final Logger LOG = LoggerFactory.getLogger(NodeService.class);
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

  /** The client serving a volume: which kind, and its name there. */
  /**
   * @param sharedRoot for a volume on a shared ceph-fuse client, its directory there (mountinfo
   *     root of its binds); empty otherwise
   */
  private record Client(SharedMounts<?> mounts, String name, Optional<String> sharedRoot) {
    Client(SharedMounts<?> mounts, String name) {
      this(mounts, name, Optional.empty());
    }

    KeyedLocks.Held lock() {
      return mounts.lock(name);
    }

    String describe() {
      return mounts.kind().describe(name);
    }
  }

  private final String nodeId;
  private final Mounter mounter;
  private final SharedMounts<GlusterClients> gluster;
  private final SharedMounts<CephClients> ceph;
  private final VolumeStats stats;
  private final Runnable wakeMonitor;
  private final KeyedLocks volumeLocks;

  /**
   * @param wakeMonitor asks the health monitor to heal soon, when an RPC finds a broken mount
   * @param lockWait how long an RPC waits for another one on the same volume before ABORTED
   */
  NodeService(
      String nodeId,
      Mounter mounter,
      SharedMounts<GlusterClients> gluster,
      SharedMounts<CephClients> ceph,
      VolumeStats stats,
      Runnable wakeMonitor,
      Duration lockWait) {
    this.nodeId = nodeId;
    this.mounter = mounter;
    this.gluster = gluster;
    this.ceph = ceph;
    this.stats = stats;
    this.wakeMonitor = wakeMonitor;
    this.volumeLocks = new KeyedLocks(lockWait);
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
          if (context instanceof CephContext volume) {
            CephCredentials user = CephUser.fromSecrets(req.getSecretsMap());
            try (KeyedLocks.Held v = volumeLocks.acquire(id.toString())) {
              return stageCeph(id, volume, user, staging);
            }
          }
          GlusterContext volume = (GlusterContext) context;
          Client client = new Client(gluster, id.backend());
          try (KeyedLocks.Held v = volumeLocks.acquire(id.toString());
              KeyedLocks.Held c = client.lock()) {
            gluster.kind().prepare(volume);
            gluster.ensure(client.name());
            return stage(client, gluster.kind().directory(volume), volume.path(), staging);
          }
        });
  }

  /**
   * Stages a CephFS volume on the shared client of its group and key where the key reaches the
   * group, else on a client of its own ({@link CephClients}). A volume staged before stays on the
   * client it has.
   */
  private NodeStageVolumeResponse stageCeph(
      VolumeId id, CephContext volume, CephCredentials user, Path staging) {
    CephClients kind = ceph.kind();
    Optional<String> shared = kind.sharedOf(id).map(CephClientFiles.SharedVolume::client);
    if (shared.isEmpty() && !kind.hasOwn(mounter.table(), id)) {
      shared = kind.sharedClient(volume, user);
    }
    if (shared.isPresent()) {
      Client client = new Client(ceph, shared.get());
      try (KeyedLocks.Held c = client.lock()) {
        String root = kind.prepareShared(client.name(), volume, user);
        ceph.ensure(client.name());
        kind.recordShared(id, new CephClientFiles.SharedVolume(client.name(), root));
        try {
          return stage(
              client,
              NodePaths.existingDirectory(
                  ceph.path(client.name()), root, "CephFS " + volume.fsName()),
              root,
              staging);
        } catch (RuntimeException e) {
          if (bindsOf(client, root)
              .isEmpty()) { // leave no idle client behind for a volume that failed
            kind.forgetShared(id);
            ceph.releaseIfUnused(client.name());
          }
          throw e;
        }
      } catch (CephFuse.PathNotAllowed e) {
        kind.notAllowed(shared.get());
        LOG.info(
            "the key of {} does not reach the subvolume group of volume {}: it gets a ceph-fuse client of"
                + " its own ({})",
            user.entity(),
            id,
            e.getMessage());
      }
    }
    Client client = new Client(ceph, CephClients.name(id));
    try (KeyedLocks.Held c = client.lock()) {
      kind.prepareOwn(volume, user);
      ceph.ensure(client.name());
      // the client mounts just the subvolume: its root is the volume
      return stage(client, ceph.path(client.name()), "/", staging);
    }
  }

  /** The binds of the directory with mountinfo root {@code root} on the client. */
  private List<MountEntry> bindsOf(Client client, String root) {
    return client.mounts().view(mounter.table(), client.name()).binds().stream()
        .filter(b -> b.root().equals(root) || b.root().startsWith(root + "/"))
        .toList();
  }

  /**
   * Binds {@code dir} (whose mountinfo root is {@code root}) onto the staging path, unless it is
   * there.
   */
  private NodeStageVolumeResponse stage(Client client, Path dir, String root, Path staging) {
    MountTable table = mounter.table();
    Optional<MountEntry> staged = client.mounts().view(table, client.name()).bindAt(staging);
    if (staged.isPresent() && staged.get().root().equals(root)) {
      return NodeStageVolumeResponse.getDefaultInstance();
    }
    if (table.isMountPoint(staging)) {
      throw new StorageException(
          StorageException.Kind.ALREADY_EXISTS,
          "staging_target_path " + staging + " already has another mount; unstage it first");
    }
    createDirectories(staging);
    mounter.bind(dir, staging, false, List.of());
    return NodeStageVolumeResponse.getDefaultInstance();
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
            Client client = locate(id);
            try (KeyedLocks.Held c = client.lock()) {
              // The CO unpublishes first (CSI spec); targets still bound keep their own mounts
              // anyway.
              if (mounter.table().isMountPoint(staging)) {
                client.mounts().unbind(client.name(), staging);
              }
              if (client.sharedRoot().isPresent()
                  && bindsOf(client, client.sharedRoot().get()).isEmpty()) {
                ceph.kind().forgetShared(id);
              }
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
          boolean readOnly =
              req.getReadonly()
                  || Capabilities.readOnly(req.getVolumeCapability())
                  || flags.contains("ro");
          List<String> extra = flags.stream().filter(f -> !f.equals("ro")).toList();
          try (KeyedLocks.Held v = volumeLocks.acquire(id.toString())) {
            Client client = locate(id);
            try (KeyedLocks.Held c = client.lock()) {
              Health health = client.mounts().heal(client.name(), staging);
              if (!health.healthy()) {
                throw new StorageException(
                    StorageException.Kind.UNAVAILABLE, health.message(client.describe()));
              }
              MountTable table = mounter.table();
              SharedMounts.View view = client.mounts().view(table, client.name());
              MountEntry staged =
                  view.bindAt(staging)
                      .orElseThrow(
                          () ->
                              new StorageException(
                                  StorageException.Kind.FAILED_PRECONDITION,
                                  "staging_target_path "
                                      + staging
                                      + " is not staged on this node; call NodeStageVolume first"));
              Optional<MountEntry> published = view.bindAt(target);
              if (published.isPresent()
                  && published.get().root().equals(staged.root())
                  && published.get().readOnly() == readOnly
                  && published.get().options().containsAll(extra)) {
                return NodePublishVolumeResponse.getDefaultInstance();
              }
              if (table.isMountPoint(target)) {
                throw new StorageException(
                    StorageException.Kind.ALREADY_EXISTS,
                    "target_path "
                        + target
                        + " is already mounted differently (another volume, or other read-only or mount flags)");
              }
              createDirectories(target);
              mounter.bind(staging, target, readOnly, extra);
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
            Client client = locate(id);
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
          Client client = locate(id);
          // The client's lock, not the volume's: a heal re-binds mounts one by one, and a look in
          // between would find nothing mounted, or measure the bare directory.
          try (KeyedLocks.Held c = client.lock()) {
            if (client.mounts().view(mounter.table(), client.name()).bindAt(path).isEmpty()) {
              throw StorageException.notFound(
                  "volume_path %s is not a mounted Mooring volume of backend %s",
                  path, id.backend());
            }
            Health health = client.mounts().health(client.name(), path);
            if (health.healthy()) {
              try {
                // statfs through a shared client reports the file system, not the volume's
                // subvolume
                List<VolumeUsage> usage =
                    client.sharedRoot().isPresent() ? stats.cephUsage(path) : stats.usage(path);
                return statsResponse(usage, health, client);
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

  /**
   * The client of a volume, for the RPCs that carry no volume_context: its ceph-fuse client if the
   * node has one on record or mounted, else its backend's glusterfs client (which is also right for
   * a volume the node has never seen: there is nothing to find, and nothing to undo).
   */
  private Client locate(VolumeId id) {
    Optional<CephClientFiles.SharedVolume> shared = ceph.kind().sharedOf(id);
    if (shared.isPresent()) {
      return new Client(ceph, shared.get().client(), Optional.of(shared.get().root()));
    }
    if (ceph.kind().hasOwn(mounter.table(), id)) {
      return new Client(ceph, CephClients.name(id));
    }
    return new Client(gluster, id.backend());
  }

  private static NodeGetVolumeStatsResponse statsResponse(
      List<VolumeUsage> usage, Health health, Client client) {
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
        () -> NodeGetInfoResponse.newBuilder().setNodeId(nodeId).setMaxVolumesPerNode(0).build());
  }

  private static void createDirectories(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw StorageException.internal("cannot create %s: %s", dir, e.getMessage());
    }
  }
}
