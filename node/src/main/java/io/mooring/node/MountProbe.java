package io.mooring.node;

import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Tells whether a FUSE mount works: statfs(2) of a path it serves, bounded in time (a mount whose
 * servers hang can block it for the network timeout). Not stat(2): the kernel answers that from
 * its attribute cache for a while after the client has died. A failure means a dead client only
 * if no glusterfs process serves the mount any more; a live client that lost its bricks fails the
 * same way (ENOTCONN) but recovers by itself, and remounting it would only make things worse.
 */
final class MountProbe implements AutoCloseable {

  private final Duration timeout;
  /** A hung statfs pins its thread until the kernel gives up; a cached pool keeps probing meanwhile. */
  private final ExecutorService pool = Executors.newCachedThreadPool(task -> {
    Thread thread = new Thread(task, "mooring-mount-probe");
    thread.setDaemon(true);
    return thread;
  });

  MountProbe(Duration timeout) {
    this.timeout = timeout;
  }

  /**
   * @param path a path on the mount (its mount point or a bind of it)
   * @param clientMount where the glusterfs client itself is mounted, as given on its command line
   */
  Health check(Path path, Path clientMount) {
    Future<Long> statfs = pool.submit(() -> Files.getFileStore(path).getTotalSpace());
    try {
      statfs.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return Health.HEALTHY;
    } catch (TimeoutException e) {
      statfs.cancel(true);
      return new Health(Health.State.UNRESPONSIVE, path + " did not answer within " + timeout.toSeconds() + " s");
    } catch (ExecutionException e) {
      String reason = reason(e.getCause());
      return clientRunning(clientMount)
          ? new Health(Health.State.DISCONNECTED, path + ": " + reason)
          : new Health(Health.State.DEAD, path + ": " + reason);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Health(Health.State.UNRESPONSIVE, "interrupted while checking " + path);
    }
  }

  /** The errno text, e.g. "Transport endpoint is not connected". */
  private static String reason(Throwable failure) {
    if (failure instanceof NoSuchFileException) {
      return "No such file or directory";
    }
    if (failure instanceof FileSystemException fse && fse.getReason() != null) {
      return fse.getReason();
    }
    return String.valueOf(failure);
  }

  /**
   * Whether a glusterfs process serving {@code mountPoint} is alive. Only processes this plugin can
   * see count, so the plugin must share the PID namespace of the clients it starts (it does: it
   * starts them).
   */
  static boolean clientRunning(Path mountPoint) {
    return ProcessHandle.allProcesses().anyMatch(p -> servesMount(p, mountPoint.toString()));
  }

  /** The command is the executable (glusterfs links to glusterfsd); the mount point is the last argument. */
  static boolean servesMount(ProcessHandle process, String mountPoint) {
    ProcessHandle.Info info = process.info();
    String[] args = info.arguments().orElse(new String[0]);
    return info.command().orElse("").matches(".*/glusterfsd?") && args.length > 0
        && args[args.length - 1].equals(mountPoint);
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
