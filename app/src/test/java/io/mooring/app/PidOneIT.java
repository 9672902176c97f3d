package io.mooring.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.NodeStageVolumeRequest;
import csi.v1.NodeGrpc;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin as PID 1 of its own PID namespace ({@code unshare --pid --fork --mount-proc}, as in a
 * container), and the FUSE clients it starts. The trigger is the plugin's own: NodeStageVolume runs
 * {@code mount -t glusterfs}, whose glusterfs client daemonizes (the helper returns, the client is
 * handed to PID 1) and, with no volfile server to reach (a network namespace of its own with no
 * interface up, so nothing leaves it), exits a moment later. Whoever is PID 1 must reap it: the JVM
 * does not, tini does. The image's ENTRYPOINT (read from the Dockerfile) and scripts/mooring as PID
 * 1 are tested; the bare JVM shows the failure they prevent.
 */
class PidOneIT {

  static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  static final Path JAR = ROOT.resolve("app/target/mooring-all.jar");
  static final int MOUNTS = 3;

  @TempDir Path dir;
  RunningPlugin plugin;

  @AfterEach
  void tearDown() throws Exception {
    if (plugin != null) {
      // SIGKILL to PID 1 of the namespace kills everything in it (--kill-child: so does unshare's
      // end).
      plugin.process.children().forEach(ProcessHandle::destroyForcibly);
      plugin.kill();
      plugin.close();
    }
  }

  /** The ENTRYPOINT of the Dockerfile, run against the jar just built. */
  static List<String> imageEntrypoint() throws IOException {
    Matcher m =
        Pattern.compile("(?m)^ENTRYPOINT \\[(.*)]$")
            .matcher(Files.readString(ROOT.resolve("Dockerfile")));
    assertTrue(m.find(), "no ENTRYPOINT [...] in the Dockerfile");
    List<String> argv = new ArrayList<>();
    Matcher word = Pattern.compile("\"([^\"]*)\"").matcher(m.group(1));
    while (word.find()) {
      argv.add(word.group(1).equals("/opt/mooring/mooring.jar") ? JAR.toString() : word.group(1));
    }
    assertTrue(argv.contains(JAR.toString()), "the ENTRYPOINT runs another jar: " + argv);
    return argv;
  }

  @Test
  void theJvmAsPidOneLeavesEveryExitedFuseClientAZombie() throws Exception {
    Result r = run(List.of("java", "-jar", JAR.toString()), Map.of());
    assertEquals("java", r.init, "PID 1 of the namespace");
    assertEquals(MOUNTS, r.zombies.size(), "one zombie per failed mount: " + r.zombies);
    assertTrue(r.zombies.stream().allMatch(z -> z.equals("glusterfs")), r.zombies.toString());
  }

  @Test
  void theImageEntrypointReapsThemAndStillStopsGracefully() throws Exception {
    Result r = run(imageEntrypoint(), Map.of());
    assertEquals("tini", r.init, "PID 1 of the namespace");
    assertEquals(List.of(), r.zombies);
    // SIGTERM to PID 1, as the kubelet sends it: tini passes it on and exits with the JVM.
    plugin.process.children().findFirst().orElseThrow().destroy();
    assertTrue(plugin.process.waitFor(30, TimeUnit.SECONDS), "no exit after SIGTERM");
    assertEquals(143, plugin.process.exitValue(), "tini exits as the JVM did (SIGTERM)");
    assertTrue(
        plugin.log().contains("stopped"), "the JVM did not shut down cleanly: " + plugin.log());
    assertTrue(!Files.exists(dir.resolve("csi.sock")), "socket left behind");
  }

  @Test
  void theLauncherAsPidOneRunsTheJvmUnderTini() throws Exception {
    // MOORING_JAVA_OPTS: no AppCDS training here (it is not what is tested).
    Result r =
        run(
            List.of(ROOT.resolve("scripts/mooring").toString()),
            Map.of("MOORING_JAVA_OPTS", "-Xmx96m"));
    assertEquals("tini", r.init, "PID 1 of the namespace");
    assertEquals(List.of(), r.zombies);
  }

  record Result(String init, List<String> zombies) {}

