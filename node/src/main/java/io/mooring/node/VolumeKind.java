package io.mooring.node;

import csi.v1.Csi.VolumeUsage;
import io.mooring.mount.MountEntry;
import io.mooring.volume.VolumeContext;
import io.mooring.volume.VolumeId;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What differs between the kinds of volume on the node (GlusterFS, CephFS): how one is staged,
 * which client serves it for the RPCs that bring no volume_context, and how its usage is measured.
 * {@link NodeService} asks its kinds and knows none of them.
 */
public interface VolumeKind {

  /** Whether volumes with this context are of this kind. */
  boolean stages(VolumeContext context);

  /**
   * Makes sure the volume's client runs and binds the volume's directory on it onto {@code
   * staging}, unless it is there. Called under the volume's lock.
   *
   * @param context of this kind ({@link #stages})
   */
  void stage(VolumeContext context, Map<String, String> secrets, Path staging);

  /** The client that serves the volume on this node, if it is of this kind. */
  Optional<VolumeClient> find(VolumeId id);

  /**
   * Forgets what the volume needed on its client once its staging bind is gone. Called under the
   * client's lock.
   */
  void unstaged(VolumeId id, VolumeClient client);

  /** Whether a bind made from the volume's client is the volume's, not another's on it. */
  boolean isOf(VolumeId id, MountEntry bind);

  /** The usage of the volume published at {@code path}, whose client is healthy. */
  List<VolumeUsage> usage(VolumeClient client, Path path);
}
