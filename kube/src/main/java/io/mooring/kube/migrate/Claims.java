package io.mooring.kube.migrate;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/** What migrate reads off claims and pods. */
final class Claims {

  static final String RWO = "ReadWriteOnce";
  static final String RWOP = "ReadWriteOncePod";
  static final String RWX = "ReadWriteMany";

  private Claims() {}

  /** The claim's size: what its volume has (status), else what it asked for. */
  static Quantity size(PersistentVolumeClaim claim) {
    Map<String, Quantity> capacity =
        claim.getStatus() == null ? null : claim.getStatus().getCapacity();
    if (capacity != null && capacity.containsKey("storage")) {
      return capacity.get("storage");
    }
    return claim.getSpec().getResources().getRequests().get("storage");
  }

  static BigDecimal bytes(Quantity quantity) {
    return Quantity.getAmountInBytes(quantity);
  }

  /**
   * Whether the claim's access modes allow one node (RWO) or one pod (RWOP) at a time. Coarser than
   * doctor's Claims, which also knows which drivers really attach: here that costs nothing, since
   * the copy then merely runs on the node of the pod that mounts the claim.
   */
  static boolean singleAttach(PersistentVolumeClaim claim) {
    List<String> modes = claim.getSpec().getAccessModes();
    return !modes.contains(RWX) && (modes.contains(RWO) || modes.contains(RWOP));
  }

  static boolean singlePod(PersistentVolumeClaim claim) {
    return claim.getSpec().getAccessModes().contains(RWOP);
  }

  /** Whether the pod has not finished and has a volume of {@code claim}. */
  static boolean mounts(Pod pod, String claim) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
      return false;
    }
    return volumeIndex(pod.getSpec().getVolumes(), claim) >= 0;
  }

  /** The index of the volume of {@code claim} in {@code volumes}, or -1. */
  static int volumeIndex(List<Volume> volumes, String claim) {
    for (int i = 0; volumes != null && i < volumes.size(); i++) {
      Volume v = volumes.get(i);
      if (v.getPersistentVolumeClaim() != null
          && claim.equals(v.getPersistentVolumeClaim().getClaimName())) {
        return i;
      }
    }
    return -1;
  }
}