  /**
   * Starts {@code command node ...} as PID 1 of a new PID, mount and network namespace, makes
   * {@link #MOUNTS} Gluster mounts fail through NodeStageVolume, and returns PID 1's name and the
   * names of the zombies in the namespace once they are settled (bounded wait).
   */
  Result run(List<String> command, Map<String, String> env) throws Exception {
    Path socket = dir.resolve("csi.sock");
    Path stateDir = Files.createDirectories(dir.resolve("kubelet/plugins/mooring.csi.io"));
    List<String> argv =
        new ArrayList<>(
            List.of("unshare", "--pid", "--fork", "--mount-proc", "--net", "--kill-child"));
    argv.addAll(command);
    argv.addAll(
        List.of(
            "node",
            "--node-id",
            "n1",
            "--endpoint",
            "unix://" + socket,
            "--state-dir",
            stateDir.toString()));
    plugin = RunningPlugin.launch(argv, env, socket, dir.resolve("plugin.log"));
    long init = plugin.process.children().findFirst().orElseThrow().pid();
    NodeGrpc.NodeBlockingStub node = NodeGrpc.newBlockingStub(plugin.channel());
    String failure = "";
    for (int i = 0; i < MOUNTS; i++) {
      try {
        node.withDeadlineAfter(60, TimeUnit.SECONDS)
            .nodeStageVolume(
                NodeStageVolumeRequest.newBuilder()
                    .setVolumeId("v1:gluster-gone:pvc-pid1-00112233445566" + i)
                    .setStagingTargetPath(
                        dir.resolve(
                                "kubelet/plugins/kubernetes.io/csi/mooring.csi.io/pv"
                                    + i
                                    + "/globalmount")
                            .toString())
                    .setVolumeCapability(NodeRestartIT.RWX)
                    .putAllVolumeContext(
                        Map.of(
                            "backend",
                            "gluster-gone",
                            "type",
                            "glusterfs",
                            "servers",
                            "127.0.0.1",
                            "volume",
                            "gone",
                            "path",
                            "/pid1/pvc-pid1-00112233445566" + i))
                    .build());
        throw new AssertionError("a mount without a reachable server succeeded");
      } catch (StatusRuntimeException expected) {
        // The mount failed, as it must; its client was started and handed to PID 1 all the same.
        failure = expected.getStatus().toString();
        assertTrue(failure.contains("mount"), "failed before mounting: " + failure);
      }
    }
    // Settled: no glusterfs left running in the namespace (each exited; a zombie or reaped).
    long t0 = System.nanoTime();
    Map<Long, Proc> procs = namespace(init);
    while (procs.values().stream().anyMatch(p -> p.name.equals("glusterfs") && p.state != 'Z')
        && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10)) {
      Thread.sleep(100);
      procs = namespace(init);
    }
    Thread.sleep(500); // and a moment for PID 1 to reap the last one
    procs = namespace(init);
    long settledMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    List<String> zombies =
        procs.values().stream().filter(p -> p.state == 'Z').map(p -> p.name).toList();
    String initName = procs.get(init).name;
    System.out.printf(
        "PidOneIT: PID 1 = %s (%s): %d failed Gluster mounts, %d processes in the namespace "
            + "after %d ms, zombies: %d %s (NodeStageVolume: %s)%n",
        initName,
        String.join(" ", command),
        MOUNTS,
        procs.size(),
        settledMillis,
        zombies.size(),
        zombies,
        failure);
    return new Result(initName, zombies);
  }

  private record Proc(long ppid, char state, String name) {}

  /** The processes in the namespace: PID 1 ({@code init}, a host PID) and its descendants. */
  static Map<Long, Proc> namespace(long init) throws IOException {
    Map<Long, Proc> all = new HashMap<>();
    try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
      for (Path p : entries.filter(e -> e.getFileName().toString().matches("\\d+")).toList()) {
        try {
          // pid (comm) state ppid ...: comm may hold spaces and parentheses; it ends at the last
          // ')'.
          String stat = Files.readString(p.resolve("stat"));
          int close = stat.lastIndexOf(')');
          String[] rest = stat.substring(close + 2).split(" ");
          all.put(
              Long.parseLong(p.getFileName().toString()),
              new Proc(
                  Long.parseLong(rest[1]),
                  rest[0].charAt(0),
                  stat.substring(stat.indexOf('(') + 1, close)));
        } catch (IOException gone) {
          // exited meanwhile
        }
      }
    }
    Map<Long, Proc> inside = new HashMap<>();
    if (all.containsKey(init)) {
      inside.put(init, all.get(init));
    }
    boolean grew = true;
    while (grew) {
      grew = false;
      for (Map.Entry<Long, Proc> e : all.entrySet()) {
        if (!inside.containsKey(e.getKey()) && inside.containsKey(e.getValue().ppid)) {
          inside.put(e.getKey(), e.getValue());
          grew = true;
        }
      }
    }
    return inside;
  }
}
