package io.mooring.kube.migrate;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;

/**
 * Works out a {@link MigrationPlan} from the cluster, changing nothing: checks that the source
 * claim is Bound, that the target StorageClass is Mooring's, that the target claim is free (or this
 * migration's own, from an earlier run) and no smaller than the source, and where the copy can run.
 */
final class MigrationPlanner {

  /** Kubernetes label values, and so the claim names in our labels, are at most 63 characters. */
  private static final int MAX_LABEL = 63;

  private final KubernetesClient client;

  MigrationPlanner(KubernetesClient client) {
    this.client = client;
  }

  MigrationPlan plan(MigrateOptions o) {
    String ns = o.namespace();
    if (o.source().equals(o.target())) {
      throw new MigrationException("the target claim must differ from the source: --target-name");
    }
    for (String name : List.of(o.source(), CopyJob.name(o.target()))) {
      if (name.length() > MAX_LABEL) {
        throw new MigrationException(
            name + " is longer than " + MAX_LABEL + " characters: choose a shorter --target-name");
      }
    }
    PersistentVolumeClaim source =
        client.persistentVolumeClaims().inNamespace(ns).withName(o.source()).get();
    if (source == null) {
      throw new MigrationException("claim " + ns + "/" + o.source() + " not found");
    }
    String phase = source.getStatus() == null ? null : source.getStatus().getPhase();
    if (!"Bound".equals(phase)) {
      throw new MigrationException(
          "claim %s/%s is %s, not Bound: it has no volume to copy from"
              .formatted(ns, o.source(), phase));
    }
    if ("Block".equals(source.getSpec().getVolumeMode())) {
      throw new MigrationException(
          "claim %s/%s is a raw block volume: only file systems can be copied"
              .formatted(ns, o.source()));
    }
    StorageClass storageClass =
        client.storage().v1().storageClasses().withName(o.storageClass()).get();
    if (storageClass == null) {
      throw new MigrationException("StorageClass " + o.storageClass() + " not found");
    }
    if (!o.driver().equals(storageClass.getProvisioner())) {
      throw new MigrationException(
          "StorageClass %s is provisioned by %s, not by Mooring (%s): choose a Mooring class"
              .formatted(o.storageClass(), storageClass.getProvisioner(), o.driver()));
    }
    Quantity size = Claims.size(source);
    PersistentVolumeClaim target =
        client.persistentVolumeClaims().inNamespace(ns).withName(o.target()).get();
    boolean targetExists = target != null;
    if (targetExists) {
      checkOwnTarget(o, target, size);
    } else {
      target = newTarget(o, size);
    }

    List<String> notes = new ArrayList<>();
    List<Pod> users =
        client.pods().inNamespace(ns).list().getItems().stream()
            .filter(p -> Claims.mounts(p, o.source()))
            .toList();
    Workload workload = workload(o, notes);
    String node = null;
    if (o.switchWorkload()) {
      notes.add(
          "--switch: %s is down from the copy's start until it runs on %s; no write is lost"
              .formatted(workload.ref(), o.target()));
    } else if (!users.isEmpty()) {
      Pod user = users.get(0);
      if (Claims.singlePod(source)) {
        throw new MigrationException(
            "claim %s/%s is ReadWriteOncePod and pod %s mounts it: no other pod can; scale its workload to 0 or use --switch"
                .formatted(ns, o.source(), user.getMetadata().getName()));
      }
      if (Claims.singleAttach(source)) {
        // a ReadWriteOnce volume is attached to the node of the pod using it; a pod elsewhere
        // would wait forever with a Multi-Attach error
        node = user.getSpec().getNodeName();
      }
      notes.add(
          "pod %s uses %s while it is copied: writes during the copy may be missing or torn in %s; --switch stops the workload first"
              .formatted(user.getMetadata().getName(), o.source(), o.target()));
    }
    Job job = client.batch().v1().jobs().inNamespace(ns).withName(CopyJob.name(o.target())).get();
    boolean jobExists = job != null;
    if (jobExists
        && !MigrationLabels.belongTo(job.getMetadata().getLabels(), o.source(), o.target())) {
      throw new MigrationException(
          "Job %s/%s exists and is not this migration's: choose another --target-name"
              .formatted(ns, job.getMetadata().getName()));
    }
    if (!jobExists) {
      job = CopyJob.of(ns, o.source(), o.target(), image(o), node, o.timeout().toSeconds());
    }
    return new MigrationPlan(
        o, source, target, targetExists, job, jobExists, workload, node, List.copyOf(notes));
  }

