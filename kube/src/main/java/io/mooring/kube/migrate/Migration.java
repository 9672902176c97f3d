package io.mooring.kube.migrate;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code mooring migrate}: plans, then (unless a dry run) creates the target claim, stops the
 * workload (--switch), runs the copy Job and waits for it, and switches the workload or prints how
 * to. Every step looks first at what an earlier, interrupted run left: a rerun converges.
 */
public final class Migration {

  private final KubernetesClient client;
  private final PrintWriter out;

  public Migration(KubernetesClient client, PrintWriter out) {
    this.client = client;
    this.out = out;
  }

  /** Runs the migration; throws {@link MigrationException} when it cannot go on. */
  public void run(MigrateOptions o) {
    MigrationPlan plan = new MigrationPlanner(client).plan(o);
    printPlan(plan);
    if (!o.apply()) {
      out.println(
          "dry run: nothing was changed; these objects would be created (run again with"
              + " --dry-run=false):");
      if (!plan.targetExists()) {
        out.print(Serialization.asYaml(plan.target()));
      }
      if (!plan.jobExists()) {
        out.print(Serialization.asYaml(plan.job()));
      }
      return;
    }
    String ns = o.namespace();
    if (!plan.targetExists()) {
      client.persistentVolumeClaims().inNamespace(ns).resource(plan.target()).create();
      out.println("created PersistentVolumeClaim " + ns + "/" + o.target());
    }
    Workload workload = plan.workload();
    if (workload != null && workload.claim().equals(o.source())) {
      stop(plan, workload);
    }
    copy(plan);
    if (workload != null) {
      Workloads workloads = new Workloads(client, ns);
      workloads.pointAt(workload, o.target());
      int replicas = recordedReplicas(o);
      workloads.scale(workload, replicas);
      out.printf("%s now mounts %s, scaled back to %d%n", workload.ref(), o.target(), replicas);
    } else {
      printSwitch(o);
    }
    out.printf(
        "%s/%s keeps the original data; delete it when the workload runs well on %s%n",
        ns, o.source(), o.target());
  }

  private void printPlan(MigrationPlan plan) {
    MigrateOptions o = plan.options();
    out.printf(
        "migrate %s/%s (%s, %s, StorageClass %s) to %s (StorageClass %s)%n",
        o.namespace(),
        o.source(),
        String.join(",", plan.source().getSpec().getAccessModes()),
        Claims.size(plan.source()),
        plan.source().getSpec().getStorageClassName(),
        o.target(),
        o.storageClass());
    List<String> steps = plan.steps();
    for (int i = 0; i < steps.size(); i++) {
      out.printf("  %d. %s%n", i + 1, steps.get(i));
    }
    plan.notes().forEach(n -> out.println("  note: " + n));
  }

  /**
   * Scales the workload to 0, first writing its replica count onto the target claim (once: a rerun
   * finds the workload already at 0 and must not record that), then waits until no pod mounts the
   * source.
   */
  private void stop(MigrationPlan plan, Workload workload) {
    MigrateOptions o = plan.options();
    String ns = o.namespace();
    PersistentVolumeClaim target =
        client.persistentVolumeClaims().inNamespace(ns).withName(o.target()).get();
    Map<String, String> annotations = target.getMetadata().getAnnotations();
    if (annotations == null || !annotations.containsKey(MigrationLabels.REPLICAS)) {
      client
          .persistentVolumeClaims()
          .inNamespace(ns)
          .withName(o.target())
          .edit(
              c -> {
                if (c.getMetadata().getAnnotations() == null) {
                  c.getMetadata().setAnnotations(new HashMap<>());
                }
                c.getMetadata().getAnnotations().put(MigrationLabels.WORKLOAD, workload.ref());
                c.getMetadata()
                    .getAnnotations()
                    .put(MigrationLabels.REPLICAS, Integer.toString(workload.replicas()));
                return c;
              });
    }
    new Workloads(client, ns).scale(workload, 0);
    out.printf(
        "scaled %s to 0 (was %d); waiting until no pod mounts %s%n",
        workload.ref(), workload.replicas(), o.source());
    long deadline = System.nanoTime() + o.timeout().toNanos();
    while (client.pods().inNamespace(ns).list().getItems().stream()
        .anyMatch(p -> Claims.mounts(p, o.source()))) {
      if (System.nanoTime() > deadline) {
        throw new MigrationException(
            "pods still mount %s after %s: look at them (kubectl -n %s get pods), then run again"
                .formatted(o.source(), o.timeout(), ns));
      }
      sleep();
    }
  }

