package io.mooring.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.mooring.testing.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class HealthCheckTest {

  static final String OUTAGE = "Ceph cluster at 10.0.0.1:6789 is unreachable";
  final AtomicInteger checks = new AtomicInteger();
  final MutableClock clock = new MutableClock();

  HealthCheck inline(Readiness check, Duration ttl) {
    return new HealthCheck("backend a", check, ttl, Duration.ofSeconds(2), clock, Runnable::run);
  }

  @Test
  void anAnswerIsReusedUntilItIsOld() {
    HealthCheck check =
        inline(() -> Optional.of("down " + checks.incrementAndGet()), Duration.ofSeconds(10));
    assertEquals(Optional.of("down 1"), check.notReadyReason());
    clock.advance(Duration.ofSeconds(9));
    assertEquals(Optional.of("down 1"), check.notReadyReason());
    clock.advance(Duration.ofSeconds(1));
    assertEquals(Optional.of("down 2"), check.notReadyReason());
    assertEquals(Optional.of("down 3"), check.refresh(), "refresh always checks");
  }

  @Test
  void aCheckThatThrowsIsAnAnswer() {
    HealthCheck check =
        inline(
            () -> {
              throw new IllegalStateException("boom");
            },
            Duration.ofSeconds(10));
    assertEquals(
        Optional.of("the health check of backend a failed: java.lang.IllegalStateException: boom"),
        check.notReadyReason());
  }

  /**
   * A hung check costs a caller the bound once (the first answer), never again; meanwhile the
   * answer is "not answering", with the last reason known, and no second check is started.
   */
  @Test
  void aHungCheckAnswersNotReadyWithinTheBoundAndKeepsTheLastReason() {
    Semaphore release = new Semaphore(0);
    AtomicReference<String> reason = new AtomicReference<>(OUTAGE);
    Readiness hanging =
        () -> {
          checks.incrementAndGet();
          release.acquireUninterruptibly();
          return Optional.ofNullable(reason.get());
        };
    Clock real = Clock.systemUTC();
    HealthCheck check =
        new HealthCheck(
            "backend a",
            hanging,
            Duration.ofSeconds(1),
            Duration.ofMillis(200),
            real,
            HealthCheck.daemonThreads("test-health"));
    String slow = "backend a does not answer its health check within 200 ms";
    long t0 = System.nanoTime();
    Optional<String> first = check.notReadyReason();
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertTrue(millis < 2000, "answered after " + millis + " ms");
    assertEquals(Optional.of("backend a has not been checked yet; " + slow), first);
    t0 = System.nanoTime();
    check.notReadyReason();
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 100, "no second wait");
    assertEquals(1, checks.get(), "one check in flight at a time");

    release.release();
    assertEquals(Optional.of(OUTAGE), waitForAnswer(check, Optional.of(OUTAGE)));
    // Once the answer is old, the next check hangs again: the answer keeps the last reason.
    sleep(1100);
    assertEquals(
        Optional.of(OUTAGE + "; " + slow), waitForAnswer(check, Optional.of(OUTAGE + "; " + slow)));
    reason.set(null);
    release.release(100);
    assertEquals(Optional.empty(), waitForAnswer(check, Optional.empty()), "healthy again");
  }

  /** Past the TTL a question waits for the new check (within the bound), never a stale answer. */
  @Test
  void aQuestionAfterTheTtlGetsTheNewAnswer() {
    AtomicReference<String> reason = new AtomicReference<>();
    HealthCheck check =
        new HealthCheck(
            "backend a",
            () -> {
              sleep(50);
              return Optional.ofNullable(reason.get());
            },
            Duration.ofMillis(100),
            Duration.ofSeconds(2),
            Clock.systemUTC(),
            HealthCheck.daemonThreads("test-health"));
    assertEquals(Optional.empty(), check.notReadyReason());
    reason.set(OUTAGE);
    assertEquals(Optional.empty(), check.notReadyReason(), "fresh for the TTL");
    sleep(150);
    assertEquals(Optional.of(OUTAGE), check.notReadyReason());
  }

  /** Callers ask every few seconds: the log gets each change once. */
  @Test
  void eachChangeIsLoggedOnce() {
    Logger logger = (Logger) LoggerFactory.getLogger(HealthCheck.class);
    ListAppender<ILoggingEvent> events = new ListAppender<>();
    events.start();
    logger.addAppender(events);
    AtomicReference<String> reason = new AtomicReference<>();
    HealthCheck check = inline(() -> Optional.ofNullable(reason.get()), Duration.ZERO);
    try {
      check.notReadyReason();
      reason.set("mount of Gluster volume shared is dead");
      for (int i = 0; i < 5; i++) {
        check.notReadyReason();
      }
      reason.set(null);
      check.notReadyReason();
      check.notReadyReason();
    } finally {
      logger.detachAppender(events);
    }
    assertEquals(
        List.of(
            "backend a is ready",
            "backend a is not ready: mount of Gluster volume shared is dead",
            "backend a is ready"),
        events.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
  }

  @Test
  void readyWhenAllAreTheFirstReasonOtherwise() {
    assertEquals(Optional.empty(), Readiness.firstOf(List.of()).notReadyReason());
    assertEquals(
        Optional.of("b down"),
        Readiness.firstOf(
                List.of(Optional::empty, () -> Optional.of("b down"), () -> Optional.of("c down")))
            .notReadyReason());
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Asks until the answer is {@code want} (a background check finishing), for at most 5 s. */
  static Optional<String> waitForAnswer(HealthCheck check, Optional<String> want) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    Optional<String> answer = check.notReadyReason();
    while (!answer.equals(want) && System.nanoTime() < deadline) {
      sleep(20);
      answer = check.notReadyReason();
    }
    return answer;
  }
}
