package io.mooring.kube.doctor;

import static io.mooring.kube.ApiReadException.read;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.storage.CSIDriver;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import java.util.List;

/** What the doctor looks at, read once: the namespaced objects of one namespace (or all). */
record Cluster(
    List<Deployment> deployments,
    List<ReplicaSet> replicaSets,
    List<StatefulSet> statefulSets,
    List<DaemonSet> daemonSets,
    List<Pod> pods,
    List<Event> events,
    List<PersistentVolumeClaim> claims,
    List<PersistentVolume> volumes,
    List<StorageClass> storageClasses,
    List<CSIDriver> csiDrivers) {

  /**
   * Reads it all; {@code namespace} null for every namespace. Throws {@link
   * io.mooring.kube.ApiReadException} naming the first read that failed.
   */
  static Cluster fetch(KubernetesClient client, String namespace) {
    return new Cluster(
        list(client, client.apps().deployments(), "deployments", namespace),
        list(client, client.apps().replicaSets(), "replicasets", namespace),
        list(client, client.apps().statefulSets(), "statefulsets", namespace),
        list(client, client.apps().daemonSets(), "daemonsets", namespace),
        list(client, client.pods(), "pods", namespace),
        list(client, client.v1().events(), "events", namespace),
        list(client, client.persistentVolumeClaims(), "persistentvolumeclaims", namespace),
        read(client, "list persistentvolumes", () -> client.persistentVolumes().list().getItems()),
        read(
            client,
            "list storageclasses",
            () -> client.storage().v1().storageClasses().list().getItems()),
        read(
            client, "list csidrivers", () -> client.storage().v1().csiDrivers().list().getItems()));
  }

  private static <T extends HasMetadata, L extends KubernetesResourceList<T>> List<T> list(
      KubernetesClient client, MixedOperation<T, L, ?> resources, String plural, String namespace) {
    return namespace == null
        ? read(
            client,
            "list " + plural + " in all namespaces",
            () -> resources.inAnyNamespace().list().getItems())
        : read(
            client,
            "list " + plural + " in namespace " + namespace,
            () -> resources.inNamespace(namespace).list().getItems());
  }
}
