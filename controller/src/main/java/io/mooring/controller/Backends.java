package io.mooring.controller;

import io.mooring.controller.backend.Backend;
import io.mooring.errors.StorageException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The configured backends by name; picks the one a request means. */
final class Backends {

  private final Map<String, Backend> byName;

  Backends(Collection<Backend> backends) {
    Map<String, Backend> map = new TreeMap<>();
    backends.forEach(b -> map.put(b.name(), b));
    this.byName = map;
  }

  Optional<Backend> find(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** The named backend, or the only one when none is named. */
  Backend choose(String name) {
    if (name.isEmpty()) {
      if (byName.size() == 1) {
        return byName.values().iterator().next();
      }
      throw StorageException.invalid(
          "parameter %s is required: configured backends are %s",
          CreateParameters.BACKEND, byName.keySet());
    }
    return find(name)
        .orElseThrow(
            () ->
                StorageException.invalid(
                    "unknown backend %s: configured backends are %s", name, byName.keySet()));
  }

  /** All backends, sorted by name. */
  List<Backend> all() {
    return List.copyOf(byName.values());
  }
}
