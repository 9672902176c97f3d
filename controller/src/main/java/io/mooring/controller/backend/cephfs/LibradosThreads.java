package io.mooring.controller.backend.cephfs;

import io.mooring.errors.StorageException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Threads for librados calls, with the 8 MiB stack librados' own threads get. Loading librados and
 * creating a handle build Ceph's table of config options in stack frames of several hundred KiB: on
 * a Java thread (1 MiB by default, less with -Xss; measured: 768 KiB is not enough, 1 MiB just is)
 * such a frame can reach past the thread's guard pages, and the JVM dies of SIGSEGV without an
 * error report. The stack is reserved, not committed: an idle thread costs a few pages.
 */
final class LibradosThreads implements AutoCloseable {

  static final long STACK_BYTES = 8L << 20;

  /**
   * How often a bounded call that has not returned asks whether the cluster is reachable at all.
   */
  static final Duration CHECK_EVERY = Duration.ofSeconds(5);

  static final String NAME = "librados-";

  private final ThreadPoolExecutor pool;

  /**
   * As many threads as calls in flight, each kept 30 s after its last call: a command may wait
   * seconds on the mgr (50 concurrent {@code fs subvolume rm} took 56 s through 8 threads, 8 s
   * through 50), and the callers' own concurrency (the gRPC server's) is the bound.
   */
  LibradosThreads() {
    AtomicInteger count = new AtomicInteger();
    pool =
        new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            30,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            work -> {
              Thread thread = new Thread(null, work, NAME + count.incrementAndGet(), STACK_BYTES);
              thread.setDaemon(true);
              return thread;
            });
  }

  /**
   * Runs {@code call} on one of these threads and returns what it returns or throws.
   *
   * @throws StorageException UNAVAILABLE once closed
   */
  <T> T call(Supplier<T> call) {
    Future<T> result = submit(call);
    try {
      return result.get();
    } catch (ExecutionException e) {
      throw unwrap(e);
    } catch (InterruptedException e) {
      throw interrupted(e);
    }
  }

  private <T> Future<T> submit(Supplier<T> call) {
    try {
      return pool.submit(call::get);
    } catch (RejectedExecutionException e) {
      throw new StorageException(StorageException.Kind.UNAVAILABLE, "the Ceph client is closed", e);
    }
  }

  private static StorageException interrupted(InterruptedException e) {
    Thread.currentThread().interrupt();
    return new StorageException(
        StorageException.Kind.UNAVAILABLE, "interrupted while waiting for Ceph", e);
  }

  private static RuntimeException unwrap(ExecutionException e) {
    if (e.getCause() instanceof RuntimeException r) {
      return r;
    }
    if (e.getCause() instanceof Error err) {
      throw err;
    }
    return new IllegalStateException(e.getCause());
  }

  /**
   * The same, waiting at most {@code bound}, and giving up early when {@code reachable} (asked
   * every {@link #CHECK_EVERY} while the call runs) says the cluster cannot be reached: a busy mgr
   * may take long, a cut link should cost seconds. A call still running then is left to finish on
   * its thread (a native call cannot be interrupted, and its buffers are its thread's to free), and
   * the caller gets UNAVAILABLE with {@code what} in the message.
   */
  <T> T call(Supplier<T> call, Duration bound, BooleanSupplier reachable, Supplier<String> what) {
    Future<T> result = submit(call);
    long deadline = System.nanoTime() + bound.toNanos();
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new StorageException(
              StorageException.Kind.UNAVAILABLE,
              what.get() + ": no answer within " + bound.toSeconds() + " s");
        }
        try {
          return result.get(Math.min(left, CHECK_EVERY.toNanos()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          if (!reachable.getAsBoolean()) {
            throw new StorageException(
                StorageException.Kind.UNAVAILABLE,
                what.get() + ": no answer, and no monitor accepts connections");
          }
        }
      }
    } catch (ExecutionException e) {
      throw unwrap(e);
    } catch (InterruptedException e) {
      throw interrupted(e);
    }
  }

  @Override
  public void close() {
    pool.shutdown();
  }
}
