package io.mooring.controller.backend.gluster;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The answer of a slow check (a command to a server) for Probe, which is called every few
 * seconds: reused while younger than the TTL, and never waited for by a second caller, who gets
 * the last answer instead.
 */
final class CachedCheck {

  private final Supplier<Optional<String>> check;
  private final Duration ttl;
  private final Clock clock;
  private final ReentrantLock running = new ReentrantLock();
  private volatile Optional<String> last;
  private volatile Instant checkedAt = Instant.MIN;

  /** @param pending the answer until the first check has finished */
  CachedCheck(Supplier<Optional<String>> check, Duration ttl, Clock clock, String pending) {
    this.check = check;
    this.ttl = ttl;
    this.clock = clock;
    this.last = Optional.of(pending);
  }

  /** Why not ready, or empty. */
  Optional<String> reason() {
    if (clock.instant().isBefore(checkedAt.plus(ttl)) || !running.tryLock()) {
      return last;
    }
    try {
      return refreshLocked();
    } finally {
      running.unlock();
    }
  }

  /** Checks now, waiting for a check under way to finish first. */
  Optional<String> refresh() {
    running.lock();
    try {
      return refreshLocked();
    } finally {
      running.unlock();
    }
  }

  private Optional<String> refreshLocked() {
    last = check.get();
    checkedAt = clock.instant();
    return last;
  }
}
