package io.mooring.events;

/**
 * Where the plugins report what happened to a user's objects, as Kubernetes Events (the
 * implementation is in module kube, so that the plugins never load an API client unless they run
 * with one). Recording never blocks and never fails: an Event that cannot be written is dropped,
 * and the caller's RPC goes on as if there were none.
 */
public interface ClusterEvents {

  /** Events are off: outside a cluster, or turned off. */
  ClusterEvents OFF = (regarding, type, reason, action, message) -> {};

  /** The two types Kubernetes knows. */
  enum Type {
    Normal,
    Warning
  }

  /**
   * Records an Event about {@code regarding}, or counts it again when the same one (object, type,
   * reason, message) was recorded recently.
   *
   * @param reason why, in UpperCamelCase (e.g. {@code VolumeRemounted})
   * @param action what was done or failed (e.g. {@code Remount})
   * @param message for people: what happened and what to do; never a secret
   */
  void record(ObjectRef regarding, Type type, String reason, String action, String message);
}
