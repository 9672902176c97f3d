package io.mooring.controller;

import io.mooring.controller.backend.Backend;
import io.mooring.controller.backend.DeletePolicy;
import io.mooring.controller.backend.Snapshots;
import io.mooring.errors.StorageException;
import io.mooring.errors.Untrusted;
import io.mooring.volume.VolumeNames;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * StorageClass parameters of a CreateVolume request, validated. Keys under {@code
 * csi.storage.k8s.io/} come from the external-provisioner (PVC metadata, secret references) and are
 * accepted but not stored: they differ per claim, not per volume kind. Names follow ceph-csi where
 * they mean the same: {@code clusterID} is another name for {@code backend}, {@code
 * volumeNamePrefix} starts every directory / subvolume name, and {@code fsName} and {@code pool}
 * are CephFS's ({@link Backend#parameters()}).
 */
record CreateParameters(
    String backend,
    DeletePolicy onDelete,
    String namePrefix,
    boolean backingSnapshot,
    Map<String, String> stored) {

  static final String BACKEND = "backend";
  static final String CLUSTER_ID = "clusterID";
  static final String NAME_PREFIX = "volumeNamePrefix";

  /**
   * Stored with a volume restored from a snapshot (its ID), never taken from a request: a repeated
   * CreateVolume must name the same source, and the volume's answers name it.
   */
  static final String CONTENT_SOURCE = "contentSource";

  /** Parameters some backends understand and others refuse. */
  static final Set<String> BACKEND_SPECIFIC = Set.of("fsName", "pool", Snapshots.BACKING_SNAPSHOT);

  static final Set<String> KNOWN =
      Set.of(
          BACKEND,
          CLUSTER_ID,
          NAME_PREFIX,
          DeletePolicy.PARAMETER,
          "fsName",
          "pool",
          Snapshots.BACKING_SNAPSHOT);
  private static final String PROVISIONER_PREFIX = "csi.storage.k8s.io/";

  /**
   * Checks the parameters of a class that takes none of its own (VolumeSnapshotClass,
   * VolumeGroupSnapshotClass): only the sidecars' {@value #PROVISIONER_PREFIX} keys.
   *
   * @throws StorageException INVALID_ARGUMENT for any other key
   */
  static void requireNone(Map<String, String> parameters, String what) {
    Set<String> unknown = new TreeSet<>(parameters.keySet());
    unknown.removeIf(key -> key.startsWith(PROVISIONER_PREFIX));
    if (!unknown.isEmpty()) {
      throw StorageException.invalid(
          "unknown parameters %s: Mooring's %s takes none", unknown, what);
    }
  }

  /**
   * Short enough that prefix and {@link VolumeNames#dirFor} stay within a volume ID's directory.
   */
  private static final Pattern PREFIX = Pattern.compile("[a-z0-9][a-z0-9-]{0,21}");

  static CreateParameters parse(Map<String, String> parameters) {
    Map<String, String> stored = new TreeMap<>();
    Set<String> unknown = new TreeSet<>();
    parameters.forEach(
        (key, value) -> {
          if (KNOWN.contains(key)) {
            stored.put(key, value);
          } else if (!key.startsWith(PROVISIONER_PREFIX)) {
            unknown.add(key);
          }
        });
    if (!unknown.isEmpty()) {
      throw StorageException.invalid(
          "unknown parameters %s (known: %s, and %s* from the provisioner)",
          unknown, new TreeSet<>(KNOWN), PROVISIONER_PREFIX);
    }
    String backend = stored.getOrDefault(BACKEND, "");
    String clusterId = stored.getOrDefault(CLUSTER_ID, "");
    if (!backend.isEmpty() && !clusterId.isEmpty() && !backend.equals(clusterId)) {
      throw StorageException.invalid(
          "parameters %s and %s name the same thing but differ (%s, %s)",
          BACKEND, CLUSTER_ID, Untrusted.quote(backend), Untrusted.quote(clusterId));
    }
    String prefix = stored.getOrDefault(NAME_PREFIX, "");
    if (!prefix.isEmpty() && !PREFIX.matcher(prefix).matches()) {
      throw StorageException.invalid(
          "parameter %s %s must be 1-22 lowercase letters, digits or '-', starting with"
              + " a letter or digit (e.g. csi-vol-)",
          NAME_PREFIX, Untrusted.quote(prefix));
    }
    String backing = stored.getOrDefault(Snapshots.BACKING_SNAPSHOT, "false");
    if (!backing.equals("true") && !backing.equals("false")) {
      throw StorageException.invalid(
          "parameter %s %s must be true or false",
          Snapshots.BACKING_SNAPSHOT, Untrusted.quote(backing));
    }
    if (backing.equals("false")) {
      stored.remove(Snapshots.BACKING_SNAPSHOT); // the default: volumes stay comparable
    }
    return new CreateParameters(
        backend.isEmpty() ? clusterId : backend,
        DeletePolicy.parse(stored.get(DeletePolicy.PARAMETER)),
        prefix,
        backing.equals("true"),
        Map.copyOf(stored));
  }

  /** The directory / subvolume name of the request name. */
  String dirFor(String requestName) {
    return namePrefix + VolumeNames.dirFor(requestName);
  }

  /**
   * Checks that the chosen backend understands the backend-specific parameters given, and their
   * values.
   *
   * @throws StorageException INVALID_ARGUMENT when it does not
   */
  void requireSupportedBy(Backend chosen) {
    for (String key : new TreeSet<>(stored.keySet())) {
      if (BACKEND_SPECIFIC.contains(key) && !chosen.parameters().contains(key)) {
        throw StorageException.invalid(
            "parameter %s does not apply to backend %s (it takes %s)",
            key,
            chosen.name(),
            chosen.parameters().isEmpty()
                ? "none of " + new TreeSet<>(BACKEND_SPECIFIC)
                : chosen.parameters());
      }
    }
    chosen.checkParameters(stored);
  }
}
