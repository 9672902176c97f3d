package io.mooring.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ReadinessChecksTest {

  @Test
  void withoutChecksAlwaysReady() {
    try (ReadinessChecks readiness = new ReadinessChecks(List.of(), Duration.ofMillis(100))) {
      assertEquals(Optional.empty(), readiness.notReadyReason());
    }
  }

  @Test
  void theFirstBackendWithAReasonDecides() {
    try (ReadinessChecks readiness =
        new ReadinessChecks(
            List.of(Optional::empty, () -> Optional.of("b down"), () -> Optional.of("c down")),
            Duration.ofSeconds(5))) {
      assertEquals(Optional.of("b down"), readiness.notReadyReason());
    }
  }

  /** A hung backend check costs Probe and /readyz the bound, never their answer. */
  @Test
  void aSlowCheckAnswersNotReadyWithinTheBoundAndKeepsTheLastReason() throws Exception {
    Semaphore release = new Semaphore(0);
    AtomicReference<String> reason =
        new AtomicReference<>("Ceph cluster at 10.0.0.1:6789 is unreachable");
    AtomicInteger started = new AtomicInteger();
    Readiness hanging =
        () -> {
          started.incrementAndGet();
          release.acquireUninterruptibly();
          return Optional.ofNullable(reason.get());
        };
    try (ReadinessChecks readiness =
        new ReadinessChecks(List.of(hanging), Duration.ofMillis(200))) {
      long t0 = System.nanoTime();
      Optional<String> first = readiness.notReadyReason();
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(millis < 2000, "answered after " + millis + " ms");
      assertEquals(
          Optional.of(
              "backend health checks take longer than 200 ms (a backend is slow or unreachable)"),
          first);
      // Still the same round: no second check is started while one hangs.
      readiness.notReadyReason();
      assertEquals(1, started.get(), "one check in flight at a time");

      release.release();
      assertEquals(
          Optional.of("Ceph cluster at 10.0.0.1:6789 is unreachable"), readiness.notReadyReason());
      // The next round hangs again: the answer keeps the last known reason.
      assertEquals(
          Optional.of(
              "Ceph cluster at 10.0.0.1:6789 is unreachable; backend health checks take longer "
                  + "than 200 ms (a backend is slow or unreachable)"),
          readiness.notReadyReason());
      assertEquals(2, started.get());
      reason.set(null);
      release.release();
      assertEquals(
          Optional.empty(), readiness.notReadyReason(), "ready again once the backend answers");
    }
  }

  /** Probe and /readyz ask every few seconds: the log gets each change once. */
  @Test
  void eachChangeIsLoggedOnce() {
    Logger logger = (Logger) LoggerFactory.getLogger(ReadinessChecks.class);
    ListAppender<ILoggingEvent> events = new ListAppender<>();
    events.start();
    logger.addAppender(events);
    AtomicReference<String> reason = new AtomicReference<>();
    try (ReadinessChecks readiness =
        new ReadinessChecks(
            List.of(() -> Optional.ofNullable(reason.get())), Duration.ofSeconds(5))) {
      readiness.notReadyReason();
      reason.set("mount of Gluster volume shared is dead");
      for (int i = 0; i < 5; i++) {
        readiness.notReadyReason();
      }
      reason.set(null);
      readiness.notReadyReason();
      readiness.notReadyReason();
    } finally {
      logger.detachAppender(events);
    }
    assertEquals(
        List.of("not ready: mount of Gluster volume shared is dead", "ready again"),
        events.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
  }
}
