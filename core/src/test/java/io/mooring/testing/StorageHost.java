package io.mooring.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The storage host of scripts/storage-host-up: GlusterFS (and Ceph) in a network and mount
 * namespace of their own, reached through a veth pair. STORAGE_NS names the network namespace,
 * STORAGE_HOLDER_PID a process that holds both namespaces.
 */
public final class StorageHost {

  private static final String QUOTAD_PID = "/var/run/gluster/quotad/quotad.pid";
  private static final String QUOTAD_SOCKET = "/var/run/gluster/quotad.socket";

  private StorageHost() {}

  private static String env(String name) {
    String value = System.getenv(name);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException(
          name + " is not set: run the integration tests with scripts/test");
    }
    return value;
  }

  /** Runs a command on the storage host (its network and mount namespace); returns its stdout. */
  public static String run(String... argv) {
    List<String> full =
        new ArrayList<>(List.of("nsenter", "-t", env("STORAGE_HOLDER_PID"), "-m", "-n", "--"));
    full.addAll(List.of(argv));
    return GlusterFixture.run(full.toArray(String[]::new));
  }

  /**
   * The storage host's network link goes down: packets are dropped, nothing is refused, and its
   * servers go on talking to each other (they serve on an address of its loopback).
   */
  public static void linkDown() {
    GlusterFixture.run("ip", "-n", env("STORAGE_NS"), "link", "set", "eth0", "down");
  }

  public static void linkUp() {
    GlusterFixture.run("ip", "-n", env("STORAGE_NS"), "link", "set", "eth0", "up");
  }

  /**
   * Stops the storage host's glusterd (bricks keep running, as in a service restart) and starts it
   * again.
   */
  public static void restartGlusterd() throws Exception {
    // glusterd is glusterfsd under another name: its pid file says which process it is
    long pid = Long.parseLong(run("cat", "/run/glusterd.pid").strip());
    ProcessHandle glusterd =
        ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("no glusterd " + pid));
    glusterd.destroy();
    glusterd.onExit().get();
    run("glusterd", "-p", "/run/glusterd.pid", "--log-level", "INFO");
    for (int i = 0; i < 100; i++) {
      try {
        run("gluster", "--mode=script", "--timeout=5", "pool", "list");
        return;
      } catch (RuntimeException notYet) {
        Thread.sleep(100);
      }
    }
    throw new AssertionError("glusterd on the storage host does not answer after its restart");
  }

  /**
   * Stops quotad, the daemon the bricks ask for directories' sizes (glusterd does not start it
   * again by itself): every quota check of a write then waits for it.
   */
  public static void stopQuotad() throws Exception {
    long pid = Long.parseLong(run("cat", QUOTAD_PID).strip());
    ProcessHandle quotad =
        ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("no quotad " + pid));
    quotad.destroy();
    quotad.onExit().get();
  }

  /**
   * Has glusterd start quotad again ({@code volume start force} starts a started volume's missing
   * daemons), as after a service restart; the bricks connect to it within a few seconds.
   */
  public static void startQuotad() throws Exception {
    run("gluster", "--mode=script", "volume", "start", GlusterFixture.volume(), "force");
    for (int i = 0; i < 100; i++) {
      String pid = run("sh", "-c", "cat " + QUOTAD_PID + " 2>/dev/null || true").strip();
      if (!pid.isEmpty() && ProcessHandle.of(Long.parseLong(pid)).isPresent()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("glusterd did not start quotad again on the storage host");
  }

  /**
   * How many brick processes of the fixture's volume hold a connection to quotad's unix socket: the
   * connection a brick's quota enforcer asks directories' sizes through.
   */
  public static long bricksConnectedToQuotad() {
    // ss -x lines: netid state recv-q send-q local-path local-inode peer-path peer-inode users
    List<String[]> sockets =
        run("ss", "-xpH")
            .lines()
            .map(l -> l.strip().split("\\s+"))
            .filter(f -> f.length >= 9)
            .toList();
    Set<String> quotadPeers =
        sockets.stream()
            .filter(f -> f[4].equals(QUOTAD_SOCKET) && f[1].equals("ESTAB"))
            .map(f -> f[7])
            .collect(Collectors.toSet());
    List<Long> bricks = bricks();
    return sockets.stream()
        .filter(f -> quotadPeers.contains(f[5]))
        .flatMap(f -> bricks.stream().filter(pid -> f[8].contains("pid=" + pid + ",")))
        .distinct()
        .count();
  }

  /** Thaws what {@link #freezeBricks} froze. */
  public interface Frozen extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Freezes (SIGSTOP) every brick process of the fixture's Gluster volume: the servers keep their
   * connections open and answer nothing, as a hung server does, so a FUSE mount of the volume hangs
   * (until the client's ping timeout, 42 s). Closing thaws them (SIGCONT).
   */
  public static Frozen freezeBricks() {
    List<String> pids = bricks().stream().map(Object::toString).toList();
    if (pids.isEmpty()) {
      throw new IllegalStateException(
          "no brick process of Gluster volume " + GlusterFixture.volume() + " on the storage host");
    }
    signal("-STOP", pids);
    return () -> signal("-CONT", pids);
  }

  /** The pids of the fixture volume's brick processes on the storage host. */
  public static List<Long> bricks() {
    String netns = netns(env("STORAGE_HOLDER_PID"));
    return ProcessHandle.allProcesses()
        .filter(p -> isBrickOf(p, GlusterFixture.volume()))
        .map(ProcessHandle::pid)
        .filter(pid -> netns.equals(netns(Long.toString(pid))))
        .toList();
  }

  /**
   * Freezes (SIGSTOP) the storage host's ceph-mgr: the monitors still take connections and answer,
   * the mgr keeps its sockets open and answers nothing, as a hung mgr does. After the mgr beacon
   * grace (30 s) the monitors mark it failed; once thawed it respawns (the same process) and takes
   * over again within seconds. Closing thaws it (SIGCONT).
   */
  public static Frozen freezeMgr() {
    String netns = netns(env("STORAGE_HOLDER_PID"));
    List<String> pids =
        ProcessHandle.allProcesses()
            .filter(p -> p.info().command().orElse("").endsWith("/ceph-mgr"))
            .map(p -> Long.toString(p.pid()))
            .filter(pid -> netns.equals(netns(pid)))
            .toList();
    if (pids.isEmpty()) {
      throw new IllegalStateException("no ceph-mgr process on the storage host");
    }
    signal("-STOP", pids);
    return () -> signal("-CONT", pids);
  }

  /** A brick runs {@code glusterfsd ... --volfile-id <volume>.<server>.<brick path> ...}. */
  private static boolean isBrickOf(ProcessHandle process, String volume) {
    List<String> args = Arrays.asList(process.info().arguments().orElse(new String[0]));
    int at = args.indexOf("--volfile-id");
    return process.info().command().orElse("").endsWith("/glusterfsd")
        && at >= 0
        && at + 1 < args.size()
        && args.get(at + 1).startsWith(volume + ".");
  }

  /** The network namespace of a process, e.g. {@code net:[4026532281]}; empty once it is gone. */
  private static String netns(String pid) {
    try {
      return Files.readSymbolicLink(Path.of("/proc", pid, "ns", "net")).toString();
    } catch (IOException e) {
      return "";
    }
  }

  private static void signal(String signal, List<String> pids) {
    List<String> argv = new ArrayList<>(List.of("kill", signal));
    argv.addAll(pids);
    GlusterFixture.run(argv.toArray(String[]::new));
  }
}
