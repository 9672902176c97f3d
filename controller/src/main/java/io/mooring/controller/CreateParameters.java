package io.mooring.controller;

import io.mooring.controller.backend.DeletePolicy;
import io.mooring.errors.StorageException;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * StorageClass parameters of a CreateVolume request, validated. Keys under
 * {@code csi.storage.k8s.io/} come from the external-provisioner (PVC metadata, secret references)
 * and are accepted but not stored: they differ per claim, not per volume kind.
 */
record CreateParameters(String backend, DeletePolicy onDelete, Map<String, String> stored) {

  static final String BACKEND = "backend";
  static final Set<String> KNOWN = Set.of(BACKEND, DeletePolicy.PARAMETER);
  private static final String PROVISIONER_PREFIX = "csi.storage.k8s.io/";

  static CreateParameters parse(Map<String, String> parameters) {
    Map<String, String> stored = new TreeMap<>();
    Set<String> unknown = new TreeSet<>();
    parameters.forEach((key, value) -> {
      if (KNOWN.contains(key)) {
        stored.put(key, value);
      } else if (!key.startsWith(PROVISIONER_PREFIX)) {
        unknown.add(key);
      }
    });
    if (!unknown.isEmpty()) {
      throw StorageException.invalid("unknown parameters %s (known: %s, and %s* from the provisioner)",
          unknown, new TreeSet<>(KNOWN), PROVISIONER_PREFIX);
    }
    return new CreateParameters(stored.getOrDefault(BACKEND, ""),
        DeletePolicy.parse(stored.get(DeletePolicy.PARAMETER)), Map.copyOf(stored));
  }
}
