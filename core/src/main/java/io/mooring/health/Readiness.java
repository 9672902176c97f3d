package io.mooring.health;

import java.util.List;
import java.util.Optional;

/** Something that can make the plugin not ready, e.g. an unreachable backend. */
@FunctionalInterface
public interface Readiness {

  /**
   * Empty when ready; otherwise why not. May block, unless it is a {@link HealthCheck}, which is
   * what Probe and /readyz must be given.
   */
  Optional<String> notReadyReason();

  /** Ready when all are: the first reason, in order. */
  static Readiness firstOf(List<? extends Readiness> checks) {
    List<Readiness> all = List.copyOf(checks);
    return () -> all.stream().map(Readiness::notReadyReason).flatMap(Optional::stream).findFirst();
  }
}
