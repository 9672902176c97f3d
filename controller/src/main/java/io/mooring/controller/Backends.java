package io.mooring.controller;

import io.mooring.controller.backend.Backend;
import io.mooring.controller.backend.cephfs.CephfsBackend;
import io.mooring.controller.backend.gluster.GlusterBackend;
import io.mooring.controller.config.BackendConfig;
import io.mooring.controller.config.CephConfig;
import io.mooring.controller.config.GlusterConfig;
import io.mooring.errors.StorageException;
import io.mooring.exec.CommandRunner;
import io.mooring.mount.Mounter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured backends by name: built from the backends file, asked which one a request means,
 * and closed together.
 */
public final class Backends implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

  private final Map<String, Backend> byName;

  public Backends(Collection<? extends Backend> backends) {
    Map<String, Backend> map = new TreeMap<>();
    backends.forEach(b -> map.put(b.name(), b));
    this.byName = map;
  }

  /**
   * A backend for each configured one; on a failure, closes those built so far.
   *
   * @param stateDir where the controller keeps its mounts and ssh connections
   */
  public static Backends open(
      Collection<BackendConfig> configs, CommandRunner runner, Mounter mounter, Path stateDir) {
    List<Backend> opened = new ArrayList<>();
    try {
      for (BackendConfig config : configs) {
        opened.add(open(config, runner, mounter, stateDir));
      }
    } catch (RuntimeException e) {
      try {
        new Backends(opened).close();
      } catch (RuntimeException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
    return new Backends(opened);
  }

  private static Backend open(
      BackendConfig config, CommandRunner runner, Mounter mounter, Path stateDir) {
    if (config instanceof GlusterConfig gluster) {
      GlusterBackend backend = GlusterBackend.create(gluster, runner, mounter, stateDir);
      // At once, but apart: a Gluster server that is down makes the controller not ready, not fail.
      Thread check =
          new Thread(
              () ->
                  backend
                      .checkManagement()
                      .ifPresent(reason -> LOG.warn("backend {}: {}", gluster.name(), reason)),
              "check-" + gluster.name());
      check.setDaemon(true);
      check.start();
      return backend;
    }
    CephConfig ceph = (CephConfig) config; // BackendConfig is sealed: the only other kind
    return CephfsBackend.create(ceph, runner);
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
