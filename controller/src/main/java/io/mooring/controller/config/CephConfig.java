package io.mooring.controller.config;

import io.mooring.volume.CephContext;
import java.util.List;
import java.util.Map;

/**
 * A CephFS backend: volumes are subvolumes of {@code subvolumeGroup} on the file system {@code
 * fsName}, reached through {@code monitors}.
 *
 * @param mounter {@code fuse} or empty (ceph-fuse); the kernel client is refused until the node
 *     plugin has a mounter for it
 * @param fuseMountOptions extra ceph-fuse {@code -o} options, comma-separated, or empty
 * @param kernelMountOptions always empty for now (see {@code mounter})
 * @param adminSecretDir optional directory with files {@code adminID} and {@code adminKey} (a
 *     mounted Kubernetes Secret) for the controller calls whose requests carry no secrets
 *     (ListVolumes, GetCapacity, ControllerGetVolume)
 */
public record CephConfig(
    String name,
    List<String> monitors,
    String fsName,
    String subvolumeGroup,
    String mounter,
    String fuseMountOptions,
    String kernelMountOptions,
    String adminSecretDir,
    Map<String, String> topology)
    implements BackendConfig {

  public static final String DEFAULT_GROUP = "csi";

  public CephConfig {
    monitors = List.copyOf(monitors);
    topology = Map.copyOf(topology);
  }

  @Override
  public String type() {
    return CephContext.TYPE;
  }
}
