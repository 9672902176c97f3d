package io.mooring.mount;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * statfs(2) of a path, bounded in time: the one check that a mount answers. Not stat(2): the kernel
 * answers that from its attribute cache for a while after a FUSE client has died. A mount whose
 * servers are unreachable blocks statfs until the client's network timeout (GlusterFS: 42 s), so
 * the call runs on a thread of its own and the caller waits at most {@code timeout}.
 */
public final class Statfs {

  /**
   * A hung statfs pins its thread until the kernel gives up; a cached pool keeps checking
   * meanwhile.
   */
  private static final ExecutorService POOL =
      Executors.newCachedThreadPool(
          task -> {
            Thread thread = new Thread(task, "mooring-statfs");
            thread.setDaemon(true);
            return thread;
          });

  private Statfs() {}

  /** Work done on the checking thread before statfs, bounded by the same timeout. */
  public interface Step {
    void run() throws IOException;
  }

  /**
   * Empty when statfs answered within {@code timeout}; otherwise why not (errno text or timeout).
   * {@code before} (may be null) runs first; its failure is reported the same way.
   */
  public static Optional<Failure> check(Path path, Duration timeout, Step before) {
    try {
      usableBytes(path, timeout, before);
      return Optional.empty();
    } catch (Failure failure) {
      return Optional.of(failure);
    }
  }

  /**
   * The bytes statfs reports free to unprivileged users, if it answers within {@code timeout}.
   *
   * @param before may be null; see {@link #check}
   */
  public static long usableBytes(Path path, Duration timeout, Step before) throws Failure {
    Future<Long> probe =
        POOL.submit(
            () -> {
              if (before != null) {
                before.run();
              }
              return Files.getFileStore(path).getUsableSpace();
            });
    try {
      return probe.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      probe.cancel(true);
      throw new Failure(true, path + " did not answer within " + timeout.toSeconds() + " s", null);
    } catch (ExecutionException e) {
      throw new Failure(false, path + ": " + reason(e.getCause()), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure(true, "interrupted while checking " + path, null);
    }
  }

  /** Why statfs gave no answer; the message says it for a reader. */
  public static final class Failure extends IOException {

    private final boolean timedOut;

    /**
     * @param timedOut no answer in time (a hung server), as opposed to an error answer
     * @param cause the error, when there was one
     */
    Failure(boolean timedOut, String reason, Throwable cause) {
      super(reason, cause);
      this.timedOut = timedOut;
    }

    public boolean timedOut() {
      return timedOut;
    }
  }

  /** The errno text, e.g. "Transport endpoint is not connected". */
  public static String reason(Throwable failure) {
    if (failure instanceof NoSuchFileException) {
      return "No such file or directory";
    }
    if (failure instanceof FileSystemException fse && fse.getReason() != null) {
      return fse.getReason();
    }
    return String.valueOf(failure);
  }
}
