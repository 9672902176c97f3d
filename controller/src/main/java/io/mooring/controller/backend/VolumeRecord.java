package io.mooring.controller.backend;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a backend knows about one provisioned volume, read back from the backend itself (so any
 * controller replica, after any restart, sees the same).
 *
 * @param dir the volume's name on the backend (directory or subvolume)
 * @param requestName the CSI name it was created for
 * @param capacityBytes the size the backend enforces
 * @param parameters the StorageClass parameters it was created with (without per-PVC metadata)
 * @param created when its create began, as the controller's clock said; empty in the records of
 *     versions that did not keep it
 */
public record VolumeRecord(
    String dir,
    String requestName,
    long capacityBytes,
    Map<String, String> parameters,
    Optional<Instant> created) {

  public VolumeRecord {
    parameters = Map.copyOf(parameters);
    Objects.requireNonNull(created, "created");
  }

  public VolumeRecord withCapacity(long bytes) {
    return new VolumeRecord(dir, requestName, bytes, parameters, created);
  }

  /** What deleting it does with the data: its StorageClass's {@code onDelete}. */
  public DeletePolicy onDelete() {
    return DeletePolicy.parse(parameters.get(DeletePolicy.PARAMETER));
  }
}
