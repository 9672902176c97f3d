package io.mooring.kube.doctor;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Finds the workloads that will hit single-attach failures, and the pods that already do. A
 * workload is a finding when more of its pods may run at once than its claim allows: its replicas,
 * or the new pod a rolling update starts beside the old one (Deployment maxSurge). A StatefulSet's
 * claims from volumeClaimTemplates are one per pod and never a finding; a claim its pod template
 * names is shared by all its replicas. A pod is a finding when it waits to start (Pending) with an
 * attach failure (FailedAttachVolume, e.g. "Multi-Attach error") or is not scheduled because of a
 * ReadWriteOncePod claim. A DaemonSet is a finding when it runs on more than one node.
 */
public final class Doctor {

  private static final String MIGRATE =
      "copy the data to a Mooring ReadWriteMany claim (mooring migrate) and use that";

  private static final Comparator<Finding> ORDER =
      Comparator.comparing(Finding::namespace)
          .thenComparing(Finding::kind)
          .thenComparing(Finding::name)
          .thenComparing(f -> Objects.requireNonNullElse(f.claim(), ""));

  private Doctor() {}

  /** Everything found, in a stable order (namespace, kind, name, claim). */
  static List<Finding> examine(Cluster cluster) {
    Claims claims = new Claims(cluster);
    List<Finding> found = new ArrayList<>();
    for (Deployment d : cluster.deployments()) {
      shared(found, claims, d, d.getSpec().getTemplate().getSpec(), Set.of(), Concurrency.of(d));
    }
    for (ReplicaSet rs : cluster.replicaSets()) {
      if (rs.getMetadata().getOwnerReferences().stream()
          .noneMatch(o -> "Deployment".equals(o.getKind()))) { // a Deployment's are its own
        shared(
            found,
            claims,
            rs,
            rs.getSpec().getTemplate().getSpec(),
            Set.of(),
            Concurrency.of(rs.getSpec().getReplicas()));
      }
    }
    for (StatefulSet s : cluster.statefulSets()) {
      Set<String> perPod =
          s.getSpec().getVolumeClaimTemplates().stream()
              .map(t -> t.getMetadata().getName())
              .collect(Collectors.toSet());
      shared(
          found,
          claims,
          s,
          s.getSpec().getTemplate().getSpec(),
          perPod,
          Concurrency.of(s.getSpec().getReplicas()));
    }
    for (DaemonSet ds : cluster.daemonSets()) {
      shared(found, claims, ds, ds.getSpec().getTemplate().getSpec(), Set.of(), Concurrency.of(ds));
    }
    for (Pod pod : cluster.pods()) {
      stuck(pod, cluster.events(), claims).ifPresent(found::add);
    }
    found.sort(ORDER);
    return found;
  }

  /**
   * The claims a pod template names (not {@code perPod}, which are the StatefulSet's own) that more
   * of its pods use at once than the claim allows.
   */
  private static void shared(
      List<Finding> found,
      Claims claims,
      HasMetadata workload,
      PodSpec template,
      Set<String> perPod,
      Concurrency concurrency) {
    if (concurrency.pods() < 2) {
      return;
    }
    ObjectMeta meta = workload.getMetadata();
    for (Volume volume : template.getVolumes()) {
      if (volume.getPersistentVolumeClaim() == null || perPod.contains(volume.getName())) {
        continue;
      }
      claims
          .limit(meta.getNamespace(), volume.getPersistentVolumeClaim().getClaimName())
          .ifPresent(limit -> found.add(finding(workload, limit, concurrency)));
    }
  }

  private static Finding finding(
      HasMetadata workload, Claims.Limit limit, Concurrency concurrency) {
    boolean rollout = concurrency.replicas() < 2; // only the surge pod shares the claim
    String breaks =
        switch (limit.reason()) {
          case READ_WRITE_ONCE_POD ->
              "only one pod may use the claim: the scheduler leaves the"
                  + (rollout ? " new pod" : " others")
                  + " Pending";
          case SINGLE_ATTACH_DRIVER ->
              limit.driver()
                  + " gives a filesystem volume to one node at a time: the claim is not"
                  + " provisioned, or its volume does not attach to a second node";
          default ->
              "the volume attaches to one node at a time: a pod on another node waits in"
                  + " ContainerCreating (Multi-Attach error) while a pod on the first one uses it";
        };
    if (rollout) {
      breaks += "; the old pod stays until the new one is ready, so the rollout hangs";
    }
    String fix =
        workload instanceof StatefulSet
            ? "give each replica a claim of its own (volumeClaimTemplates), or " + MIGRATE
            : workload instanceof DaemonSet
                ? MIGRATE
                : MIGRATE
                    + "; or run 1 replica with strategy Recreate (or RollingUpdate maxSurge 0)";
    return new Finding(
        workload.getKind(),
        workload.getMetadata().getNamespace(),
        workload.getMetadata().getName(),
        limit.reason(),
        limit.claim(),
        "claim "
            + limit.claim()
            + " ("
            + limit.describe()
            + ") is used by "
            + concurrency.describe(),
        breaks,
        fix);
  }

