package io.mooring.volume;

import csi.v1.Csi.VolumeCapability;
import csi.v1.Csi.VolumeCapability.AccessMode;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Which volume capabilities Mooring serves: filesystem access in every access mode, no block. */
public final class Capabilities {

  private Capabilities() {}

  /** Why the capability cannot be served, or empty if it can. */
  public static Optional<String> unsupported(VolumeCapability cap, Set<String> fsTypes) {
    if (cap.hasBlock()) {
      return Optional.of("block access is not supported: Mooring volumes are shared filesystems");
    }
    if (!cap.hasMount()) {
      return Optional.of("volume capability needs access_type mount");
    }
    String fsType = cap.getMount().getFsType();
    if (!fsType.isEmpty() && !fsTypes.contains(fsType)) {
      return Optional.of(
          "fs_type " + fsType + " is not supported (use one of " + fsTypes + " or leave it empty)");
    }
    AccessMode.Mode mode = cap.getAccessMode().getMode();
    if (mode == AccessMode.Mode.UNKNOWN || mode == AccessMode.Mode.UNRECOGNIZED) {
      return Optional.of("volume capability needs an access_mode");
    }
    return Optional.empty();
  }

  /** The first reason any of the capabilities cannot be served. */
  public static Optional<String> unsupported(List<VolumeCapability> caps, Set<String> fsTypes) {
    if (caps.isEmpty()) {
      return Optional.of("volume_capabilities are required");
    }
    for (VolumeCapability cap : caps) {
      Optional<String> reason = unsupported(cap, fsTypes);
      if (reason.isPresent()) {
        return reason;
      }
    }
    return Optional.empty();
  }

  /** True when the capability only allows reading. */
  public static boolean readOnly(VolumeCapability cap) {
    AccessMode.Mode mode = cap.getAccessMode().getMode();
    return mode == AccessMode.Mode.MULTI_NODE_READER_ONLY
        || mode == AccessMode.Mode.SINGLE_NODE_READER_ONLY;
  }
}
