package io.mooring.controller.backend.cephfs;

import io.grpc.Context;
import io.grpc.Deadline;
import io.mooring.errors.StorageException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
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

  /** How often a bounded call that has not returned asks whether to give up on it. */
  static final Duration CHECK_EVERY = Duration.ofSeconds(5);

  static final String NAME = "librados-";

  private final ThreadPoolExecutor pool;
  private final Duration checkEvery;

  /**
   * As many threads as calls in flight, each kept 30 s after its last call: a command may wait
   * seconds on the mgr (50 concurrent {@code fs subvolume rm} took 56 s through 8 threads, 8 s
   * through 50), and the callers' own concurrency (the gRPC server's) is the bound.
   */
  LibradosThreads() {
    this(CHECK_EVERY);
  }

  /**
   * @param checkEvery how often a bounded call that has not returned asks its check (tests: less)
   */
  LibradosThreads(Duration checkEvery) {
    this.checkEvery = checkEvery;
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
   * Runs {@code task} on one of these threads and returns at once.
   *
   * @throws StorageException UNAVAILABLE once closed
   */
  void execute(Runnable task) {
    submit(
        () -> {
          task.run();
          return null;
        });
  }

  /** Asked every {@link #CHECK_EVERY} while a bounded call waits: why to stop waiting, if so. */
  interface Check {
    /**
     * @param waitingSince when the call was sent ({@link System#nanoTime})
     */
    Optional<StorageException> giveUp(long waitingSince);
  }

  /**
   * The same, waiting at most {@code bound} and at most as long as the caller does: the gRPC call
   * this one serves ({@link Context#current()} on the calling thread) ends the wait when it is
   * cancelled or its deadline passes (CANCELLED, DEADLINE_EXCEEDED; a caller already gone sends
   * nothing). {@code check}, asked every {@link #CHECK_EVERY}, may give up earlier: a busy mgr may
   * take long, a cut link or a stopped mgr should cost seconds. A call still running then is left
   * to finish on its thread (a native call cannot be interrupted, and its buffers are its thread's
   * to free), and the caller gets the exception, with {@code what} in the message.
   */
  <T> T call(Supplier<T> call, Duration bound, Check check, Supplier<String> what) {
    Context caller = Context.current();
    if (caller.isCancelled()) {
      throw gaveUp(caller, what.get() + ": nothing was sent");
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    execute(
        () -> {
          try {
            result.complete(call.get());
          } catch (RuntimeException | Error e) {
            result.completeExceptionally(e);
          }
        });
    Context.CancellationListener gone =
        c -> result.completeExceptionally(gaveUp(c, what.get() + ": Ceph may still carry it out"));
    caller.addListener(gone, Runnable::run);
    long start = System.nanoTime();
    long end = start + bound.toNanos();
    try {
      while (true) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          throw new StorageException(
              StorageException.Kind.UNAVAILABLE,
              what.get() + ": no answer within " + bound.toSeconds() + " s");
        }
        try {
          return result.get(Math.min(left, checkEvery.toNanos()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          Optional<StorageException> why = check.giveUp(start);
          if (why.isPresent()) {
            throw why.get();
          }
        }
      }
    } catch (ExecutionException e) {
      throw unwrap(e);
    } catch (InterruptedException e) {
      throw interrupted(e);
    } finally {
      caller.removeListener(gone);
    }
  }

  /** The caller's deadline passed (DEADLINE_EXCEEDED) or it cancelled the call (CANCELLED). */
  private static StorageException gaveUp(Context caller, String what) {
    Deadline deadline = caller.getDeadline();
    return deadline != null && deadline.isExpired()
        ? new StorageException(
            StorageException.Kind.DEADLINE_EXCEEDED, what + " (the caller's deadline passed)")
        : new StorageException(StorageException.Kind.CANCELLED, what + " (the caller cancelled)");
  }

  @Override
  public void close() {
    pool.shutdown();
  }
}
