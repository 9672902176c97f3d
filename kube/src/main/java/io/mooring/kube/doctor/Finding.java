package io.mooring.kube.doctor;

/**
 * One workload or pod that hits, or will hit, a single-attach failure; {@code -o json} prints these
 * fields (new ones may be added, none renamed).
 *
 * @param kind Deployment, ReplicaSet, StatefulSet, DaemonSet or Pod
 * @param claim the PersistentVolumeClaim at fault; null (left out of the JSON) for a pod none of
 *     whose claims is held to one node
 * @param summary what was found, in one line
 * @param breaks what goes wrong because of it
 * @param fix what to change
 */
public record Finding(
    String kind,
    String namespace,
    String name,
    Reason reason,
    String claim,
    String summary,
    String breaks,
    String fix) {}
