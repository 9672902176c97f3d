package io.mooring.testing;

import io.mooring.exec.Command;
import io.mooring.exec.ProcessCommandRunner;
import io.mooring.mount.MountEntry;
import io.mooring.mount.MountTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * The real GlusterFS volume integration tests run against. {@code scripts/gluster-up} (run by
 * .ci/run) creates it; GLUSTER_SERVER and GLUSTER_VOLUME name it.
 */
public final class GlusterFixture {

  private GlusterFixture() {}

  public static String server() {
    return System.getenv().getOrDefault("GLUSTER_SERVER", "127.0.0.1");
  }

  public static String volume() {
    return System.getenv().getOrDefault("GLUSTER_VOLUME", "mooring-test");
  }

  /** One backends-file entry for the fixture's volume, managed over SSH through the storage host's gate. */
  public static String backendYaml(String name, String basePath) {
    return """
          - name: %s
            type: glusterfs
            servers: [%s]
            volume: %s
            basePath: %s
            management: ssh
            ssh:
              user: %s
              keyFile: %s
              knownHostsFile: %s
        """.formatted(name, server(), volume(), basePath, System.getenv().getOrDefault("GLUSTER_SSH_USER", "root"),
        System.getenv("GLUSTER_SSH_KEY"), System.getenv("GLUSTER_SSH_KNOWN_HOSTS"));
  }

  /** A base path no other test uses, e.g. {@code /it-3f2a...}. */
  public static String uniqueBasePath() {
    return "/it-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Mounts the whole volume at {@code at} with a FUSE client of its own. */
  public static Path mount(Path at) throws IOException {
    Files.createDirectories(at);
    // No kernel caching: tests look at what other clients (the plugins) just did.
    run("mount", "-t", "glusterfs", "-o", "entry-timeout=0,attribute-timeout=0", server() + ":/" + volume(),
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
   * first), kills the processes whose command line names {@code stateDir} (FUSE clients outlive
   * the plugin by design; a test's own must go with it) and deletes {@code dir}.
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
    return new ProcessCommandRunner().run(Command.of(argv).withTimeout(Duration.ofSeconds(60))).stdout();
  }
}
