package io.mooring.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.NodeGetVolumeStatsRequest;
import csi.v1.Csi.NodeGetVolumeStatsResponse;
import csi.v1.Csi.NodePublishVolumeRequest;
import csi.v1.Csi.NodeStageVolumeRequest;
import csi.v1.Csi.NodeUnpublishVolumeRequest;
import csi.v1.Csi.NodeUnstageVolumeRequest;
import csi.v1.NodeGrpc;
import io.mooring.exec.Command;
import io.mooring.exec.ProcessCommandRunner;
import io.mooring.mount.MountTable;
import io.mooring.testing.GlusterFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real node plugin program with a CephFS volume of the scripts/ceph-up cluster (CEPH_MONITORS,
 * CEPH_FS, CEPH_ADMIN_ID, CEPH_ADMIN_KEY_FILE): staged with a key authorised for its subvolume
 * only, the plugin killed with SIGKILL and restarted, and no key anywhere but in its keyring file —
 * not on any command line on the machine, not in the program's debug log.
 */
class CephNodeIT {

  private static final String VOLUME = "pvc-ceph-restart";
  private static final String VOLUME_ID = "v1:ceph-it:" + VOLUME;

  private final String monitors = env("CEPH_MONITORS", "127.0.0.1:6789");
  private final String fsName = env("CEPH_FS", "cephfs");
  private final Path adminKeyFile =
      Path.of(env("CEPH_ADMIN_KEY_FILE", "/tmp/mooring-ceph/admin.key"));
  private final String group = "app-it-" + UUID.randomUUID().toString().substring(0, 8);
  private final String user = "it-" + group;
  private Path dir;
  private Path stateDir;
  private String adminKey;
  private final List<RunningPlugin> plugins = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    dir = Files.createTempDirectory("mooring-ceph-node");
    stateDir = Files.createDirectories(dir.resolve("kubelet/plugins/mooring.csi.io")).toRealPath();
    adminKey = Files.readString(adminKeyFile).strip();
  }

  @AfterEach
  void tearDown() {
    plugins.forEach(p -> p.process.destroyForcibly());
    GlusterFixture.removeUnder(dir, stateDir);
    for (List<String> cleanUp :
        List.of(
            List.of("fs", "subvolume", "rm", fsName, VOLUME, "--group_name", group, "--force"),
            List.of("fs", "subvolumegroup", "rm", fsName, group, "--force"),
            List.of("auth", "rm", "client." + user))) {
      try {
        ceph(cleanUp.toArray(String[]::new));
      } catch (RuntimeException e) {
        System.err.println("clean-up: " + e.getMessage());
      }
    }
  }

  @Test
  void survivesSigkillAdoptsTheClientAndShowsTheKeyNowhere() throws Exception {
    ceph("fs", "subvolumegroup", "create", fsName, group);
    ceph(
        "fs",
        "subvolume",
        "create",
        fsName,
        VOLUME,
        "--group_name",
        group,
        "--size",
        Long.toString(8 << 20));
    String path = ceph("fs", "subvolume", "getpath", fsName, VOLUME, "--group_name", group).strip();
    ceph("fs", "authorize", fsName, "client." + user, path, "rw");
    String key = ceph("auth", "get-key", "client." + user).strip();
    Map<String, String> context =
        Map.of(
            "backend",
            "ceph-it",
            "type",
            "cephfs",
            "monitors",
            monitors,
            "fsName",
            fsName,
            "subvolumeGroup",
            group,
            "subvolume",
            VOLUME,
            "path",
            path,
            "mounter",
            "");

    RunningPlugin first = start();
    NodeGrpc.NodeBlockingStub node = NodeGrpc.newBlockingStub(first.channel());
    node.nodeStageVolume(
        NodeStageVolumeRequest.newBuilder()
            .setVolumeId(VOLUME_ID)
            .setStagingTargetPath(staging().toString())
            .setVolumeCapability(NodeRestartIT.RWX)
            .putAllVolumeContext(context)
            .putAllSecrets(Map.of("userID", user, "userKey", key))
            .build());
    node.nodePublishVolume(
        NodePublishVolumeRequest.newBuilder()
            .setVolumeId(VOLUME_ID)
            .setStagingTargetPath(staging().toString())
            .setTargetPath(target().toString())
            .setVolumeCapability(NodeRestartIT.RWX)
            .build());
    Files.writeString(target().resolve("f"), "before");
    assertNoKeyOnAnyCommandLine(key);
    long pid = cephFuse().orElseThrow().pid();

    first.kill();
    assertTrue(cephFuse().isPresent(), "ceph-fuse outlives the plugin");
    assertEquals(
        "before", Files.readString(target().resolve("f")), "pods keep their data without a plugin");

    RunningPlugin second = start();
    node = NodeGrpc.newBlockingStub(second.channel());
    assertEquals(pid, cephFuse().orElseThrow().pid(), "adopted, not remounted");
    NodeGetVolumeStatsResponse stats =
        node.nodeGetVolumeStats(
            NodeGetVolumeStatsRequest.newBuilder()
                .setVolumeId(VOLUME_ID)
                .setVolumePath(target().toString())
                .build());
    assertFalse(stats.getVolumeCondition().getAbnormal(), stats.getVolumeCondition().getMessage());
    assertEquals(8 << 20, stats.getUsage(0).getTotal());
    node.nodeUnpublishVolume(
        NodeUnpublishVolumeRequest.newBuilder()
            .setVolumeId(VOLUME_ID)
            .setTargetPath(target().toString())
            .build());
    node.nodeUnstageVolume(
        NodeUnstageVolumeRequest.newBuilder()
            .setVolumeId(VOLUME_ID)
            .setStagingTargetPath(staging().toString())
            .build());
    assertTrue(second.terminate());

    assertEquals(List.of(), MountTable.read().under(dir));
    try (Stream<Path> keys = Files.list(stateDir.resolve("keys"))) {
      assertEquals(List.of(), keys.toList(), "the keyring goes with the unstage");
    }
    for (RunningPlugin plugin : plugins) {
      String log = plugin.log();
      assertTrue(log.contains("NodeStageVolume") || log.contains("adopting"), log);
      assertFalse(log.contains(key) || log.contains(adminKey), "the plugin log shows a key");
    }
  }

  private RunningPlugin start() throws Exception {
    RunningPlugin plugin =
        RunningPlugin.start(
            dir.resolve("node.sock"),
            dir.resolve("node-" + plugins.size() + ".log"),
            "node",
            "--node-id",
            "n1",
            "--state-dir",
            stateDir.toString(),
            "--health-interval",
            "1s",
            "--log-level",
            "debug");
    plugins.add(plugin);
    return plugin;
  }

  private Path staging() {
    return dir.resolve("kubelet/plugins/kubernetes.io/csi/mooring.csi.io/pv1/globalmount");
  }

  private Path target() {
    return dir.resolve("kubelet/pods/app/volumes/kubernetes.io~csi/pv1/mount");
  }

  private Optional<ProcessHandle> cephFuse() {
    String mountPoint = stateDir.resolve("cephfs/ceph-it/" + VOLUME + "/mnt").toString();
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().command().orElse("").endsWith("/ceph-fuse"))
        .filter(
            p -> {
              String[] args = p.info().arguments().orElse(new String[0]);
              return args.length > 0 && args[args.length - 1].equals(mountPoint);
            })
        .findFirst();
  }

  private void assertNoKeyOnAnyCommandLine(String key) throws IOException {
    int scanned = 0;
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        String cmdline;
        try {
          cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
        } catch (IOException e) {
          continue; // exited meanwhile
        }
        scanned++;
        assertFalse(
            cmdline.contains(key) || cmdline.contains(adminKey),
            proc + " has a key on its command line");
      }
    }
    assertTrue(scanned > 10);
  }

  private String ceph(String... args) {
    List<String> argv =
        new ArrayList<>(
            List.of(
                "ceph",
                "--conf=/dev/null",
                "-m",
                monitors,
                "--id",
                env("CEPH_ADMIN_ID", "admin"),
                "--keyfile=" + adminKeyFile,
                "--connect-timeout=20"));
    argv.addAll(List.of(args));
    return new ProcessCommandRunner()
        .run(Command.of(argv).withTimeout(Duration.ofSeconds(60)).withSecrets(Set.of(adminKey)))
        .stdout();
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
