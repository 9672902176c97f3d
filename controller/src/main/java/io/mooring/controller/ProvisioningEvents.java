package io.mooring.controller;

import io.mooring.errors.StorageException;
import io.mooring.events.ClusterEvents;
import io.mooring.events.VolumeObjects;
import java.util.Map;
import java.util.Optional;

/**
 * A Warning Event on the claim when CreateVolume fails for a reason only an administrator can fix
 * (the backend is unreachable or slow, full, refuses Mooring's credentials, or is misconfigured),
 * next to the provisioner's own ProvisioningFailed: it says which storage system needs attention.
 * Failures the request causes (parameters, sizes, names) or that pass by themselves (a volume busy)
 * are the provisioner's to report.
 */
final class ProvisioningEvents {

  private final ClusterEvents events;

  ProvisioningEvents(ClusterEvents events) {
    this.events = events;
  }

  /** The reason an administrator's failure is reported with; none for the others. */
  static Optional<String> reason(StorageException.Kind kind) {
    return Optional.ofNullable(
        switch (kind) {
          case UNAVAILABLE -> "BackendUnavailable";
          case DEADLINE_EXCEEDED -> "BackendSlow";
          case EXHAUSTED -> "BackendExhausted";
          case PERMISSION_DENIED -> "BackendAccessDenied";
          case FAILED_PRECONDITION -> "BackendMisconfigured";
          case INTERNAL -> "BackendFailed";
          default -> null;
        });
  }

  /** Reports {@code failure} of a CreateVolume with these parameters on its claim, if it is one. */
  void createFailed(Map<String, String> parameters, StorageException failure) {
    Optional<String> reason = reason(failure.kind());
    if (reason.isEmpty()) {
      return;
    }
    VolumeObjects.claimOfParameters(parameters)
        .ifPresent(
            claim ->
                events.record(
                    claim,
                    ClusterEvents.Type.Warning,
                    reason.get(),
                    "Provision",
                    "Mooring cannot create this claim's volume until an administrator acts: "
                        + failure.getMessage()
                        + " (the provisioner retries)"));
  }
}
