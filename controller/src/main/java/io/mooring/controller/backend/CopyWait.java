package io.mooring.controller.backend;

import io.grpc.Context;
import io.grpc.Deadline;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * How long a call may wait for a copy (a restore, a clone, a copy-based snapshot) before it answers
 * that the copy goes on: its deadline less a margin to answer in, else {@link #WAIT}.
 */
public final class CopyWait {

  /** How long a call without a deadline waits for a copy. */
  public static final Duration WAIT = Duration.ofSeconds(10);

  /** Kept free of a caller's deadline to answer in. */
  public static final Duration MARGIN = Duration.ofSeconds(1);

  private CopyWait() {}

  /** The time the current call has left to wait (never negative). */
  public static Duration left() {
    Deadline deadline = Context.current().getDeadline();
    if (deadline == null) {
      return WAIT;
    }
    long ms = deadline.timeRemaining(TimeUnit.MILLISECONDS) - MARGIN.toMillis();
    return Duration.ofMillis(Math.max(0, ms));
  }
}