  private int recordedReplicas(MigrateOptions o) {
    String recorded =
        client
            .persistentVolumeClaims()
            .inNamespace(o.namespace())
            .withName(o.target())
            .get()
            .getMetadata()
            .getAnnotations()
            .get(MigrationLabels.REPLICAS);
    return Integer.parseInt(recorded);
  }

  /** Runs the copy Job (unless an earlier run did) and waits, bounded, for its end. */
  private void copy(MigrationPlan plan) {
    MigrateOptions o = plan.options();
    String ns = o.namespace();
    String name = plan.job().getMetadata().getName();
    if (!plan.jobExists()) {
      client.batch().v1().jobs().inNamespace(ns).resource(plan.job()).create();
      out.println("created Job " + ns + "/" + name + "; waiting at most " + o.timeout());
    }
    Job job;
    try {
      job =
          client
              .batch()
              .v1()
              .jobs()
              .inNamespace(ns)
              .withName(name)
              .waitUntilCondition(
                  j -> j == null || finished(j) != null,
                  o.timeout().toMillis(),
                  TimeUnit.MILLISECONDS);
    } catch (KubernetesClientTimeoutException e) {
      throw new MigrationException(
          "the copy has not finished after %s; it goes on: run the same command again to wait for it (kubectl -n %s logs job/%s)"
              .formatted(o.timeout(), ns, name));
    }
    if (job == null) {
      throw new MigrationException(
          "Job %s/%s was deleted while it ran: run again to start it anew".formatted(ns, name));
    }
    String log = log(ns, name);
    if (!log.isEmpty()) {
      out.print(log.endsWith("\n") ? log : log + "\n");
    }
    if (!"Complete".equals(finished(job))) {
      throw new MigrationException(
          "the copy failed (kubectl -n %s logs job/%s); %s/%s is untouched. Fix the cause, delete the Job (kubectl -n %s delete job %s) and run again"
              .formatted(ns, name, ns, o.source(), ns, name));
    }
    out.println("copied and verified: Job " + ns + "/" + name + " completed");
  }

  /** "Complete" or "Failed" once the Job has ended, else null. */
  static String finished(Job job) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return null;
    }
    return job.getStatus().getConditions().stream()
        .filter(c -> "True".equals(c.getStatus()))
        .map(JobCondition::getType)
        .filter(t -> t.equals("Complete") || t.equals("Failed"))
        .findFirst()
        .orElse(null);
  }

  /** The Job pod's log (the copy's report), or empty when it cannot be read. */
  private String log(String ns, String name) {
    try {
      String log = client.batch().v1().jobs().inNamespace(ns).withName(name).getLog();
      return log == null ? "" : log;
    } catch (KubernetesClientException e) {
      return "";
    }
  }

  /** The one-line change per workload that mounts the source (or what to change, if none). */
  private void printSwitch(MigrateOptions o) {
    List<Workload> users = new Workloads(client, o.namespace()).using(o.source());
    if (users.isEmpty()) {
      out.printf("to use the copy, mount claim %s instead of %s%n", o.target(), o.source());
    }
    for (Workload w : users) {
      out.printf(
          "to use the copy: kubectl -n %s patch %s %s --type json -p '%s'%n",
          o.namespace(), w.kind().toLowerCase(Locale.ROOT), w.name(), w.claimPatch(o.target()));
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MigrationException("interrupted");
    }
  }
}
