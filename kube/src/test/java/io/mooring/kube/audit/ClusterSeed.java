package io.mooring.kube.audit;

import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;

/** Claims and PVs written to the (mock) API server as the provisioner leaves them. */
final class ClusterSeed {

  private ClusterSeed() {}

  /** Makes a claim in {@code phase}; returns the UID the API server gave it. */
  static String claim(KubernetesClient client, String namespace, String name, String phase) {
    return client
        .persistentVolumeClaims()
        .inNamespace(namespace)
        .resource(
            new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewStatus()
                .withPhase(phase)
                .endStatus()
                .build())
        .create()
        .getMetadata()
        .getUid();
  }

  /**
   * @param claim the claim it is bound to, {@code namespace/name}, or null
   */
  static void pv(
      KubernetesClient client,
      String name,
      String driver,
      String handle,
      long bytes,
      String claim) {
    PersistentVolumeBuilder pv =
        new PersistentVolumeBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .withCapacity(Map.of("storage", new Quantity(Long.toString(bytes))))
            .withNewCsi()
            .withDriver(driver)
            .withVolumeHandle(handle)
            .endCsi()
            .endSpec();
    if (claim != null) {
      String[] ref = claim.split("/", 2);
      pv.editSpec()
          .withNewClaimRef()
          .withNamespace(ref[0])
          .withName(ref[1])
          .endClaimRef()
          .endSpec();
    }
    client.persistentVolumes().resource(pv.build()).create();
  }
}
