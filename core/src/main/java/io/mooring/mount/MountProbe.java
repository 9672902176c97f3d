package io.mooring.mount;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Tells whether a FUSE mount works: statfs(2) of a path it serves, bounded in time (a mount whose
 * servers hang can block it for the network timeout). Not stat(2): the kernel answers that from its
 * attribute cache for a while after the client has died. A failure means a dead client only if no
 * client process (glusterfs, ceph-fuse) serves the mount any more; a live client that lost its
 * servers fails the same way (ENOTCONN) but recovers by itself, and remounting it would only make
 * things worse. ceph-fuse clients are also listed ({@link Health.State#EVICTED}). The one mount
 * health check of controller and node alike.
 */
public final class MountProbe {

  private final Duration timeout;

  public MountProbe(Duration timeout) {
    this.timeout = timeout;
  }

  /** Reading the path's first entry failed (the {@code list} step). */
  private static final class ListingFailed extends IOException {
    ListingFailed(IOException cause) {
      super(cause);
    }
  }

  /**
   * @param path a path on the mount (its mount point or a bind of it)
   * @param clientMount where the FUSE client itself is mounted, as given on its command line
   * @param list first read the first entry of {@code path}: a ceph-fuse client the cluster has
   *     evicted still runs, but every lookup fails ("Cannot send after transport endpoint
   *     shutdown"), for good; a listing that fails while the client runs is {@link
   *     Health.State#EVICTED}
   */
  public Health check(Path path, Path clientMount, boolean list) {
    // first: an evicted client fails the lookup getFileStore starts with, too
    Statfs.Step listing =
        !list
            ? null
            : () -> {
              try (DirectoryStream<Path> entries = Files.newDirectoryStream(path)) {
                entries.iterator().hasNext();
              } catch (IOException | DirectoryIteratorException e) {
                throw new ListingFailed(
                    e instanceof DirectoryIteratorException d ? d.getCause() : (IOException) e);
              }
            };
    Optional<Statfs.Failure> failure = Statfs.check(path, timeout, listing);
    if (failure.isEmpty()) {
      return Health.HEALTHY;
    }
    Statfs.Failure f = failure.get();
    if (f.timedOut()) {
      return new Health(Health.State.UNRESPONSIVE, f.getMessage());
    }
    boolean listed = f.getCause() instanceof ListingFailed;
    String reason = listed ? path + ": " + Statfs.reason(f.getCause().getCause()) : f.getMessage();
    if (!FuseClients.running(clientMount)) {
      return new Health(Health.State.DEAD, reason);
    }
    return new Health(listed ? Health.State.EVICTED : Health.State.DISCONNECTED, reason);
  }
}
