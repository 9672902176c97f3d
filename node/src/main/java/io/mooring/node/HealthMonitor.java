package io.mooring.node;

import io.mooring.errors.StorageException;
import io.mooring.mount.MountTable;
import io.mooring.server.KeyedLocks;
import io.mooring.server.Metrics;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks every backend's glusterfs client on a timer (and when an RPC asks for it): heals dead
 * clients and stale binds, releases clients nothing uses any more, and reports each backend's
 * state as the {@code mooring_mounts} gauge.
 */
final class HealthMonitor implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HealthMonitor.class);

  private final SharedMounts mounts;
  private final Metrics metrics;
  private final Duration interval;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(task -> {
    Thread thread = new Thread(task, "mooring-mount-health");
    thread.setDaemon(true);
    return thread;
  });
  private final AtomicBoolean wakePending = new AtomicBoolean();

  HealthMonitor(SharedMounts mounts, Metrics metrics, Duration interval) {
    this.mounts = mounts;
    this.metrics = metrics;
    this.interval = interval;
  }

  /** Logs the clients and binds a previous run of the plugin left, as they are adopted. */
  void logAdopted(MountTable table) {
    Set<String> backends = mounts.backends();
    if (backends.isEmpty()) {
      LOG.info("no glusterfs clients to adopt");
    }
    for (String backend : backends) {
      SharedMounts.View view = mounts.view(table, backend);
      LOG.info("adopting backend {}: client {} at {}, {} bind mounts ({} not on the client)", backend,
          view.client().map(c -> c.source() + " (device " + c.device() + ")").orElse("not mounted"),
          mounts.path(backend), view.binds().size(), view.stale().size());
    }
  }

  void start() {
    timer.scheduleWithFixedDelay(this::checkQuietly, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Runs a check soon on the monitor thread; calls while one is pending add nothing. */
  void wake() {
    if (wakePending.compareAndSet(false, true)) {
      timer.execute(() -> {
        wakePending.set(false);
        checkQuietly();
      });
    }
  }

  /** One pass over all backends. */
  void check() {
    for (String backend : mounts.backends()) {
      try (KeyedLocks.Held held = mounts.lock(backend)) {
        if (mounts.releaseIfUnused(backend)) {
          LOG.info("released the glusterfs client of backend {}: no volume uses it", backend);
          report(backend, null);
        } else {
          report(backend, mounts.heal(backend).state());
        }
      } catch (StorageException e) {
        if (e.kind() == StorageException.Kind.BUSY) {
          LOG.debug("backend {} is busy; checking it next time", backend);
        } else {
          LOG.warn("backend {}: {}", backend, e.getMessage());
          report(backend, Health.State.DEAD);
        }
      }
    }
  }

  private void checkQuietly() {
    try {
      check();
    } catch (RuntimeException e) {
      // the timer would stop for good if this escaped
      LOG.error("mount health check failed", e);
    }
  }

  /** One gauge per state, 1 for the current one; all 0 once the client is released. */
  private void report(String backend, Health.State current) {
    for (Health.State state : EnumSet.allOf(Health.State.class)) {
      metrics.mountState(backend, state.name().toLowerCase(Locale.ROOT), state == current ? 1 : 0);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
