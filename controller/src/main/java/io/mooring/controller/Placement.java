package io.mooring.controller;

import csi.v1.Csi.TopologyRequirement;
import io.mooring.controller.backend.Backend;
import io.mooring.errors.StorageException;
import io.mooring.volume.Topology;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Which backend a CreateVolume may use, by its accessibility_requirements (CSI spec): the volume
 * must be reachable from at least one requisite topology, and preferred ones are tried first. A
 * backend is reachable from a topology that has each of its segments; one without segments from
 * everywhere.
 */
final class Placement {

  private Placement() {}

  /**
   * The best of {@code candidates} for {@code need}: the first (in name order) that is reachable
   * from the earliest preferred topology it has segments for; else the first with segments that a
   * requisite topology reaches; else the first without segments.
   *
   * @param topology each candidate's segments, by name; a candidate not in it has none
   * @throws StorageException EXHAUSTED when none is reachable from a requisite topology
   */
  static Backend choose(
      List<Backend> candidates,
      Map<String, Map<String, String>> topology,
      TopologyRequirement need) {
    Comparator<Backend> order =
        Comparator.<Backend>comparingInt(b -> rank(segments(topology, b), need))
            .thenComparing(Backend::name);
    return candidates.stream()
        .filter(b -> reachable(segments(topology, b), need))
        .min(order)
        .orElseThrow(() -> unreachable(candidates, topology, need));
  }

  /** Whether a backend with {@code segments} meets the requisite topologies, if any. */
  static boolean reachable(Map<String, String> segments, TopologyRequirement need) {
    return need.getRequisiteCount() == 0
        || need.getRequisiteList().stream()
            .anyMatch(t -> Topology.reachableFrom(segments, t.getSegmentsMap()));
  }

  /** Lower is better: the preferred topology's index, then zoned ones, then those everywhere. */
  private static int rank(Map<String, String> segments, TopologyRequirement need) {
    if (segments.isEmpty()) {
      return Integer.MAX_VALUE;
    }
    for (int i = 0; i < need.getPreferredCount(); i++) {
      if (Topology.reachableFrom(segments, need.getPreferred(i).getSegmentsMap())) {
        return i;
      }
    }
    return Integer.MAX_VALUE - 1;
  }

  private static Map<String, String> segments(
      Map<String, Map<String, String>> topology, Backend backend) {
    return topology.getOrDefault(backend.name(), Map.of());
  }

  static StorageException unreachable(
      List<Backend> candidates,
      Map<String, Map<String, String>> topology,
      TopologyRequirement need) {
    return new StorageException(
        StorageException.Kind.EXHAUSTED,
        "no backend this request may use ("
            + String.join(
                ", ", candidates.stream().map(b -> b.name() + " " + segments(topology, b)).toList())
            + ") is reachable from the requisite topologies "
            + need.getRequisiteList().stream().map(t -> t.getSegmentsMap().toString()).toList());
  }
}
