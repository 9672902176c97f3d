package io.mooring.controller.backend;

import java.util.Map;

/**
 * What a backend knows about one provisioned volume, read back from the backend itself (so any
 * controller replica, after any restart, sees the same).
 *
 * @param dir the volume's name on the backend (directory or subvolume)
 * @param requestName the CSI name it was created for
 * @param capacityBytes the size the backend enforces
 * @param parameters the StorageClass parameters it was created with (without per-PVC metadata)
 */
public record VolumeRecord(
    String dir, String requestName, long capacityBytes, Map<String, String> parameters) {

  public VolumeRecord {
    parameters = Map.copyOf(parameters);
  }
}
