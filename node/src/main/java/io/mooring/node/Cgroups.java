package io.mooring.node;

import io.mooring.errors.StorageException;
import io.mooring.mount.MountEntry;
import io.mooring.mount.MountTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The memory cgroups the FUSE clients run in: one per client, {@code
 * <own>/mooring-clients/<client>} below the plugin's own cgroup, each with the client's memory
 * limit. An OOM then kills that one client, which the health check remounts, rather than the plugin
 * container and every mount on the node. Above the clients' limits, the container's limit still
 * bounds them all (limits nest).
 *
 * <ul>
 *   <li>cgroup v2 (one hierarchy, {@code memory.max}): a cgroup that enables controllers for its
 *       children may hold no processes, so the plugin (and whatever else runs in its cgroup) first
 *       moves into the leaf {@code <own>/mooring-plugin}; then the memory controller is enabled on
 *       {@code <own>} and on {@code mooring-clients}.
 *   <li>cgroup v1 (a memory hierarchy of its own, {@code memory.limit_in_bytes}): the client
 *       cgroups are children of the plugin's, which stays where it is.
 * </ul>
 *
 * <p>The own cgroup is the hierarchy's mount point plus the process's path from /proc/self/cgroup,
 * taken relative to the mount's root (in a container with a cgroup namespace both are "/").
 */
final class Cgroups {

  static final String CLIENTS = "mooring-clients";
  static final String PLUGIN = "mooring-plugin";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");

  private final Path clients;
  private final boolean v2;

  private Cgroups(Path clients, boolean v2) {
    this.clients = clients;
    this.v2 = v2;
  }

  /**
   * Finds the process's memory cgroup (a v1 memory hierarchy if there is one, else v2) and makes
   * the parent of the client cgroups in it.
   *
   * @param selfCgroup the text of /proc/self/cgroup
   * @throws StorageException FAILED_PRECONDITION when there is no memory cgroup this process may
   *     change
   */
  static Cgroups setUp(String selfCgroup, MountTable table) {
    List<String[]> lines =
        selfCgroup.lines().map(l -> l.split(":", 3)).filter(f -> f.length == 3).toList();
    Optional<String> v1Path =
        lines.stream()
            .filter(f -> List.of(f[1].split(",")).contains("memory"))
            .map(f -> f[2])
            .findFirst();
    Optional<String> v2Path =
        lines.stream().filter(f -> f[0].equals("0") && f[1].isEmpty()).map(f -> f[2]).findFirst();
    try {
      if (v1Path.isPresent()) {
        Path own = own(table, "cgroup", true, v1Path.get());
        return new Cgroups(Files.createDirectories(own.resolve(CLIENTS)), false);
      }
      if (v2Path.isPresent()) {
        return new Cgroups(setUpV2(own(table, "cgroup2", false, v2Path.get())), true);
      }
    } catch (IOException e) {
      throw unavailable("cannot set up its cgroups (" + e + ")");
    }
    throw unavailable(
        "this process is in no memory cgroup (" + selfCgroup.strip().replace('\n', ' ') + ")");
  }

  private static Path setUpV2(Path own) throws IOException {
    if (own.getFileName() != null && own.getFileName().toString().equals(PLUGIN)) {
      own = own.getParent(); // a plugin restarted in the leaf a previous one made
    }
    if (!List.of(Files.readString(own.resolve("cgroup.controllers")).strip().split(" "))
        .contains("memory")) {
      throw unavailable("the memory controller is not available in cgroup " + own);
    }
    if (Files.exists(
        own.resolve("cgroup.type"))) { // not the root cgroup, which may keep its processes
      Path plugin = Files.createDirectories(own.resolve(PLUGIN));
      for (String pid : Files.readAllLines(own.resolve("cgroup.procs"))) {
        try {
          Files.writeString(plugin.resolve("cgroup.procs"), pid.strip());
        } catch (IOException e) {
          if (Files.exists(Path.of("/proc", pid.strip()))) {
            throw e;
          } // exited meanwhile
        }
      }
    }
    Files.writeString(own.resolve("cgroup.subtree_control"), "+memory");
    Path clients = Files.createDirectories(own.resolve(CLIENTS));
    Files.writeString(clients.resolve("cgroup.subtree_control"), "+memory");
    return clients;
  }

