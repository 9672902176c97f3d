package io.mooring.controller;

import csi.v1.Csi.TopologyRequirement;
import io.mooring.controller.backend.Backend;
import io.mooring.controller.backend.cephfs.CephfsBackend;
import io.mooring.controller.backend.gluster.GlusterBackend;
import io.mooring.controller.config.BackendConfig;
import io.mooring.controller.config.CephConfig;
import io.mooring.controller.config.GlusterConfig;
import io.mooring.errors.StorageException;
import io.mooring.exec.CommandRunner;
import io.mooring.health.HealthCheck;
import io.mooring.health.Readiness;
import io.mooring.mount.Mounter;
import io.mooring.rpc.Metrics;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executor;

/**
 * The configured backends by name: built from the backends file, asked which one a request means,
 * checked for health, and closed together. Ready when every backend is healthy.
 */
public final class Backends implements Readiness, AutoCloseable {

  /** How old a backend's health may be before a caller's question starts a new check. */
  static final Duration HEALTH_TTL = Duration.ofSeconds(5);

  /** How long a health check may run before the backend counts as not answering. */
  static final Duration HEALTH_BOUND = Duration.ofSeconds(2);

  private final Map<String, Backend> byName;
  private final Map<String, HealthCheck> health;

  /** The segments of the backends that have a {@code topology:}, by name. */
  private final Map<String, Map<String, String>> topology;

  public Backends(Collection<? extends Backend> backends) {
    this(backends, Map.of());
  }

  /**
   * @param topology the segments of the backends reachable from some nodes only, by name
   */
  Backends(Collection<? extends Backend> backends, Map<String, Map<String, String>> topology) {
    this(backends, topology, Clock.systemUTC(), HealthCheck.daemonThreads("backend-health"));
  }

  /**
   * @param background runs the health checks
   */
  Backends(
      Collection<? extends Backend> backends,
      Map<String, Map<String, String>> topology,
      Clock clock,
      Executor background) {
    Map<String, Backend> map = new TreeMap<>();
    backends.forEach(b -> map.put(b.name(), b));
    this.byName = map;
    this.topology = Map.copyOf(topology);
    Map<String, HealthCheck> checks = new TreeMap<>();
    map.forEach(
        (name, backend) ->
            checks.put(
                name,
                new HealthCheck(
                    "backend " + name,
                    backend::unhealthyReason,
                    HEALTH_TTL,
                    HEALTH_BOUND,
                    clock,
                    background)));
    this.health = checks;
  }

  /**
   * A backend for each configured one; on a failure, closes those built so far.
   *
   * @param stateDir where the controller keeps its mounts and ssh connections
   * @param metrics gets the CephFS backends' librados calls
   */
  public static Backends open(
      Collection<BackendConfig> configs,
      CommandRunner runner,
      Mounter mounter,
      Path stateDir,
      Metrics metrics) {
    List<Backend> opened = new ArrayList<>();
    try {
      for (BackendConfig config : configs) {
        opened.add(open(config, runner, mounter, stateDir, metrics));
      }
    } catch (RuntimeException e) {
      try {
        new Backends(opened).close();
      } catch (RuntimeException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
    Map<String, Map<String, String>> topology = new TreeMap<>();
    configs.stream()
        .filter(c -> !c.topology().isEmpty())
        .forEach(c -> topology.put(c.name(), c.topology()));
    Backends backends = new Backends(opened, topology);
    // At once, but apart: a server that is down makes the controller not ready, not fail.
    backends.health.values().forEach(HealthCheck::start);
    return backends;
  }

  private static Backend open(
      BackendConfig config, CommandRunner runner, Mounter mounter, Path stateDir, Metrics metrics) {
    if (config instanceof GlusterConfig gluster) {
      return GlusterBackend.create(gluster, runner, mounter, stateDir);
    }
    CephConfig ceph = (CephConfig) config; // BackendConfig is sealed: the only other kind
    return CephfsBackend.create(ceph, runner, metrics);
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

  /**
   * The backend for a new volume: the named one, or the only one, or, when none is named, some
   * backends have a topology and the request has requirements, the best of all by {@link
   * Placement}.
   *
   * @throws StorageException EXHAUSTED when the backend to use is not reachable from a requisite
   *     topology; INVALID_ARGUMENT as {@link #choose(String)}
   */
  Backend choose(String name, TopologyRequirement need) {
    boolean placed = need.getRequisiteCount() > 0 || need.getPreferredCount() > 0;
    if (name.isEmpty() && byName.size() > 1 && placed && hasTopology()) {
      return Placement.choose(all(), topology, need);
    }
    return requireReachable(choose(name), need);
  }

  /**
   * {@code backend}, if it meets the requisite topologies.
   *
   * @throws StorageException EXHAUSTED when it does not
   */
  Backend requireReachable(Backend backend, TopologyRequirement need) {
    if (!Placement.reachable(topologyOf(backend), need)) {
      throw Placement.unreachable(List.of(backend), topology, need);
    }
    return backend;
  }

  /** The backend's topology segments; empty when every node reaches it. */
  Map<String, String> topologyOf(Backend backend) {
    return topology.getOrDefault(backend.name(), Map.of());
  }

  /**
   * Whether some backend is reachable from some nodes only: then the plugin has the
   * VOLUME_ACCESSIBILITY_CONSTRAINTS capability.
   */
  public boolean hasTopology() {
    return !topology.isEmpty();
  }

  /** Why the backend cannot serve now, if it cannot: its last health check's answer. */
  Optional<String> unhealthyReason(Backend backend) {
    return health.get(backend.name()).notReadyReason();
  }

  @Override
  public Optional<String> notReadyReason() {
    return Readiness.firstOf(List.copyOf(health.values())).notReadyReason();
  }

  /** All backends, sorted by name. */
  public List<Backend> all() {
    return List.copyOf(byName.values());
  }

  /** Closes every backend (mounts, connections), even when one fails to; then throws the first. */
  @Override
  public void close() {
    RuntimeException failed = null;
    for (Backend backend : byName.values()) {
      try {
        backend.close();
      } catch (RuntimeException e) {
        if (failed == null) {
          failed = e;
        } else {
          failed.addSuppressed(e);
        }
      }
    }
    if (failed != null) {
      throw failed;
    }
  }
}
