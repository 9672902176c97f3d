package io.mooring.health;

import java.util.Optional;

/** Something that can make the plugin not ready, e.g. an unreachable backend. */
@FunctionalInterface
public interface Readiness {

  /** Empty when ready; otherwise why not. May block: {@link ReadinessChecks} bounds the wait. */
  Optional<String> notReadyReason();
}