  /**
   * The process's cgroup in the first hierarchy of that type (with the memory controller, for v1)
   * it is under.
   */
  private static Path own(MountTable table, String fsType, boolean memory, String path) {
    for (MountEntry e : table.entries()) {
      if (e.fsType().equals(fsType)
          && (!memory || e.superOptions().contains("memory"))
          && (path + "/").startsWith(e.root().equals("/") ? "/" : e.root() + "/")) {
        return e.mountPoint().resolve(Path.of("/", e.root()).relativize(Path.of(path)).toString());
      }
    }
    throw unavailable(
        "no "
            + fsType
            + " hierarchy"
            + (memory ? " with the memory controller" : "")
            + " holding cgroup "
            + path
            + " is mounted");
  }

  /**
   * Makes the client's cgroup anew (a previous one that no process uses goes, with its OOM count)
   * and sets its limit.
   *
   * @param limitBytes 0 for none
   * @return the directory, for {@link io.mooring.exec.Command#inCgroup}
   * @throws StorageException INTERNAL when that fails
   */
  Path create(String client, long limitBytes) {
    Path dir = dir(client);
    remove(dir);
    try {
      Files.createDirectories(dir);
      if (v2) {
        Files.writeString(
            dir.resolve("memory.max"), limitBytes == 0 ? "max" : Long.toString(limitBytes));
      } else {
        Files.writeString(
            dir.resolve("memory.limit_in_bytes"),
            limitBytes == 0 ? "-1" : Long.toString(limitBytes));
      }
      return dir;
    } catch (IOException e) {
      throw StorageException.internal(
          "cannot make cgroup %s with a memory limit of %d bytes: %s", dir, limitBytes, e);
    }
  }

  /**
   * How many processes of the client's cgroup the kernel killed for want of memory since {@link
   * #create}.
   */
  long oomKills(String client) {
    Path events = dir(client).resolve(v2 ? "memory.events" : "memory.oom_control");
    try {
      return Files.readAllLines(events).stream()
          .filter(l -> l.startsWith("oom_kill "))
          .mapToLong(l -> Long.parseLong(l.substring("oom_kill ".length()).strip()))
          .sum();
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }

  /**
   * Removes the client's cgroup once its processes are gone: a FUSE daemon exits shortly after its
   * unmount, so this waits up to a second. One still busy stays, and goes at the next {@link
   * #create}.
   */
  void release(String client) {
    Path dir = dir(client);
    for (int i = 0; i < 20 && !remove(dir); i++) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * Removes the cgroups no client process is in: those of clients unmounted while no plugin ran.
   */
  void removeUnused() {
    try (Stream<Path> dirs = Files.list(clients)) {
      dirs.filter(Files::isDirectory).forEach(Cgroups::remove);
    } catch (IOException e) {
      // nothing to remove
    }
  }

  /**
   * Removes the unused cgroups, and their parent if none is left: running clients outlive the
   * plugin.
   */
  void close() {
    removeUnused();
    remove(clients);
  }

  /** The client's cgroup directory. */
  Path dir(String client) {
    String name = client.replace('/', '.');
    if (!NAME.matcher(name).matches() || name.startsWith(".")) {
      throw StorageException.internal("%s is no name for a cgroup", client);
    }
    return clients.resolve(name);
  }

  /** rmdir: a cgroup goes with its control files once no process and no child is in it. */
  private static boolean remove(Path dir) {
    try {
      Files.deleteIfExists(dir);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public String toString() {
    return (v2 ? "cgroup v2" : "cgroup v1") + " memory cgroups under " + clients;
  }

  private static StorageException unavailable(String message) {
    return new StorageException(StorageException.Kind.FAILED_PRECONDITION, message);
  }
}
