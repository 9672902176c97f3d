package io.mooring.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ReadinessChecksTest {

  @Test
  void withoutChecksAlwaysReady() {
    try (ReadinessChecks readiness = new ReadinessChecks(List.of(), Duration.ofMillis(100))) {
      assertEquals(Optional.empty(), readiness.notReadyReason());
    }
  }

  @Test
  void theFirstBackendWithAReasonDecides() {
    try (ReadinessChecks readiness = new ReadinessChecks(List.of(Optional::empty, () -> Optional.of("b down"),
        () -> Optional.of("c down")), Duration.ofSeconds(5))) {
      assertEquals(Optional.of("b down"), readiness.notReadyReason());
    }
  }

  /** A hung backend check costs Probe and /readyz the bound, never their answer. */
  @Test
  void aSlowCheckAnswersNotReadyWithinTheBoundAndKeepsTheLastReason() throws Exception {
    Semaphore release = new Semaphore(0);
    AtomicReference<String> reason = new AtomicReference<>("Ceph cluster at 10.0.0.1:6789 is unreachable");
    AtomicInteger started = new AtomicInteger();
    Readiness hanging = () -> {
      started.incrementAndGet();
      release.acquireUninterruptibly();
      return Optional.ofNullable(reason.get());
    };
    try (ReadinessChecks readiness = new ReadinessChecks(List.of(hanging), Duration.ofMillis(200))) {
      long t0 = System.nanoTime();
      Optional<String> first = readiness.notReadyReason();
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(millis < 2000, "answered after " + millis + " ms");
      assertEquals(Optional.of("backend health checks take longer than 200 ms (a backend is slow or unreachable)"),
          first);
      // Still the same round: no second check is started while one hangs.
      readiness.notReadyReason();
      assertEquals(1, started.get(), "one check in flight at a time");

      release.release();
      assertEquals(Optional.of("Ceph cluster at 10.0.0.1:6789 is unreachable"), readiness.notReadyReason());
      // The next round hangs again: the answer keeps the last known reason.
      assertEquals(Optional.of("Ceph cluster at 10.0.0.1:6789 is unreachable; backend health checks take longer "
          + "than 200 ms (a backend is slow or unreachable)"), readiness.notReadyReason());
      assertEquals(2, started.get());
      reason.set(null);
      release.release();
      assertEquals(Optional.empty(), readiness.notReadyReason(), "ready again once the backend answers");
    }
  }
}
