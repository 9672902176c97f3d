package io.mooring.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One slow health check (a command to a storage server) answered at once, for Probe, /readyz and
 * the volume conditions of controller RPCs, which are asked often and must never wait on a hung
 * server. The answer is the last check's; an answer older than the TTL starts one new check in the
 * background. Only the very first answer is waited for, at most {@code bound}. A check that has run
 * longer than {@code bound} is itself the answer ("not answering"), so an outage shows within the
 * bound however long the check takes to fail. Each change of the answer is logged once.
 */
public final class HealthCheck implements Readiness {

  private static final Logger LOG = LoggerFactory.getLogger(HealthCheck.class);

  private final String subject;
  private final Readiness check;
  private final Duration ttl;
  private final Duration bound;
  private final Clock clock;
  private final Executor background;
  private final AtomicBoolean running = new AtomicBoolean();
  private final CountDownLatch firstAnswer = new CountDownLatch(1);
  private volatile Optional<String> last;
  private volatile Instant checkedAt = Instant.MIN;

  /** When the check in flight started; null when none is. */
  private volatile Instant startedAt;

  /**
   * @param subject what is checked, for the log and the "not answering" reason (e.g. "backend a")
   * @param check the real check; may block
   */
  public HealthCheck(
      String subject,
      Readiness check,
      Duration ttl,
      Duration bound,
      Clock clock,
      Executor background) {
    this.subject = subject;
    this.check = check;
    this.ttl = ttl;
    this.bound = bound;
    this.clock = clock;
    this.background = background;
    this.last = Optional.of(subject + " has not been checked yet");
  }

  /** A daemon thread per check: there is at most one check in flight, one every TTL. */
  public static Executor daemonThreads(String name) {
    return task -> {
      Thread thread = new Thread(task, name);
      thread.setDaemon(true);
      thread.start();
    };
  }

  /** Starts a check in the background unless one runs or the last answer is fresh. */
  public void start() {
    Instant now = clock.instant();
    if (now.isBefore(checkedAt.plus(ttl)) || !running.compareAndSet(false, true)) {
      return;
    }
    startedAt = now;
    background.execute(
        () -> {
          try {
            refresh();
          } finally {
            startedAt = null;
            running.set(false);
          }
        });
  }

  /** Why not healthy, or empty: the last answer; waits only for the first one, within the bound. */
  @Override
  public Optional<String> notReadyReason() {
    start();
    Instant since = startedAt;
    if (firstAnswer.getCount() > 0 && since != null) {
      awaitFirstAnswer(Duration.between(clock.instant(), since.plus(bound)));
    }
    Optional<String> answer = last;
    since = startedAt;
    if (since != null && !clock.instant().isBefore(since.plus(bound))) {
      // The same text every time: callers log only changes of the reason.
      String slow =
          subject + " does not answer its health check within " + bound.toMillis() + " ms";
      return Optional.of(answer.map(reason -> reason + "; " + slow).orElse(slow));
    }
    return answer;
  }

  private void awaitFirstAnswer(Duration left) {
    try {
      firstAnswer.await(Math.max(0, left.toNanos()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Checks now (after a check under way) and returns the answer. */
  public synchronized Optional<String> refresh() {
    Optional<String> answer;
    try {
      answer = check.notReadyReason();
    } catch (RuntimeException e) {
      answer = Optional.of("the health check of " + subject + " failed: " + e);
    }
    if (!answer.equals(last) || firstAnswer.getCount() > 0) {
      if (answer.isEmpty()) {
        LOG.info("{} is healthy", subject);
      } else {
        LOG.warn("{} is not healthy: {}", subject, answer.get());
      }
    }
    last = answer;
    checkedAt = clock.instant();
    firstAnswer.countDown();
    return answer;
  }
}
