package io.mooring.node.gluster;

import csi.v1.Csi.VolumeUsage;
import io.mooring.mount.MountEntry;
import io.mooring.node.SharedMounts;
import io.mooring.node.Staging;
import io.mooring.node.VolumeClient;
import io.mooring.node.VolumeKind;
import io.mooring.node.VolumeStats;
import io.mooring.volume.GlusterContext;
import io.mooring.volume.KeyedLocks;
import io.mooring.volume.VolumeContext;
import io.mooring.volume.VolumeId;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * GlusterFS volumes: each a bind of its directory on the one glusterfs client of its backend
 * ({@link GlusterClients}).
 */
public final class GlusterKind implements VolumeKind {

  private final SharedMounts<GlusterClients> mounts;
  private final Staging staging;
  private final VolumeStats stats;

  public GlusterKind(SharedMounts<GlusterClients> mounts, Staging staging, VolumeStats stats) {
    this.mounts = mounts;
    this.staging = staging;
    this.stats = stats;
  }

  @Override
  public boolean stages(VolumeContext context) {
    return context instanceof GlusterContext;
  }

  @Override
  public void stage(VolumeContext context, Map<String, String> secrets, Path target) {
    GlusterContext volume = (GlusterContext) context;
    VolumeClient client = client(volume.id());
    try (KeyedLocks.Held c = client.lock()) {
      mounts.kind().prepare(volume);
      mounts.ensure(client.name());
      staging.bind(client, mounts.kind().directory(volume), volume.path(), target, false);
    }
  }

  /**
   * Its backend's glusterfs client; also right for a volume the node has never seen: there is
   * nothing to find, and nothing to undo.
   */
  @Override
  public Optional<VolumeClient> find(VolumeId id) {
    return Optional.of(client(id));
  }

  @Override
  public void unstaged(VolumeId id, VolumeClient client) {
    // the backend's client serves its other volumes; SharedMounts releases it when none is left
  }

  /** A bind's root is the volume's directory in the Gluster volume, {@code <basePath>/<dir>}. */
  @Override
  public boolean isOf(VolumeId id, MountEntry bind) {
    return bind.root().endsWith("/" + id.dir());
  }

  @Override
  public List<VolumeUsage> usage(VolumeClient client, Path path) {
    return stats.usage(path);
  }

  private VolumeClient client(VolumeId id) {
    return new VolumeClient(this, mounts, id.backend());
  }
}
