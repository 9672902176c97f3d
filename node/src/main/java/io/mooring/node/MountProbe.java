package io.mooring.node;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
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
 * if no client process (glusterfs, ceph-fuse) serves the mount any more; a live client that lost its
 * servers fails the same way (ENOTCONN) but recovers by itself, and remounting it would only make
 * things worse. ceph-fuse clients are also listed ({@link Health.State#EVICTED}).
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

  /** Reading the path's first entry failed (the {@code list} step). */
  private static final class ListingFailed extends Exception {
    ListingFailed(IOException cause) {
      super(cause);
    }
  }

  /**
   * @param path a path on the mount (its mount point or a bind of it)
   * @param clientMount where the FUSE client itself is mounted, as given on its command line
   * @param list first read the first entry of {@code path}: a ceph-fuse client the cluster has
   *     evicted still runs, but every lookup fails ("Cannot send after transport endpoint
   *     shutdown"), for good; a listing that fails while the client runs is
   *     {@link Health.State#EVICTED}
   */
  Health check(Path path, Path clientMount, boolean list) {
    Future<Void> probe = pool.submit(() -> {
      if (list) { // first: an evicted client fails the lookup getFileStore starts with, too
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(path)) {
          entries.iterator().hasNext();
        } catch (IOException | DirectoryIteratorException e) {
          throw new ListingFailed(e instanceof DirectoryIteratorException d ? d.getCause() : (IOException) e);
        }
      }
      Files.getFileStore(path).getTotalSpace();
      return null;
    });
    try {
      probe.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return Health.HEALTHY;
    } catch (TimeoutException e) {
      probe.cancel(true);
      return new Health(Health.State.UNRESPONSIVE, path + " did not answer within " + timeout.toSeconds() + " s");
    } catch (ExecutionException e) {
      boolean listing = e.getCause() instanceof ListingFailed;
      String reason = reason(listing ? e.getCause().getCause() : e.getCause());
      if (!clientRunning(clientMount)) {
        return new Health(Health.State.DEAD, path + ": " + reason);
      }
      return new Health(listing ? Health.State.EVICTED : Health.State.DISCONNECTED, path + ": " + reason);
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
   * Whether a client process serving {@code mountPoint} is alive. Only processes this plugin can
   * see count, so the plugin must share the PID namespace of the clients it starts (it does: it
   * starts them).
   */
  static boolean clientRunning(Path mountPoint) {
    return ProcessHandle.allProcesses().anyMatch(p -> servesMount(p, mountPoint.toString()));
  }

  /**
   * Kills (SIGKILL) the client processes serving {@code mountPoint} and waits for them to exit: for a
   * client that is of no use any more but would never exit by itself (an evicted ceph-fuse).
   */
  static void stopClient(Path mountPoint) {
    for (ProcessHandle process : ProcessHandle.allProcesses()
        .filter(p -> servesMount(p, mountPoint.toString())).toList()) {
      process.destroyForcibly();
      try {
        process.onExit().get(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException | TimeoutException e) {
        // a process stuck in the kernel; the lazy unmount detaches its mount anyway
      }
    }
  }

  /**
   * The command is the executable (glusterfs links to glusterfsd; ceph-fuse); the mount point is the
   * last argument of both as Mooring starts them.
   */
  static boolean servesMount(ProcessHandle process, String mountPoint) {
    ProcessHandle.Info info = process.info();
    String[] args = info.arguments().orElse(new String[0]);
    return info.command().orElse("").matches(".*/(glusterfsd?|ceph-fuse)") && args.length > 0
        && args[args.length - 1].equals(mountPoint);
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
