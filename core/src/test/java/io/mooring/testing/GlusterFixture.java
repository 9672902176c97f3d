package io.mooring.testing;

import io.mooring.exec.Command;
import io.mooring.exec.ProcessCommandRunner;
import io.mooring.mount.MountEntry;
import io.mooring.mount.MountTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The real GlusterFS volume integration tests run against, on a storage host apart from this one
 * ({@code scripts/storage-host-up}, run by .ci/run) that the controller manages over SSH:
 * GLUSTER_SERVER and GLUSTER_VOLUME name it; GLUSTER_SSH_USER, GLUSTER_SSH_KEY and
 * GLUSTER_SSH_KNOWN_HOSTS give the controller's access, GLUSTER_GATE_LOG the log of the gate
 * (scripts/mooring-gluster-gate) in the host's authorized_keys, and STORAGE_HOLDER_PID a process in
 * the host's namespaces. Without GLUSTER_SSH_KEY, a glusterd on this host is managed over its
 * socket (management: local).
 */
public final class GlusterFixture {

  private GlusterFixture() {}

  /**
   * The controller's SSH key for the storage host, or empty: then a glusterd on this host is
   * managed over its socket.
   */
  public static Optional<String> sshKey() {
    return Optional.ofNullable(System.getenv("GLUSTER_SSH_KEY"));
  }

  public static String sshUser() {
    return System.getenv().getOrDefault("GLUSTER_SSH_USER", "root");
  }

  public static String sshKnownHosts() {
    return System.getenv("GLUSTER_SSH_KNOWN_HOSTS");
  }

  /**
   * Runs {@code gluster --mode=script ARGS} on the storage host (in its namespaces), e.g. to look
   * at quotas.
   */
  public static String gluster(String... args) {
    List<String> argv = new ArrayList<>(List.of("gluster", "--mode=script"));
    argv.addAll(List.of(args));
    return System.getenv("STORAGE_HOLDER_PID") == null
        ? run(argv.toArray(String[]::new))
        : StorageHost.run(argv.toArray(String[]::new));
  }

  public static String server() {
    return System.getenv().getOrDefault("GLUSTER_SERVER", "127.0.0.1");
  }

  public static String volume() {
    return System.getenv().getOrDefault("GLUSTER_VOLUME", "mooring-test");
  }

  /** A backend on the fixture's volume as lines of a backends file (under {@code backends:}). */
  public static String backendYaml(String name, String basePath) {
    String head =
        """
          - name: %s
            type: glusterfs
            servers: [%s]
            volume: %s
            basePath: %s
        """
            .formatted(name, server(), volume(), basePath);
    return sshKey()
        .map(
            key ->
                head
                    + "    ssh: {user: %s, keyFile: %s, knownHostsFile: %s}%n"
                        .formatted(sshUser(), key, sshKnownHosts()))
        .orElse(head + "    management: local\n");
  }

  /** A base path no other test uses, e.g. {@code /it-3f2a...}. */
  public static String uniqueBasePath() {
    return "/it-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Mounts the whole volume at {@code at} with a FUSE client of its own. */
  public static Path mount(Path at) throws IOException {
    Files.createDirectories(at);
    // No kernel caching: tests look at what other clients (the plugins) just did.
    run(
        "mount",
        "-t",
        "glusterfs",
        "-o",
        "entry-timeout=0,attribute-timeout=0",
        server() + ":/" + volume(),
        at.toString());
    return at;
  }

  /** Lazily unmounts {@code at} if it is a mount point; never fails. */
  public static void unmountQuietly(Path at) {
    try {
      if (MountTable.read().isMountPoint(at)) {
        run("umount", "-l", at.toString());
      }
    } catch (RuntimeException ignored) {
      // best effort in cleanup
    }
  }

  /**
   * Leaves nothing of a test's plugins behind: unmounts everything under {@code dir} (deepest
   * first), kills the processes whose command line names {@code stateDir} (FUSE clients outlive the
   * plugin by design; a test's own must go with it) and deletes {@code dir}.
   */
  public static void removeUnder(Path dir, Path stateDir) {
    List<MountEntry> left = MountTable.read().under(dir);
    for (int i = left.size() - 1; i >= 0; i--) {
      unmountQuietly(left.get(i).mountPoint());
    }
    ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().orElse("").contains(stateDir.toString()))
        .forEach(ProcessHandle::destroyForcibly);
    run("rm", "-rf", "--one-file-system", dir.toString());
  }

  public static String run(String... argv) {
    return new ProcessCommandRunner()
        .run(Command.of(argv).withTimeout(Duration.ofSeconds(60)))
        .stdout();
  }
}
