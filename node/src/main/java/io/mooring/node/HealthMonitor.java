package io.mooring.node;

import io.mooring.errors.StorageException;
import io.mooring.mount.Health;
import io.mooring.mount.MountTable;
import io.mooring.rpc.Metrics;
import io.mooring.volume.KeyedLocks;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks every FUSE client on a timer (and when an RPC asks for it): heals dead clients and stale
 * binds, releases clients nothing uses any more, and reports how many clients of each backend are
 * in each state as the {@code mooring_mounts} gauge (a Gluster backend has one client, a CephFS
 * backend one per staged volume).
 */
final class HealthMonitor implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HealthMonitor.class);

  private final List<SharedMounts<?>> kinds;
  private final Metrics metrics;
  private final Duration interval;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          task -> {
            Thread thread = new Thread(task, "mooring-mount-health");
            thread.setDaemon(true);
            return thread;
          });
  private final AtomicBoolean wakePending = new AtomicBoolean();

  /** Backends reported last time, so that a backend whose clients are all gone goes back to 0. */
  private final Set<String> reported = new HashSet<>();

  HealthMonitor(List<SharedMounts<?>> kinds, Metrics metrics, Duration interval) {
    this.kinds = List.copyOf(kinds);
    this.metrics = metrics;
    this.interval = interval;
  }

  /** Logs the clients and binds a previous run of the plugin left, as they are adopted. */
  void logAdopted(MountTable table) {
    int count = 0;
    for (SharedMounts<?> mounts : kinds) {
      for (String client : mounts.clients()) {
        count++;
        SharedMounts.View view = mounts.view(table, client);
        LOG.info(
            "adopting {}: {} at {}, {} bind mounts ({} not on the client)",
            mounts.kind().describe(client),
            view.client()
                .map(c -> c.source() + " (device " + c.device() + ")")
                .orElse("not mounted"),
            mounts.path(client),
            view.binds().size(),
            view.stale().size());
      }
    }
    if (count == 0) {
      LOG.info("no FUSE clients to adopt");
    }
  }

  void start() {
    timer.scheduleWithFixedDelay(
        this::checkQuietly, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Runs a check soon on the monitor thread; calls while one is pending add nothing. */
  void wake() {
    if (wakePending.compareAndSet(false, true)) {
      timer.execute(
          () -> {
            wakePending.set(false);
            checkQuietly();
          });
    }
  }

  /** One pass over all clients. */
  synchronized void check() {
    Map<String, Map<Health.State, Integer>> states = new TreeMap<>();
    Set<String> busy = new HashSet<>();
    for (SharedMounts<?> mounts : kinds) {
      for (String client : mounts.clients()) {
        String backend = mounts.kind().backend(client);
        Map<Health.State, Integer> counts =
            states.computeIfAbsent(backend, b -> new EnumMap<>(Health.State.class));
        try (KeyedLocks.Held held = mounts.lock(client)) {
          if (mounts.releaseIfUnused(client)) {
            LOG.info("released {}: no volume uses it", mounts.kind().describe(client));
          } else {
            counts.merge(mounts.heal(client).state(), 1, Integer::sum);
          }
        } catch (StorageException e) {
          if (e.kind() == StorageException.Kind.BUSY) {
            LOG.debug("{} is busy; checking it next time", mounts.kind().describe(client));
            busy.add(backend);
          } else {
            LOG.warn("{}: {}", mounts.kind().describe(client), e.getMessage());
            counts.merge(Health.State.DEAD, 1, Integer::sum);
          }
        }
      }
    }
    reported.removeAll(states.keySet());
    reported.forEach(backend -> report(backend, Map.of()));
    reported.clear();
    reported.addAll(states.keySet());
    states.keySet().removeAll(busy); // keeps the last figures of a backend an RPC holds
    states.forEach(this::report);
  }

  private void checkQuietly() {
    try {
      check();
    } catch (RuntimeException e) {
      // the timer would stop for good if this escaped
      LOG.error("mount health check failed", e);
    }
  }

  /**
   * One gauge per state: how many of the backend's clients are in it; all 0 once they are released.
   */
  private void report(String backend, Map<Health.State, Integer> counts) {
    for (Health.State state : Health.State.values()) {
      metrics.mountState(
          backend, state.name().toLowerCase(Locale.ROOT), counts.getOrDefault(state, 0));
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