  /**
   * A pod that waits to start because of its volume: scheduled with a FailedAttachVolume event, or
   * not scheduled because another pod has its ReadWriteOncePod claim.
   */
  private static Optional<Finding> stuck(Pod pod, List<Event> events, Claims claims) {
    if (pod.getStatus() == null || !"Pending".equals(pod.getStatus().getPhase())) {
      return Optional.empty();
    }
    boolean scheduled = pod.getSpec().getNodeName() != null;
    return latest(pod, events, scheduled ? "FailedAttachVolume" : "FailedScheduling")
        .filter(e -> scheduled || e.getMessage().contains("ReadWriteOncePod"))
        .map(e -> stuckFinding(pod, scheduled, e.getMessage(), limitedClaim(pod, claims)));
  }

  /** The first of the pod's claims that is held to one node or pod, if any. */
  private static String limitedClaim(Pod pod, Claims claims) {
    return pod.getSpec().getVolumes().stream()
        .filter(v -> v.getPersistentVolumeClaim() != null)
        .map(
            v ->
                claims.limit(
                    pod.getMetadata().getNamespace(), v.getPersistentVolumeClaim().getClaimName()))
        .flatMap(Optional::stream)
        .map(Claims.Limit::claim)
        .findFirst()
        .orElse(null);
  }

  private static Finding stuckFinding(Pod pod, boolean scheduled, String message, String claim) {
    Reason reason =
        !scheduled
            ? Reason.READ_WRITE_ONCE_POD
            : message.contains("Multi-Attach") ? Reason.MULTI_ATTACH : Reason.FAILED_ATTACH;
    String breaks =
        switch (reason) {
          case READ_WRITE_ONCE_POD ->
              "the pod is not scheduled while another pod uses its" + " ReadWriteOncePod claim";
          case MULTI_ATTACH ->
              "the pod waits in ContainerCreating: its volume is attached to"
                  + " another node, and attaches here only once no pod there uses it";
          default -> "the pod waits in ContainerCreating: its volume does not attach to its node";
        };
    return new Finding(
        "Pod",
        pod.getMetadata().getNamespace(),
        pod.getMetadata().getName(),
        reason,
        claim,
        message,
        breaks,
        switch (reason) {
          case FAILED_ATTACH ->
              "see kubectl describe pod; a Mooring claim needs no attach (" + MIGRATE + ")";
          default ->
              "it starts once the other pod is gone (on a lost node: delete that pod); for"
                  + " good, "
                  + MIGRATE;
        });
  }

  /**
   * When an event last happened: lastTimestamp, or eventTime for those recorded through
   * events.k8s.io (RFC 3339 in UTC, so the strings sort by time).
   */
  private static String time(Event e) {
    if (e.getLastTimestamp() != null) {
      return e.getLastTimestamp();
    }
    return e.getEventTime() != null ? e.getEventTime().getTime() : "";
  }

  /** The pod's newest event with this reason. */
  private static Optional<Event> latest(Pod pod, List<Event> events, String reason) {
    ObjectMeta meta = pod.getMetadata();
    return events.stream()
        .filter(e -> reason.equals(e.getReason()) && e.getMessage() != null)
        .filter(e -> "Pod".equals(e.getInvolvedObject().getKind()))
        .filter(e -> meta.getName().equals(e.getInvolvedObject().getName()))
        .filter(e -> meta.getNamespace().equals(e.getInvolvedObject().getNamespace()))
        .filter(
            e ->
                e.getInvolvedObject().getUid() == null
                    || meta.getUid() == null
                    || meta.getUid()
                        .equals(e.getInvolvedObject().getUid())) // not a same-named old pod's
        .max(Comparator.comparing(Doctor::time));
  }
}
