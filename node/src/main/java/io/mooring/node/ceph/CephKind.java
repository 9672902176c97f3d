package io.mooring.node.ceph;

import csi.v1.Csi.VolumeUsage;
import io.mooring.ceph.CephCredentials;
import io.mooring.mount.MountEntry;
import io.mooring.mount.Mounter;
import io.mooring.node.NodePaths;
import io.mooring.node.SharedMounts;
import io.mooring.node.Staging;
import io.mooring.node.VolumeClient;
import io.mooring.node.VolumeKind;
import io.mooring.node.VolumeStats;
import io.mooring.volume.CephContext;
import io.mooring.volume.KeyedLocks;
import io.mooring.volume.VolumeContext;
import io.mooring.volume.VolumeId;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CephFS volumes: each on the shared ceph-fuse client of its group and key where the key reaches
 * the group, else on a client of its own ({@link CephClients} says when). A volume staged before
 * stays on the client it has.
 */
public final class CephKind implements VolumeKind {

  private static final Logger LOG = LoggerFactory.getLogger(CephKind.class);

  private final SharedMounts<CephClients> mounts;
  private final Mounter mounter;
  private final Staging staging;
  private final VolumeStats stats;

  public CephKind(
      SharedMounts<CephClients> mounts, Mounter mounter, Staging staging, VolumeStats stats) {
    this.mounts = mounts;
    this.mounter = mounter;
    this.staging = staging;
    this.stats = stats;
  }

  @Override
  public boolean stages(VolumeContext context) {
    return context instanceof CephContext;
  }

  @Override
  public void stage(VolumeContext context, Map<String, String> secrets, Path target) {
    CephContext volume = (CephContext) context;
    VolumeId id = volume.id();
    CephCredentials user = CephUser.fromSecrets(secrets);
    CephClients kind = mounts.kind();
    if (volume.backingSnapshot().isPresent()) {
      stageSnapshot(volume, user, target);
      return;
    }
    Optional<String> shared = kind.sharedOf(id).map(CephClientFiles.SharedVolume::client);
    if (shared.isEmpty() && !kind.hasOwn(mounter.table(), id)) {
      shared = kind.sharedClient(volume, user);
    }
    if (shared.isPresent()) {
      try {
        stageShared(id, volume, user, client(shared.get()), target);
        return;
      } catch (CephFuse.PathNotAllowed e) {
        kind.notAllowed(shared.get());
        LOG.info(
            "the key of {} does not reach the subvolume group of volume {}: it gets a ceph-fuse"
                + " client of its own ({})",
            user.entity(),
            id,
            e.getMessage());
      }
    }
    VolumeClient client = client(CephClients.name(id));
    try (KeyedLocks.Held c = client.lock()) {
      kind.prepareOwn(volume, user);
      mounts.ensure(client.name());
      // the client mounts just the subvolume: its root is the volume
      staging.bind(client, mounts.path(client.name()), "/", target, false);
    }
  }

  /**
   * A volume backed by a snapshot always gets a client of its own, mounting the snapshot's
   * subvolume directory (ceph-fuse cannot mount a directory in {@code .snap}), and is bound from
   * there read-only. Not a shared client: on Ceph 16.2 a ceph-fuse client that had the subvolume's
   * files cached when the snapshot was taken (the one the source volume's pods write through)
   * answered ENOENT for the snapshot's copy of the directory for minutes, where a client mounted
   * after the snapshot found it at once. Its key must reach the subvolume's directory (an admin or
   * group key: {@code ceph fs subvolume authorize} keys reach only the data directory below it).
   */
  private void stageSnapshot(CephContext volume, CephCredentials user, Path target) {
    VolumeClient client = client(CephClients.name(volume.id()));
    try (KeyedLocks.Held c = client.lock()) {
      mounts.kind().prepareOwn(volume, user);
      mounts.ensure(client.name());
      String root = volume.path().substring(volume.snapshotSubvolumePath().length());
      staging.bind(
          client,
          NodePaths.existingDirectory(
              mounts.path(client.name()), root, "CephFS " + volume.fsName()),
          root,
          target,
          true);
    }
  }

  private void stageShared(
      VolumeId id, CephContext volume, CephCredentials user, VolumeClient client, Path target) {
    CephClients kind = mounts.kind();
    try (KeyedLocks.Held c = client.lock()) {
      String root = kind.prepareShared(client.name(), volume, user);
      mounts.ensure(client.name());
      kind.recordShared(id, new CephClientFiles.SharedVolume(client.name(), root));
      try {
        staging.bind(
            client,
            NodePaths.existingDirectory(
                mounts.path(client.name()), root, "CephFS " + volume.fsName()),
            root,
            target,
            false);
      } catch (RuntimeException e) {
        if (bindsOf(client, root).isEmpty()) {
          // leave no idle client behind for a volume that failed
          kind.forgetShared(id);
          mounts.releaseIfUnused(client.name());
        }
        throw e;
      }
    }
  }

  /** Its ceph-fuse client if the node has one on record or mounted. */
  @Override
  public Optional<VolumeClient> find(VolumeId id) {
    Optional<CephClientFiles.SharedVolume> shared = mounts.kind().sharedOf(id);
    if (shared.isPresent()) {
      return Optional.of(client(shared.get().client()));
    }
    if (mounts.kind().hasOwn(mounter.table(), id)) {
      return Optional.of(client(CephClients.name(id)));
    }
    return Optional.empty();
  }

  @Override
  public void unstaged(VolumeId id, VolumeClient client) {
    Optional<CephClientFiles.SharedVolume> shared = mounts.kind().sharedOf(id);
    if (shared.isPresent() && bindsOf(client, shared.get().root()).isEmpty()) {
      mounts.kind().forgetShared(id);
    }
  }

  /**
   * On a shared client, a bind's root is the volume's directory in the group; a client of the
   * volume's own serves nothing else.
   */
  @Override
  public boolean isOf(VolumeId id, MountEntry bind) {
    return mounts.kind().sharedOf(id).map(v -> isBelow(bind, v.root())).orElse(true);
  }

  /**
   * statfs through a shared client reports the file system, not the volume's subvolume, and through
   * a snapshot's client the quota-less subvolume directory: there the quota and size of the
   * volume's directory are read instead.
   */
  @Override
  public List<VolumeUsage> usage(VolumeClient client, Path path) {
    if (CephClients.isShared(client.name())) {
      return stats.cephUsage(path);
    }
    boolean snapshot =
        client.view(mounter.table()).binds().stream()
            .anyMatch(b -> b.mountPoint().equals(path) && b.root().startsWith("/.snap/"));
    // a snapshot's quota and size are those of its source when it was taken; nothing is free
    return snapshot ? VolumeStats.readOnly(stats.cephUsage(path)) : stats.usage(path);
  }

  /** The binds of the directory with mountinfo root {@code root} on the client. */
  private List<MountEntry> bindsOf(VolumeClient client, String root) {
    return client.view(mounter.table()).binds().stream().filter(b -> isBelow(b, root)).toList();
  }

  private static boolean isBelow(MountEntry bind, String root) {
    return bind.root().equals(root) || bind.root().startsWith(root + "/");
  }

  private VolumeClient client(String name) {
    return new VolumeClient(this, mounts, name);
  }
}
