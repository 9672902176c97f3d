package io.mooring.controller.backend.gluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CachedCheckTest {

  Instant now = Instant.parse("2026-01-01T00:00:00Z");
  final AtomicInteger checks = new AtomicInteger();

  Clock clock() {
    return new Clock() {
      @Override
      public Instant instant() {
        return now;
      }

      @Override
      public java.time.ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }
    };
  }

  @Test
  void anAnswerIsReusedUntilItIsOld() {
    CachedCheck check =
        new CachedCheck(
            () -> Optional.of("down " + checks.incrementAndGet()),
            Duration.ofSeconds(10),
            clock(),
            Runnable::run,
            "pending");
    assertEquals(Optional.of("down 1"), check.reason());
    now = now.plusSeconds(9);
    assertEquals(Optional.of("down 1"), check.reason());
    now = now.plusSeconds(1);
    assertEquals(Optional.of("down 2"), check.reason());
    assertEquals(Optional.of("down 3"), check.refresh(), "refresh always checks");
  }

  @Test
  void probeNeverWaitsForACheck() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CachedCheck check =
        new CachedCheck(
            () -> {
              checks.incrementAndGet();
              started.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return Optional.empty();
            },
            Duration.ofSeconds(10),
            clock(),
            CachedCheck.daemonThreads("test-check"),
            "not checked yet");
    assertEquals(Optional.of("not checked yet"), check.reason());
    started.await();
    assertEquals(Optional.of("not checked yet"), check.reason(), "while the check runs");
    release.countDown();
    assertEquals(Optional.empty(), check.refresh());
    assertEquals(2, checks.get(), "one check in the background, then the refresh");
    assertEquals(Optional.empty(), check.reason());
  }
}
