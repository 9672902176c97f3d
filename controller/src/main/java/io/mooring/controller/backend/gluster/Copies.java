package io.mooring.controller.backend.gluster;

import io.mooring.copy.TreeCopy;
import io.mooring.errors.StorageException;
import io.mooring.errors.StorageException.Kind;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The tree copies this controller runs in the background (snapshots, restores, clones), one per
 * target: a copy outlives the call that started it, and the call's retry waits for it again. What a
 * copy leaves when the controller dies (a partial tree) is removed by the next copy to the same
 * target, which starts afresh; only this process's copies are known here.
 */
final class Copies implements AutoCloseable {

  /** What is done once the tree is copied, still in the background (e.g. moving it into place). */
  interface Then {
    void run() throws IOException;
  }

  /**
   * The bound of one copy: a hung mount must end it some day, a large volume must not (measured
   * copy rates are in README.md, "For app owners").
   */
  static final Duration TIMEOUT = Duration.ofHours(24);

  /** How long stopping a copy may take (killing cp, removing what it made). */
  private static final Duration STOP = Duration.ofSeconds(60);

  /** Copies at once; more wait their turn (they share the mount's link to the servers). */
  private static final int PARALLEL = 2;

  /**
   * @param claimed set by the copy as it begins, or by {@link #stop} before it began
   * @param ended counted down when a copy that began has ended and cleaned up
   */
  private record Job(Path from, Future<?> future, AtomicBoolean claimed, CountDownLatch ended) {}

  private final Map<Path, Job> jobs = new ConcurrentHashMap<>();
  private final TreeCopy copy;
  private final Duration timeout;
  private final ExecutorService pool =
      Executors.newFixedThreadPool(
          PARALLEL,
          r -> {
            Thread t = new Thread(r, "gluster-copy");
            t.setDaemon(true);
            return t;
          });

  Copies(TreeCopy copy, Duration timeout) {
    this.copy = copy;
    this.timeout = timeout;
  }

  /** Whether a copy to {@code to} runs, or ended and its end was not yet seen by {@link #await}. */
  boolean known(Path to) {
    return jobs.containsKey(to);
  }

  /** Whether a known copy reads below {@code from} ({@code from} itself or a tree in it). */
  boolean readingFrom(Path from) {
    return jobs.values().stream().anyMatch(j -> !j.future().isDone() && j.from().startsWith(from));
  }

  /**
   * Starts copying {@code from} to {@code to} and then {@code then}, unless a copy to {@code to} is
   * known. Removes what is at {@code to} first (a copy cut short by an earlier process), and
   * removes {@code to} again when the copy or {@code then} fails.
   */
  synchronized void start(Path from, Path to, Then then) {
    if (jobs.containsKey(to)) {
      return;
    }
    AtomicBoolean claimed = new AtomicBoolean();
    CountDownLatch ended = new CountDownLatch(1);
    Future<?> future =
        pool.submit(
            () -> {
              if (!claimed.compareAndSet(false, true)) {
                return null; // stopped before it began
              }
              try {
                Trees.deleteIfExists(to);
                copy.copy(from, to, timeout);
                then.run();
                return null;
              } catch (IOException | RuntimeException e) {
                removeQuietly(to);
                throw e;
              } finally {
                ended.countDown();
              }
            });
    jobs.put(to, new Job(from, future, claimed, ended));
  }

  /**
   * Waits up to {@code wait} for the copy to {@code to}; once its end is seen here, it is
   * forgotten.
   *
   * @return true when it is done (or none is known), false when it goes on
   * @throws StorageException how the copy failed (it was removed)
   */
  boolean await(Path to, Duration wait) {
    Job job = jobs.get(to);
    if (job == null) {
      return true;
    }
    try {
      job.future().get(wait.toMillis(), TimeUnit.MILLISECONDS);
      jobs.remove(to, job);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      jobs.remove(to, job);
      if (e.getCause() instanceof StorageException se) {
        throw se;
      }
      throw StorageException.internal("copying to %s failed: %s", to, e.getCause());
    } catch (CancellationException e) {
      jobs.remove(to, job);
      throw new StorageException(Kind.BUSY, "the copy to " + to + " was stopped; try again");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException(Kind.CANCELLED, "interrupted while waiting for a copy");
    }
  }

  /** Stops the copy to {@code to}, if one is known, and waits until it has cleaned up. */
  void stop(Path to) {
    Job job = jobs.remove(to);
    if (job == null) {
      return;
    }
    if (job.claimed().compareAndSet(false, true)) {
      job.future().cancel(false);
      return; // never began: nothing to clean up
    }
    job.future().cancel(true); // the runner kills cp when interrupted
    try {
      if (!job.ended().await(STOP.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new StorageException(
            Kind.UNAVAILABLE, "the copy to " + to + " did not stop within " + STOP);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException(Kind.CANCELLED, "interrupted while stopping a copy");
    }
  }

  private static void removeQuietly(Path to) {
    try {
      Trees.deleteIfExists(to);
    } catch (IOException ignored) {
      // the next copy to this target removes it first
    }
  }

  /** Stops every copy (their partial trees are redone by the next controller's retries). */
  @Override
  public void close() {
    pool.shutdownNow();
  }
}
