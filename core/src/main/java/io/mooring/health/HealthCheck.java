package io.mooring.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One slow health check (a command to a storage server) for Probe, /readyz and the volume
 * conditions of controller RPCs, which are asked often and must never wait long on a hung server.
 * An answer is reused for the TTL; after that, a question starts one check in the background and
 * waits for it at most {@code bound}: a check that runs longer is itself the answer ("does not
 * answer"), so an outage shows within the bound however long the check takes to fail, and meanwhile
 * nobody else waits. Each change of the answer is logged once.
 */
public final class HealthCheck implements Readiness {

  private static final Logger LOG = LoggerFactory.getLogger(HealthCheck.class);

  private final String subject;
  private final Readiness check;
  private final Duration ttl;
  private final Duration bound;
  private final Clock clock;
  private final Executor background;
  private final Object checking = new Object();
  private volatile Optional<String> last;
  private volatile Instant checkedAt = Instant.MIN;

  /** The check in flight and when it started; null when none is (written under this). */
  private volatile InFlight inFlight;

  private record InFlight(Instant startedAt, CompletableFuture<Void> done) {}

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
    InFlight started;
    synchronized (this) {
      Instant now = clock.instant();
      if (inFlight != null || now.isBefore(checkedAt.plus(ttl))) {
        return;
      }
      started = new InFlight(now, new CompletableFuture<>());
      inFlight = started;
    }
    background.execute(
        () -> {
          try {
            refresh();
          } finally {
            synchronized (this) {
              inFlight = null;
            }
            started.done().complete(null);
          }
        });
  }

  /**
   * Why not healthy, or empty. A fresh answer at once; else the answer of the check this starts (or
   * the one in flight), waited for until it has run {@code bound}; a check that runs longer is
   * itself the answer.
   */
  @Override
  public Optional<String> notReadyReason() {
    start();
    InFlight running = inFlight;
    if (running != null) {
      Duration left = Duration.between(clock.instant(), running.startedAt().plus(bound));
      try {
        running.done().get(Math.max(0, left.toNanos()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        // The same text every time: callers log only changes of the reason.
        String slow =
            subject + " does not answer its health check within " + bound.toMillis() + " ms";
        return Optional.of(last.map(reason -> reason + "; " + slow).orElse(slow));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException e) {
        throw new IllegalStateException(e); // refresh() catches what the check throws
      }
    }
    return last;
  }

  /** Checks now (after a check under way) and returns the answer. */
  public Optional<String> refresh() {
    synchronized (checking) {
      Optional<String> answer;
      try {
        answer = check.notReadyReason();
      } catch (RuntimeException e) {
        answer = Optional.of("the health check of " + subject + " failed: " + e);
      }
      if (!answer.equals(last) || checkedAt.equals(Instant.MIN)) {
        if (answer.isEmpty()) {
          LOG.info("{} is ready", subject);
        } else {
          LOG.warn("{} is not ready: {}", subject, answer.get());
        }
      }
      last = answer;
      checkedAt = clock.instant();
      return answer;
    }
  }
}
