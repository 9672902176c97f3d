package io.mooring.kube.migrate;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The Deployments and StatefulSets whose pod templates mount a claim; scaled and re-pointed. */
final class Workloads {

  static final String DEPLOYMENT = "Deployment";
  static final String STATEFUL_SET = "StatefulSet";

  private final KubernetesClient client;
  private final String namespace;

  Workloads(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  /** Every Deployment and StatefulSet of the namespace whose pod template mounts {@code claim}. */
  List<Workload> using(String claim) {
    List<Workload> found = new ArrayList<>();
    client
        .apps()
        .deployments()
        .inNamespace(namespace)
        .list()
        .getItems()
        .forEach(
            d ->
                of(
                        DEPLOYMENT,
                        d.getMetadata().getName(),
                        d.getSpec().getReplicas(),
                        d.getSpec().getTemplate(),
                        claim)
                    .ifPresent(found::add));
    client
        .apps()
        .statefulSets()
        .inNamespace(namespace)
        .list()
        .getItems()
        .forEach(
            s ->
                of(
                        STATEFUL_SET,
                        s.getMetadata().getName(),
                        s.getSpec().getReplicas(),
                        s.getSpec().getTemplate(),
                        claim)
                    .ifPresent(found::add));
    return found;
  }

  private static Optional<Workload> of(
      String kind, String name, Integer replicas, PodTemplateSpec template, String claim) {
    int volume = Claims.volumeIndex(template.getSpec().getVolumes(), claim);
    // replicas unset means 1, as the API server defaults it
    return volume < 0
        ? Optional.empty()
        : Optional.of(new Workload(kind, name, replicas == null ? 1 : replicas, claim, volume));
  }

  void scale(Workload workload, int replicas) {
    patch(
        workload,
        "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":%d}]".formatted(replicas));
  }

  void pointAt(Workload workload, String claim) {
    patch(workload, workload.claimPatch(claim));
  }

  private void patch(Workload workload, String jsonPatch) {
    PatchContext json = PatchContext.of(PatchType.JSON);
    if (DEPLOYMENT.equals(workload.kind())) {
      client
          .apps()
          .deployments()
          .inNamespace(namespace)
          .withName(workload.name())
          .patch(json, jsonPatch);
    } else {
      client
          .apps()
          .statefulSets()
          .inNamespace(namespace)
          .withName(workload.name())
          .patch(json, jsonPatch);
    }
  }
}
