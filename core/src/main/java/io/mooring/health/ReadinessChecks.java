package io.mooring.health;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugin's readiness, answered within a bounded time: the first reason of its checks (one per
 * backend). Checks may block (a Ceph health check waits up to its connect timeout for monitors that
 * do not answer); they run one round at a time on a thread of their own, and a caller waits at most
 * {@code bound} for the round in flight. A round that takes longer goes on, and the answer
 * meanwhile is "not ready", with the last reason known, so that Probe and /readyz always answer
 * quickly and a hung backend never makes the plugin look dead. Each change of the result is logged
 * once, whoever asked.
 */
public final class ReadinessChecks implements Readiness, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ReadinessChecks.class);

  private final List<Readiness> checks;
  private final Duration bound;
  private ExecutorService thread;
  private CompletableFuture<Optional<String>> round;

  /** The result of the last round that finished (guarded by this). */
  private Optional<String> last = Optional.empty();

  public ReadinessChecks(List<Readiness> checks, Duration bound) {
    this.checks = List.copyOf(checks);
    this.bound = bound;
  }

  @Override
  public Optional<String> notReadyReason() {
    if (checks.isEmpty()) {
      return Optional.empty();
    }
    CompletableFuture<Optional<String>> current;
    synchronized (this) {
      if (round == null) {
        if (thread == null) {
          thread =
              Executors.newSingleThreadExecutor(
                  r -> {
                    Thread t = new Thread(r, "readiness");
                    t.setDaemon(true);
                    return t;
                  });
        }
        round = CompletableFuture.supplyAsync(this::check, thread);
      }
      current = round;
    }
    Optional<String> result;
    try {
      result = current.get(bound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      // The same text every time: Probe logs only changes of the reason.
      String stillRunning =
          "backend health checks take longer than "
              + bound.toMillis()
              + " ms (a backend is "
              + "slow or unreachable)";
      synchronized (this) {
        return Optional.of(last.map(reason -> reason + "; " + stillRunning).orElse(stillRunning));
      }
    } catch (ExecutionException e) {
      result = Optional.of("backend health check failed: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted while checking the backends");
    }
    synchronized (this) {
      if (round == current) {
        round = null;
      }
    }
    return result;
  }

  /** One round: the first reason, logged when it differs from the last round's. */
  private Optional<String> check() {
    Optional<String> result = firstReason();
    synchronized (this) {
      if (!result.equals(last)) {
        if (result.isEmpty()) {
          LOG.info("ready again");
        } else {
          LOG.warn("not ready: {}", result.get());
        }
      }
      last = result;
    }
    return result;
  }

  private Optional<String> firstReason() {
    for (Readiness check : checks) {
      Optional<String> reason = check.notReadyReason();
      if (reason.isPresent()) {
        return reason;
      }
    }
    return Optional.empty();
  }

  @Override
  public synchronized void close() {
    if (thread != null) {
      thread.shutdownNow();
    }
  }
}
