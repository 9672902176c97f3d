package io.mooring.controller.backend.gluster;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The answer of a slow check (a command to a server) for Probe, which the livenessprobe sidecar
 * calls every few seconds with a short deadline: Probe always gets the last answer at once; an
 * answer older than the TTL starts one new check in the background.
 */
final class CachedCheck {

  private final Supplier<Optional<String>> check;
  private final Duration ttl;
  private final Clock clock;
  private final Executor background;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private volatile Optional<String> last;
  private volatile Instant checkedAt = Instant.MIN;

  /**
   * @param pending the answer until the first check has finished
   */
  CachedCheck(
      Supplier<Optional<String>> check,
      Duration ttl,
      Clock clock,
      Executor background,
      String pending) {
    this.check = check;
    this.ttl = ttl;
    this.clock = clock;
    this.background = background;
    this.last = Optional.of(pending);
  }

  /** A daemon thread per check: one every TTL at most. */
  static Executor daemonThreads(String name) {
    return task -> {
      Thread thread = new Thread(task, name);
      thread.setDaemon(true);
      thread.start();
    };
  }

  /** Why not ready, or empty: the last answer, never waiting for a check. */
  Optional<String> reason() {
    if (!clock.instant().isBefore(checkedAt.plus(ttl)) && scheduled.compareAndSet(false, true)) {
      background.execute(
          () -> {
            try {
              refresh();
            } finally {
              scheduled.set(false);
            }
          });
    }
    return last;
  }

  /** Checks now (after a check under way) and returns the answer. */
  synchronized Optional<String> refresh() {
    last = check.get();
    checkedAt = clock.instant();
    return last;
  }
}
