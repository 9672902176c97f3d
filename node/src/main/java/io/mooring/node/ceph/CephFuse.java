package io.mooring.node.ceph;

import io.mooring.ceph.HostPorts;
import io.mooring.errors.StorageException;
import io.mooring.exec.Command;
import io.mooring.exec.CommandFailedException;
import io.mooring.exec.CommandRunner;
import io.mooring.node.ClientLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Mounts a CephFS directory with ceph-fuse, run directly (not through mount(8) and its
 * mount.fuse.ceph helper) so that every option is visible here and in ps:
 *
 * <pre>
 * setsid ceph-fuse --conf=/dev/null --no-mon-config -m MONS --client_fs=FS -r PATH
 *     -n client.ID --keyring=FILE --client_mount_timeout=15 --admin_socket= --log_file=LOG
 *     --client_metadata=mooring_client=INSTANCE [--client_cache_size=N] [--client_oc_size=BYTES
 *     --client_oc_max_dirty=BYTES/2 --client_oc_target_dirty=BYTES/8]
 *     -o fsname=SOURCE,subtype=ceph-fuse[,OPTIONS] MOUNTPOINT
 * </pre>
 *
 * <ul>
 *   <li>{@code --conf=/dev/null}: nothing from the node's /etc/ceph (which may belong to anything
 *       else on the host); the monitors come from the volume context.
 *   <li>{@code --no-mon-config}: without it, a rejected key and unreachable monitors both end in
 *       the same "failed to fetch mon config" line; with it, ceph-fuse says which ((13) vs (110)).
 *       The price: {@code ceph config set client ...} on the cluster does not reach these clients.
 *   <li>{@code --keyring}: the key only ever in a 0600 file ({@link io.mooring.ceph.Keyrings}); it
 *       is also registered with the runner for redaction, since ceph-fuse echoes a key it cannot
 *       parse.
 *   <li>{@code --admin_socket=} (empty) turns the admin socket off. Every client needs its own or
 *       none; the default lands in /var/run/ceph, which a container may not have. Never {@code
 *       /dev/null}: ceph-fuse unlinks whatever file sits at the socket path and binds a socket
 *       there.
 *   <li>{@code --client_mount_timeout}: well below the command timeout (the default is 300 s), so
 *       that unreachable monitors give ceph-fuse's own error rather than a killed command.
 *   <li>{@code fsname}: the mount source in mountinfo, otherwise the uninformative {@code
 *       ceph-fuse} for every client; a unique one per client is how its binds are told from other
 *       clients' ({@link CephClients}). {@code subtype} keeps the fsType {@code fuse.ceph-fuse}
 *       (ceph-fuse drops its default when fsname is given).
 *   <li>{@code --client_metadata}: a random ID of this client instance in its MDS session, by which
 *       {@link #evict} finds the session once the process is gone.
 *   <li>the caches from {@link ClientLimits}: {@code client_cache_size} (inodes) and the object
 *       cacher's {@code client_oc_size} (file data; 200 MiB by default), with the dirty part of it
 *       scaled down alike (by default 100 MiB may be dirty, more than a small cache holds).
 *   <li>the mount point last: {@link io.mooring.mount.MountProbe#clientRunning} finds the process
 *       by it.
 * </ul>
 *
 * <p>ceph-fuse forks, and the parent exits once the mount is up or has failed, with the child's
 * status; the child stays in the session setsid gave it, so it survives the plugin.
 */
public final class CephFuse {

  /** The FUSE subtype: mountinfo shows {@code fuse.ceph-fuse}. */
  static final String SUBTYPE = "ceph-fuse";

  static final int MOUNT_TIMEOUT_SECONDS = 15;

  /** The session metadata key of {@link #evict}. */
  static final String INSTANCE_KEY = "mooring_client";

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final Duration EVICT_TIMEOUT = Duration.ofSeconds(20);
  private static final Pattern FAILED =
      Pattern.compile("ceph mount failed with \\((\\d+)\\) ([^\\n]*)");

  /**
   * What a mount needs besides the key; none of it secret.
   *
   * @param options the backend's {@code fuseMountOptions} for {@code -o}, comma-separated, or empty
   */
  record Mount(List<String> monitors, String fsName, String path, String userId, String options) {
    Mount {
      monitors = List.copyOf(monitors);
    }
  }

  /**
   * The key is good but its MDS caps do not reach the path: a key made for one subvolume, asked to
   * mount the whole group ({@link CephClients#sharedClient}).
   */
  static final class PathNotAllowed extends StorageException {
    PathNotAllowed(String message, Throwable cause) {
      super(Kind.PERMISSION_DENIED, message, cause);
    }
  }

  private final CommandRunner runner;
  private final ClientLimits limits;

  public CephFuse(ClientLimits limits, CommandRunner runner) {
    this.runner = runner;
    this.limits = limits;
  }

  ClientLimits limits() {
    return limits;
  }

  private List<String> argv(
      Mount mount, Path keyring, Path mountPoint, String source, Path logFile, String instance) {
    List<String> argv =
        new ArrayList<>(
            List.of(
                "setsid",
                "ceph-fuse",
                "--conf=/dev/null",
                "--no-mon-config",
                "-m",
                String.join(",", mount.monitors()),
                "--client_fs=" + mount.fsName(),
                "-r",
                mount.path(),
                "-n",
                "client." + mount.userId(),
                "--keyring=" + keyring,
                "--client_mount_timeout=" + MOUNT_TIMEOUT_SECONDS,
                "--admin_socket=",
                "--log_file=" + logFile,
                "--client_metadata=" + INSTANCE_KEY + "=" + instance));
    if (limits.inodes() > 0) {
      argv.add("--client_cache_size=" + limits.inodes());
    }
    if (limits.cacheBytes() > 0) {
      argv.addAll(
          List.of(
              "--client_oc_size=" + limits.cacheBytes(),
              "--client_oc_max_dirty=" + limits.cacheBytes() / 2,
              "--client_oc_target_dirty=" + limits.cacheBytes() / 8));
    }
    argv.addAll(
        List.of(
            "-o",
            "fsname="
                + source
                + ",subtype="
                + SUBTYPE
                + (mount.options().isEmpty() ? "" : "," + mount.options()),
            mountPoint.toString()));
    return argv;
  }

  /**
   * Evicts the MDS session of a client instance whose process is gone. Until its session times out
   * (the file system's {@code session_timeout}, 60 s by default), the MDS keeps the caps a killed
   * client held, and every client — the replacement, and those on other nodes — waits that long to
   * create or change anything the dead one had cached (the volume's root directory, at least);
   * reading goes on. Eviction releases them at once (and blocklists the dead instance's address).
   * It needs MDS caps {@code allow *}, i.e. an admin key: with a key from {@code ceph fs authorize}
   * it fails with EACCES and the session times out by itself.
   *
   * <p>Runs {@code ceph tell mds.FS:0 client evict client_metadata.mooring_client=INSTANCE} (the
   * ceph CLI of ceph-common, the same key file): rank 0 is enough, since the blocklisting makes
   * every rank drop the session. A filter that matches no session is no error.
   *
   * @throws StorageException when the command fails
   */
  void evict(Mount mount, String key, Path keyring, String instance) {
    runner.run(
        Command.of(
                "ceph",
                "--conf=/dev/null",
                "-m",
                String.join(",", mount.monitors()),
                "-n",
                "client." + mount.userId(),
                "--keyring=" + keyring,
                "--connect-timeout=10",
                "tell",
                "mds." + mount.fsName() + ":0",
                "client",
                "evict",
                "client_metadata." + INSTANCE_KEY + "=" + instance)
            .withTimeout(EVICT_TIMEOUT)
            .withSecrets(Set.of(key)));
  }

  /**
   * @param key the key in {@code keyring}, to be masked in anything ceph-fuse prints
   * @param instance this client instance's ID, for {@link #evict}
   * @param cgroup the cgroup ceph-fuse is to run in, if any
   * @throws StorageException PERMISSION_DENIED when the cluster rejects the key or its caps do not
   *     cover the path, NOT_FOUND when the path or file system does not exist, UNAVAILABLE when no
   *     monitor answers
   */
  void mount(
      Mount mount,
      String key,
      Path keyring,
      Path mountPoint,
      String source,
      Path logFile,
      String instance,
      Optional<Path> cgroup) {
    Command command =
        Command.of(argv(mount, keyring, mountPoint, source, logFile, instance))
            .withTimeout(TIMEOUT)
            .withSecrets(Set.of(key))
            .inCgroup(cgroup);
    try {
      runner.run(command);
    } catch (CommandFailedException e) {
      throw failure(mount, e);
    }
  }

  /** ceph-fuse's "ceph mount failed with (errno) text" as the error it means. */
  static StorageException failure(Mount mount, CommandFailedException e) {
    String user = "client." + mount.userId();
    String where = "CephFS " + mount.fsName() + " at " + String.join(",", mount.monitors());
    if (e.result().exitCode() == 127) { // setsid could not execute it
      return new StorageException(
          StorageException.Kind.FAILED_PRECONDITION,
          "ceph-fuse is not installed on this"
              + " node; the node plugin's image needs the ceph-fuse package ("
              + e.getMessage()
              + ")",
          e);
    }
    Matcher m = FAILED.matcher(e.output());
    if (!m.find()) {
      return new StorageException(
          StorageException.Kind.INTERNAL,
          "ceph-fuse could not mount " + mount.path() + " of " + where + ": " + e.getMessage(),
          e);
    }
    String errno = "(" + m.group(1) + ") " + m.group(2).strip();
    return switch (Integer.parseInt(m.group(1))) {
      case 13 ->
          new StorageException(
              StorageException.Kind.PERMISSION_DENIED,
              "the Ceph cluster rejected the key"
                  + " of "
                  + user
                  + " ("
                  + errno
                  + "): check the userID/userKey (or adminID/adminKey) of the node-stage"
                  + " secret against 'ceph auth get "
                  + user
                  + "'",
              e);
      case 1 ->
          new PathNotAllowed(
              user
                  + " may not mount "
                  + mount.path()
                  + " of "
                  + where
                  + " ("
                  + errno
                  + "): its MDS caps do not cover that path; authorise it with 'ceph fs authorize "
                  + mount.fsName()
                  + " "
                  + user
                  + " "
                  + mount.path()
                  + " rw'",
              e);
      case 2 ->
          StorageException.notFound(
              "%s has no %s, or there is no such file system (%s); was the volume" + " deleted?",
              where, mount.path(), errno);
      // Monitors drop a client whose key does not match instead of refusing it: a timeout from
      // monitors that do take connections means a rejected key.
      case 110 ->
          HostPorts.anyAccepts(mount.monitors())
              ? new StorageException(
                  StorageException.Kind.PERMISSION_DENIED,
                  "the Ceph cluster rejected the key of "
                      + user
                      + " (the monitors of "
                      + where
                      + " are reachable but did not authenticate it within "
                      + MOUNT_TIMEOUT_SECONDS
                      + " s): check the userID/userKey (or adminID/adminKey) of the node-stage"
                      + " secret",
                  e)
              : new StorageException(
                  StorageException.Kind.UNAVAILABLE,
                  "no Ceph monitor of "
                      + where
                      + " answered within "
                      + MOUNT_TIMEOUT_SECONDS
                      + " s ("
                      + errno
                      + ")",
                  e);
      case 111, 113 ->
          new StorageException(
              StorageException.Kind.UNAVAILABLE,
              "no Ceph monitor of "
                  + where
                  + " answered within "
                  + MOUNT_TIMEOUT_SECONDS
                  + " s ("
                  + errno
                  + ")",
              e);
      default ->
          new StorageException(
              StorageException.Kind.INTERNAL,
              "ceph-fuse could not mount " + mount.path() + " of " + where + ": " + errno,
              e);
    };
  }
}
