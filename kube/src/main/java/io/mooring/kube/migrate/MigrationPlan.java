package io.mooring.kube.migrate;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;

/**
 * What a migration will do, worked out from the cluster before anything changes: the target claim
 * and copy Job it creates (or finds from an earlier run: {@code targetExists}, {@code jobExists}),
 * the workload it switches (null: none found), the node the copy must run on (null: any), and what
 * the user should know ({@code notes}).
 */
record MigrationPlan(
    MigrateOptions options,
    PersistentVolumeClaim source,
    PersistentVolumeClaim target,
    boolean targetExists,
    Job job,
    boolean jobExists,
    Workload workload,
    String node,
    List<String> notes) {

  String namespace() {
    return options.namespace();
  }

  /** The numbered steps, as the dry run prints them and the run follows them. */
  List<String> steps() {
    String ns = namespace();
    String claim = options.target();
    List<String> steps = new java.util.ArrayList<>();
    steps.add(
        (targetExists ? "use the existing" : "create")
            + " PersistentVolumeClaim %s/%s (ReadWriteMany, %s, StorageClass %s)"
                .formatted(ns, claim, Claims.size(target), options.storageClass()));
    if (workload != null && workload.claim().equals(options.source())) {
      steps.add(
          "scale %s to 0 and wait until no pod mounts %s"
              .formatted(workload.ref(), options.source()));
    }
    steps.add(
        (jobExists ? "wait for the existing" : "run")
            + " Job %s/%s%s: copy %s into %s (owners, modes, times, xattrs, ACLs, hard links), then verify"
                .formatted(
                    ns,
                    job.getMetadata().getName(),
                    node == null ? "" : " on node " + node,
                    options.source(),
                    claim));
    if (options.switchWorkload() && workload != null) {
      steps.add("point %s at %s and scale it back up".formatted(workload.ref(), claim));
    } else {
      steps.add("print the change that points the workload at " + claim);
    }
    return steps;
  }
}
