package io.mooring.node;

import csi.v1.Csi.VolumeCapability;
import io.mooring.errors.StorageException;
import io.mooring.errors.Untrusted;
import io.mooring.volume.Capabilities;
import io.mooring.volume.VolumeContext;
import io.mooring.volume.VolumeId;
import java.util.List;

/** Checks of request fields shared by the Node RPCs; each failure is INVALID_ARGUMENT. */
final class NodeRequests {

  private NodeRequests() {}

  /** A Mooring volume ID; the node needs its backend, so anything else is invalid. */
  static VolumeId volumeId(String text) {
    return VolumeId.lookup(text)
        .orElseThrow(
            () ->
                StorageException.invalid(
                    "volume_id %s is not a Mooring volume ID (want v1:<backend>:<dir>)",
                    Untrusted.quote(text)));
  }

  /**
   * @return the capability's validated mount flags
   */
  static List<String> mountFlags(boolean present, VolumeCapability capability) {
    if (!present) {
      throw StorageException.invalid("volume_capability is required");
    }
    Capabilities.unsupported(capability, VolumeContext.FS_TYPES)
        .ifPresent(
            reason -> {
              throw StorageException.invalid("%s", reason);
            });
    return MountFlags.validate(capability.getMount().getMountFlagsList());
  }
}
