package io.mooring.kube.doctor;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategy;

/**
 * How many pods of one template may run at once: the replicas, plus the surge pod a Deployment's
 * rolling update starts before it stops an old one; or a DaemonSet's pods, one per node.
 */
record Concurrency(int replicas, int surge, boolean perNode) {

  /** The Deployment default for maxSurge (and maxUnavailable). */
  private static final String DEFAULT_SURGE = "25%";

  /**
   * A workload without rollout surge: ReplicaSet, StatefulSet (which stops a pod before it replaces
   * it).
   */
  static Concurrency of(Integer replicas) {
    return new Concurrency(replicas != null ? replicas : 1, 0, false);
  }

  /**
   * The nodes a DaemonSet runs on. (Its own maxSurge puts the new pod on the old one's node: only a
   * ReadWriteOncePod claim would mind, and a DaemonSet on one node with such a claim is rare.)
   */
  static Concurrency of(DaemonSet daemonSet) {
    Integer nodes =
        daemonSet.getStatus() != null ? daemonSet.getStatus().getDesiredNumberScheduled() : null;
    return new Concurrency(nodes != null ? nodes : 0, 0, true);
  }

  static Concurrency of(Deployment deployment) {
    int replicas = of(deployment.getSpec().getReplicas()).replicas();
    DeploymentStrategy strategy = deployment.getSpec().getStrategy();
    if (strategy != null && "Recreate".equals(strategy.getType())) {
      return new Concurrency(replicas, 0, false);
    }
    IntOrString maxSurge =
        strategy != null && strategy.getRollingUpdate() != null
            ? strategy.getRollingUpdate().getMaxSurge()
            : null;
    return new Concurrency(replicas, surge(maxSurge, replicas), false);
  }

  /**
   * maxSurge as the deployment controller resolves it: a number, or a percentage of the replicas
   * rounded up (maxUnavailable rounds down); 25% when unset.
   */
  static int surge(IntOrString maxSurge, int replicas) {
    Object value =
        maxSurge != null && maxSurge.getValue() != null ? maxSurge.getValue() : DEFAULT_SURGE;
    if (value instanceof Integer count) {
      return count;
    }
    String text = value.toString();
    if (!text.endsWith("%")) {
      return Integer.parseInt(text); // the API server accepts only ints and "N%"
    }
    int percent = Integer.parseInt(text.substring(0, text.length() - 1));
    return (int) Math.ceil(percent * (double) replicas / 100);
  }

  /** The most pods that run at once. */
  int pods() {
    return replicas + surge;
  }

  /** Who uses a claim, for a sentence "claim ... is used by {this}"; when {@link #pods} > 1. */
  String describe() {
    if (perNode) {
      return "its pods on " + replicas + " nodes";
    }
    if (replicas > 1) {
      return replicas + " replicas" + (surge > 0 ? ", " + pods() + " during a rolling update" : "");
    }
    return "1 replica and, in a rolling update, the new pod started beside it (maxSurge "
        + surge
        + ")";
  }
}
