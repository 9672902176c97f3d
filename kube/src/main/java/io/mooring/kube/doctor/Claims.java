package io.mooring.kube.doctor;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeSpec;
import io.fabric8.kubernetes.api.model.storage.CSIDriver;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * How many pods and nodes may use a claim at once, as Kubernetes enforces it: the scheduler keeps a
 * ReadWriteOncePod claim to one pod; the attach/detach controller keeps a volume of an attachable
 * driver that allows neither ReadWriteMany nor ReadOnlyMany to one node (its "Multi-Attach error").
 * Volumes that need no attach (NFS, CephFS, Mooring, local, hostPath: any CSI driver whose
 * CSIDriver says {@code attachRequired: false}) are not held to one node, whatever their access
 * modes say.
 */
final class Claims {

  /**
   * CSI drivers and in-tree provisioners that give a filesystem volume to one node at a time, so a
   * ReadWriteMany claim of theirs is never provisioned or cannot attach to a second node (their
   * multi-node modes are for {@code volumeMode: Block} only). Not csi.vsphere.vmware.com: its
   * ReadWriteMany volumes are vSAN file shares (its ReadWriteOnce ones are attachable, as all
   * these).
   */
  static final Set<String> SINGLE_ATTACH_DRIVERS =
      Set.of(
          "ebs.csi.aws.com",
          "pd.csi.storage.gke.io",
          "disk.csi.azure.com",
          "cinder.csi.openstack.org",
          "rbd.csi.ceph.com",
          "kubernetes.io/aws-ebs",
          "kubernetes.io/gce-pd",
          "kubernetes.io/azure-disk",
          "kubernetes.io/cinder",
          "kubernetes.io/rbd");

  /**
   * The in-tree volume plugins that attach, named as their provisioners, by the volume source each
   * reads.
   */
  private static final Map<String, Function<PersistentVolumeSpec, Object>> IN_TREE_ATTACHED =
      Map.of(
          "kubernetes.io/aws-ebs", PersistentVolumeSpec::getAwsElasticBlockStore,
          "kubernetes.io/gce-pd", PersistentVolumeSpec::getGcePersistentDisk,
          "kubernetes.io/azure-disk", PersistentVolumeSpec::getAzureDisk,
          "kubernetes.io/cinder", PersistentVolumeSpec::getCinder,
          "kubernetes.io/rbd", PersistentVolumeSpec::getRbd,
          "kubernetes.io/vsphere-volume", PersistentVolumeSpec::getVsphereVolume,
          "kubernetes.io/iscsi", PersistentVolumeSpec::getIscsi,
          "kubernetes.io/fc", PersistentVolumeSpec::getFc);

  private static final String RWO = "ReadWriteOnce";
  private static final String RWOP = "ReadWriteOncePod";
  private static final String RWX = "ReadWriteMany";

  /** What limits a claim: a reason, and the access mode and driver that make it one. */
  record Limit(Reason reason, String claim, String mode, String driver) {

    /** {@code ReadWriteOnce, ebs.csi.aws.com}. */
    String describe() {
      return driver != null ? mode + ", " + driver : mode;
    }
  }

  private final Map<String, PersistentVolumeClaim> claims;
  private final Map<String, PersistentVolume> volumes;
  private final Map<String, StorageClass> classes;
  private final Map<String, CSIDriver> drivers;

  Claims(Cluster cluster) {
    this.claims =
        byName(
            cluster.claims(),
            c -> c.getMetadata().getNamespace() + "/" + c.getMetadata().getName());
    this.volumes = byName(cluster.volumes(), v -> v.getMetadata().getName());
    this.classes = byName(cluster.storageClasses(), s -> s.getMetadata().getName());
    this.drivers = byName(cluster.csiDrivers(), d -> d.getMetadata().getName());
  }

  /**
   * What keeps the claim to one node or one pod; empty when pods on any number of nodes may share
   * it, or when the claim does not exist (its pods cannot start at all, for another reason).
   */
  Optional<Limit> limit(String namespace, String name) {
    PersistentVolumeClaim claim = claims.get(namespace + "/" + name);
    if (claim == null) {
      return Optional.empty();
    }
    PersistentVolume volume =
        claim.getSpec().getVolumeName() != null
            ? volumes.get(claim.getSpec().getVolumeName())
            : null;
    List<String> modes = accessModes(claim, volume);
    String driver = driver(claim, volume);
    if (modes.contains(RWOP)) {
      return Optional.of(new Limit(Reason.READ_WRITE_ONCE_POD, name, RWOP, driver));
    }
    if (modes.contains(RWX)) {
      boolean block = "Block".equals(claim.getSpec().getVolumeMode());
      return !block && SINGLE_ATTACH_DRIVERS.contains(driver)
          ? Optional.of(new Limit(Reason.SINGLE_ATTACH_DRIVER, name, RWX, driver))
          : Optional.empty();
    }
    if (modes.equals(List.of(RWO)) && attachable(driver, volume)) {
      return Optional.of(new Limit(Reason.READ_WRITE_ONCE, name, RWO, driver));
    }
    return Optional.empty(); // ReadOnlyMany, or a volume that is never attached
  }

  /** The volume's modes, which the attach/detach controller checks; else the claim's. */
  private static List<String> accessModes(PersistentVolumeClaim claim, PersistentVolume volume) {
    if (volume != null && !volume.getSpec().getAccessModes().isEmpty()) {
      return volume.getSpec().getAccessModes();
    }
    if (claim.getStatus() != null && !claim.getStatus().getAccessModes().isEmpty()) {
      return claim.getStatus().getAccessModes();
    }
    return claim.getSpec().getAccessModes();
  }

  /**
   * The CSI driver or in-tree plugin of the claim's volume, or of its StorageClass before it is
   * bound; null when neither says (a volume type that needs no attach, or an unknown class).
   */
  private String driver(PersistentVolumeClaim claim, PersistentVolume volume) {
    if (volume != null) {
      return driver(volume.getSpec());
    }
    StorageClass storageClass =
        claim.getSpec().getStorageClassName() != null
            ? classes.get(claim.getSpec().getStorageClassName())
            : null;
    return storageClass != null ? storageClass.getProvisioner() : null;
  }

  private static String driver(PersistentVolumeSpec spec) {
    if (spec.getCsi() != null) {
      return spec.getCsi().getDriver();
    }
    return IN_TREE_ATTACHED.entrySet().stream()
        .filter(plugin -> plugin.getValue().apply(spec) != null)
        .map(Map.Entry::getKey)
        .findFirst()
        .orElse(null); // NFS, local, hostPath ...: never attached
  }

  /**
   * Whether the attach/detach controller attaches the volume: in-tree block plugins, CSI drivers
   * unless their CSIDriver object says {@code attachRequired: false} (no object: attached). A
   * volume bound to a PV that names no such plugin (NFS, local, hostPath ...) is not.
   */
  private boolean attachable(String driver, PersistentVolume volume) {
    if (driver == null) {
      return volume == null; // unbound, class unknown: as the controller, assume it is
    }
    if (driver.startsWith("kubernetes.io/")) {
      return IN_TREE_ATTACHED.containsKey(driver); // not: no-provisioner (local), azure-file ...
    }
    CSIDriver csi = drivers.get(driver);
    return csi == null || !Boolean.FALSE.equals(csi.getSpec().getAttachRequired());
  }

  private static <T> Map<String, T> byName(List<T> items, Function<T, String> key) {
    return items.stream().collect(Collectors.toMap(key, Function.identity(), (a, b) -> a));
  }
}