  /** A target claim that exists must be this migration's, of the class asked for, big enough. */
  private static void checkOwnTarget(
      MigrateOptions o, PersistentVolumeClaim target, Quantity size) {
    String ref = o.namespace() + "/" + o.target();
    if (!MigrationLabels.belongTo(target.getMetadata().getLabels(), o.source(), o.target())) {
      throw new MigrationException(
          "claim %s exists and is not a migration of %s: choose another --target-name"
              .formatted(ref, o.source()));
    }
    if (!o.storageClass().equals(target.getSpec().getStorageClassName())) {
      throw new MigrationException(
          "claim %s (from an earlier run) has StorageClass %s, not %s: delete it or keep its class"
              .formatted(ref, target.getSpec().getStorageClassName(), o.storageClass()));
    }
    if (Claims.bytes(Claims.size(target)).compareTo(Claims.bytes(size)) < 0) {
      throw new MigrationException(
          "claim %s (from an earlier run) is %s, smaller than the source's %s"
              .formatted(ref, Claims.size(target), size));
    }
  }

  private static PersistentVolumeClaim newTarget(MigrateOptions o, Quantity size) {
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata()
        .withName(o.target())
        .withNamespace(o.namespace())
        .withLabels(MigrationLabels.of(o.source(), o.target()))
        .endMetadata()
        .withNewSpec()
        .withAccessModes(Claims.RWX)
        .withStorageClassName(o.storageClass())
        .withVolumeMode("Filesystem")
        .withNewResources()
        .addToRequests("storage", size)
        .endResources()
        .endSpec()
        .build();
  }

  /**
   * The workload --switch scales and re-points: the one mounting the source, or, on a rerun after
   * the switch, the one already mounting the target. Null without --switch.
   */
  private Workload workload(MigrateOptions o, List<String> notes) {
    if (!o.switchWorkload()) {
      return null;
    }
    Workloads workloads = new Workloads(client, o.namespace());
    List<Workload> found = workloads.using(o.source());
    if (found.isEmpty()) {
      found = workloads.using(o.target());
      if (found.size() == 1) {
        notes.add(found.get(0).ref() + " already mounts " + o.target());
      }
    }
    if (found.size() != 1) {
      throw new MigrationException(
          "--switch needs exactly one Deployment or StatefulSet in %s whose pod template mounts %s; found %s"
              .formatted(
                  o.namespace(),
                  o.source(),
                  found.isEmpty() ? "none" : found.stream().map(Workload::ref).toList()));
    }
    return found.get(0);
  }

  /** The image given, else the one the installed Mooring controller runs. */
  private String image(MigrateOptions o) {
    if (o.image() != null) {
      return o.image();
    }
    return client
        .apps()
        .deployments()
        .inAnyNamespace()
        .withLabel("app.kubernetes.io/name", "mooring")
        .withLabel("app.kubernetes.io/component", "controller")
        .list()
        .getItems()
        .stream()
        .map(MigrationPlanner::mooringImage)
        .filter(java.util.Objects::nonNull)
        .findFirst()
        .orElseThrow(
            () ->
                new MigrationException(
                    "no Mooring controller Deployment found to take the image from: pass --image"));
  }

  private static String mooringImage(Deployment d) {
    return d.getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> "mooring".equals(c.getName()))
        .map(io.fabric8.kubernetes.api.model.Container::getImage)
        .findFirst()
        .orElse(null);
  }
}
