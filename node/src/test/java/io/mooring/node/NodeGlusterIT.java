package io.mooring.node;

import static io.mooring.node.Waits.read;
import static io.mooring.node.Waits.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.NodeGetVolumeStatsRequest;
import csi.v1.Csi.NodeGetVolumeStatsResponse;
import csi.v1.Csi.NodePublishVolumeRequest;
import csi.v1.Csi.NodeStageVolumeRequest;
import csi.v1.Csi.NodeUnpublishVolumeRequest;
import csi.v1.Csi.NodeUnstageVolumeRequest;
import csi.v1.Csi.VolumeCapability;
import csi.v1.Csi.VolumeCapability.AccessMode.Mode;
import csi.v1.NodeGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.mooring.events.ClusterEvents;
import io.mooring.exec.ProcessCommandRunner;
import io.mooring.mount.FuseClients;
import io.mooring.mount.MountEntry;
import io.mooring.mount.MountTable;
import io.mooring.mount.SystemMounter;
import io.mooring.rpc.Metrics;
import io.mooring.testing.GlusterFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The node plugin on the real Gluster volume with real mounts, inside an rshared stand-in for the
 * kubelet dir. Needs root, /dev/fuse and the volume scripts/gluster-up creates.
 */
class NodeGlusterIT {

  private static final String BACKEND = "it";
  private static final Duration HEALTH_INTERVAL = Duration.ofSeconds(1);

  private static GlusterBase gluster;
  private static final List<String> quotas = new ArrayList<>();

  private Path testDir;
  private Path stateDir;
  private final List<ServedNode> nodes = new ArrayList<>();
  private Process reader;

  @BeforeAll
  static void setUpVolume() throws IOException {
    gluster = new GlusterBase();
  }

  @AfterAll
  static void tearDownVolume() throws IOException {
    if (gluster == null) {
      return;
    }
    try {
      for (String path : quotas) {
        GlusterFixture.gluster("volume", "quota", GlusterFixture.volume(), "remove", path);
      }
    } finally {
      gluster.close();
    }
  }

  @BeforeEach
  void setUp(TestInfo test) throws IOException {
    testDir =
        Files.createDirectories(
            gluster.kubelet.root.resolve(test.getTestMethod().orElseThrow().getName()));
    stateDir = testDir.resolve("plugins/mooring");
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    if (reader != null) {
      reader.descendants().forEach(ProcessHandle::destroyForcibly);
      reader.destroyForcibly();
    }
    nodes.forEach(ServedNode::close);
    KubeletDir.unmountAllUnder(testDir);
    TestCgroups.removeAll();
  }

  @Test
  void stagedVolumeIsSharedBetweenTargetsIdempotentlyAndWithItsQuota() throws Exception {
    String dir = volumeDir("pvc-rw");
    String quotaPath = gluster.path + "/" + dir;
    GlusterFixture.gluster(
        "volume", "quota", GlusterFixture.volume(), "limit-usage", quotaPath, "10MB");
    quotas.add(quotaPath);
    ServedNode node = start();

    for (int i = 0; i < 2; i++) {
      node.stub().nodeStageVolume(stage(dir));
      node.stub().nodePublishVolume(publish(dir, "writer", false));
      node.stub().nodePublishVolume(publish(dir, "reader", false));
      node.stub().nodePublishVolume(publish(dir, "viewer", true));
    }
    assertEquals(
        5, MountTable.read().under(testDir).size(), "client, staging and three targets, once each");

    Files.writeString(target(dir, "writer").resolve("f"), "hello", StandardCharsets.UTF_8);
    assertEquals("hello", Files.readString(target(dir, "reader").resolve("f")));
    assertEquals("hello", Files.readString(target(dir, "viewer").resolve("f")));
    assertEquals(
        "hello", Files.readString(gluster.admin.resolve(quotaPath.substring(1)).resolve("f")));
    FileSystemException readOnly =
        assertThrows(
            FileSystemException.class,
            () -> Files.writeString(target(dir, "viewer").resolve("g"), "no"));
    assertEquals("Read-only file system", readOnly.getReason());

    NodeGetVolumeStatsResponse stats =
        node.stub().nodeGetVolumeStats(stats(dir, target(dir, "reader")));
    assertFalse(stats.getVolumeCondition().getAbnormal(), stats.getVolumeCondition().getMessage());
    assertEquals(10L * 1024 * 1024, stats.getUsage(0).getTotal(), "df of the bind shows the quota");
    assertTrue(stats.getUsage(1).getTotal() > 0, "inodes");

    for (int i = 0; i < 2; i++) {
      for (String pod : List.of("writer", "reader", "viewer")) {
        node.stub().nodeUnpublishVolume(unpublish(dir, pod));
      }
      node.stub().nodeUnstageVolume(unstage(dir));
    }
    assertFalse(Files.exists(target(dir, "writer")), "unpublish removes the target");
    assertEquals(List.of(), MountTable.read().under(testDir));
    waitFor(Duration.ofSeconds(10), () -> glusterClients().isEmpty(), "the client process exits");
  }

  /**
   * A hand-made PersistentVolume of B whose context names A's directory, or the base path with
   * every volume's, would stage that under B's name.
   */
  @Test
  void stageWithAnotherVolumesPathIsRefusedAndMountsNothing() throws Exception {
    String a = volumeDir("pvc-theirs");
    String b = volumeDir("pvc-mine");
    ServedNode node = start();

    for (String path : List.of(gluster.path + "/" + a, gluster.path)) {
      NodeStageVolumeRequest stage = stage(b).toBuilder().putVolumeContext("path", path).build();
      StatusRuntimeException e =
          assertThrows(StatusRuntimeException.class, () -> node.stub().nodeStageVolume(stage));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), path);
      assertEquals(List.of(), MountTable.read().under(testDir), path + " mounts nothing");
      assertEquals(List.of(), glusterClients(), path + " starts no client");
    }
  }

  @Test
  void twentyVolumesUseOneGlusterClient() throws Exception {
    ServedNode node = start();
    List<String> dirs = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String dir = volumeDir("pvc-many-" + i);
      dirs.add(dir);
      node.stub().nodeStageVolume(stage(dir));
      node.stub().nodePublishVolume(publish(dir, "pod-" + i, false));
      Files.writeString(target(dir, "pod-" + i).resolve("id"), dir);
    }

    List<MountEntry> clients =
        MountTable.read().under(testDir).stream()
            .filter(e -> e.isFuse("glusterfs") && e.root().equals("/"))
            .toList();
    assertEquals(1, clients.size(), clients.toString());
    assertEquals(stateDir.resolve("mounts").resolve(BACKEND), clients.get(0).mountPoint());
    assertEquals(1, glusterClients().size(), "one glusterfs process");
    assertEquals(41, MountTable.read().under(testDir).size());
    for (String dir : dirs) {
      assertEquals(dir, Files.readString(gluster.dir().resolve(dir).resolve("id")));
    }

    for (int i = 0; i < 20; i++) {
      assertTrue(
          MountTable.read().isMountPoint(clients.get(0).mountPoint()),
          "still in use before the last unstage");
      node.stub().nodeUnpublishVolume(unpublish(dirs.get(i), "pod-" + i));
      node.stub().nodeUnstageVolume(unstage(dirs.get(i)));
    }
    assertEquals(
        List.of(), MountTable.read().under(testDir), "the last unstage unmounts the client");
    waitFor(Duration.ofSeconds(10), () -> glusterClients().isEmpty(), "the client process exits");
  }

  @Test
  void killedClientIsReportedAndHealedUnderARunningReader() throws Exception {
    String dir = volumeDir("pvc-heal");
    ServedNode node = start();
    node.stub().nodeStageVolume(stage(dir));
    node.stub().nodePublishVolume(publish(dir, "app", false));
    node.stub().nodePublishVolume(publish(dir, "viewer", true));
    Path target = target(dir, "app");
    Files.writeString(target.resolve("f"), "data");
    Path log = testDir.resolve("reader.log");
    reader = PodReader.start(target.resolve("f"), log);
    waitFor(Duration.ofSeconds(5), () -> read(log).contains("ok"), "the reader reads");
    ProcessHandle client = glusterClients().get(0);
    Path clientPath = stateDir.resolve("mounts").resolve(BACKEND);
    String deadDevice = MountTable.read().at(clientPath).orElseThrow().device();
    int atKill = read(log).length();

    long killed = System.nanoTime();
    client.destroyForcibly();
    NodeGetVolumeStatsResponse dead = node.stub().nodeGetVolumeStats(stats(dir, target));
    while (!dead.getVolumeCondition().getMessage().contains("has exited")
        && deadDevice.equals(clientDevice(clientPath))
        && System.nanoTime() - killed < TimeUnit.SECONDS.toNanos(3)) {
      Thread.sleep(5); // until SIGKILL has taken the client process down
      dead = node.stub().nodeGetVolumeStats(stats(dir, target));
    }
    if (dead.getVolumeCondition().getAbnormal()) {
      // ENOTCONN, or ECONNABORTED for calls caught in the abort
      assertTrue(
          dead.getVolumeCondition()
              .getMessage()
              .matches(
                  ".*has exited \\("
                      + target
                      + ": (Transport endpoint is not connected|Software caused connection"
                      + " abort)\\).*"),
          dead.getVolumeCondition().getMessage());
    } else {
      // The 1 s timer can win the race against the first stats call; then it has healed already.
      assertNotEquals(deadDevice, clientDevice(clientPath), "neither reported abnormal nor healed");
      System.out.println("the health timer healed the client before NodeGetVolumeStats looked");
    }

    waitFor(
        HEALTH_INTERVAL.multipliedBy(5),
        () ->
            !node.stub().nodeGetVolumeStats(stats(dir, target)).getVolumeCondition().getAbnormal(),
        "stats report the volume healthy again");
    long statsHealed = System.nanoTime();
    int atHeal = read(log).length();
    waitFor(
        Duration.ofSeconds(5),
        () -> read(log).substring(atHeal).contains("ok"),
        "the reader reads again");
    long readerHealed = System.nanoTime();
    System.out.printf(
        "kill -> healed: %d ms (stats), %d ms (reader in a slave namespace; %d failed reads)%n",
        (statsHealed - killed) / 1_000_000,
        (readerHealed - killed) / 1_000_000,
        read(log).substring(atKill).lines().filter("fail"::equals).count());

    assertTrue(reader.isAlive(), "the reader was not restarted");
    assertEquals("data", Files.readString(target.resolve("f")));
    assertEquals("data", Files.readString(target(dir, "viewer").resolve("f")));
    assertTrue(
        MountTable.read().at(target(dir, "viewer")).orElseThrow().readOnly(),
        "the heal keeps read-only");
    assertEquals(1, glusterClients().size());
    assertEquals(4, MountTable.read().under(testDir).size(), "the dead mounts are gone");

    // Without any RPC, the timer alone heals within an interval or so.
    String healedDevice = clientDevice(clientPath);
    long killedAgain = System.nanoTime();
    glusterClients().get(0).destroyForcibly();
    waitFor(
        HEALTH_INTERVAL.multipliedBy(3),
        () ->
            !healedDevice.equals(clientDevice(clientPath))
                && "data".equals(read(target.resolve("f"))),
        "the timer heals the client");
    System.out.printf(
        "kill -> healed by the %d ms timer alone: %d ms%n",
        HEALTH_INTERVAL.toMillis(), (System.nanoTime() - killedAgain) / 1_000_000);
  }

  @Test
  void restartedPluginAdoptsLiveMountsAndHealsDeadOnes() throws Exception {
    String dir = volumeDir("pvc-adopt");
    ServedNode first = start();
    first.stub().nodeStageVolume(stage(dir));
    first.stub().nodePublishVolume(publish(dir, "app", false));
    first.close();
    nodes.remove(first);
    Path clientPath = stateDir.resolve("mounts").resolve(BACKEND);
    String device = MountTable.read().at(clientPath).orElseThrow().device();

    ServedNode second = start();
    assertEquals(
        device, MountTable.read().at(clientPath).orElseThrow().device(), "adopted, not remounted");
    assertFalse(
        second
            .stub()
            .nodeGetVolumeStats(stats(dir, target(dir, "app")))
            .getVolumeCondition()
            .getAbnormal());
    second.close();
    nodes.remove(second);

    // the container restart case: its FUSE clients die with it
    ProcessHandle client = glusterClients().get(0);
    client.destroyForcibly();
    client.onExit().get(5, TimeUnit.SECONDS);
    ServedNode third = start();
    assertNotEquals(
        device, MountTable.read().at(clientPath).orElseThrow().device(), "healed at startup");
    Files.writeString(target(dir, "app").resolve("f"), "after restart");
    third.stub().nodeUnpublishVolume(unpublish(dir, "app"));
    third.stub().nodeUnstageVolume(unstage(dir));
    assertEquals(List.of(), MountTable.read().under(testDir));
  }

  private ServedNode start() throws IOException {
    ProcessCommandRunner runner = new ProcessCommandRunner();
    NodePlugin plugin =
        new NodePlugin(
            new NodeConfig("it-node", stateDir, HEALTH_INTERVAL),
            new SystemMounter(runner),
            runner,
            Metrics.OFF,
            ClusterEvents.OFF);
    plugin.start();
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder builder = InProcessServerBuilder.forName(name).directExecutor();
    plugin.services().forEach(builder::addService);
    Server server = builder.build().start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    ServedNode node =
        new ServedNode(stateDir, plugin, server, channel, NodeGrpc.newBlockingStub(channel));
    nodes.add(node);
    return node;
  }

  /** Creates the volume's directory as the controller would, through a mount of its own. */
  private static String volumeDir(String dir) throws IOException {
    Files.createDirectories(gluster.dir().resolve(dir));
    return dir;
  }

  /** glusterfs client processes serving this test's shared mount. */
  private List<ProcessHandle> glusterClients() {
    Path clientPath = stateDir.resolve("mounts").resolve(BACKEND);
    return ProcessHandle.allProcesses().filter(p -> FuseClients.serves(p, clientPath)).toList();
  }

  private static VolumeCapability capability(boolean readOnly) {
    return VolumeCapability.newBuilder()
        .setMount(VolumeCapability.MountVolume.getDefaultInstance())
        .setAccessMode(
            VolumeCapability.AccessMode.newBuilder()
                .setMode(readOnly ? Mode.MULTI_NODE_READER_ONLY : Mode.MULTI_NODE_MULTI_WRITER))
        .build();
  }

  private static Map<String, String> context(String dir) {
    return Map.of(
        "backend",
        BACKEND,
        "type",
        "glusterfs",
        "servers",
        GlusterFixture.server(),
        "volume",
        GlusterFixture.volume(),
        "path",
        gluster.path + "/" + dir);
  }

  private static String id(String dir) {
    return "v1:" + BACKEND + ":" + dir;
  }

  private Path staging(String dir) {
    return testDir.resolve("plugins/kubernetes.io/csi/mooring/" + dir + "/globalmount");
  }

  private Path target(String dir, String pod) {
    return testDir.resolve("pods/" + pod + "/volumes/kubernetes.io~csi/" + dir + "/mount");
  }

  private NodeStageVolumeRequest stage(String dir) {
    return NodeStageVolumeRequest.newBuilder()
        .setVolumeId(id(dir))
        .setStagingTargetPath(staging(dir).toString())
        .setVolumeCapability(capability(false))
        .putAllVolumeContext(context(dir))
        .build();
  }

  private NodePublishVolumeRequest publish(String dir, String pod, boolean readOnly) {
    return NodePublishVolumeRequest.newBuilder()
        .setVolumeId(id(dir))
        .setStagingTargetPath(staging(dir).toString())
        .setTargetPath(target(dir, pod).toString())
        .setVolumeCapability(capability(readOnly))
        .putAllVolumeContext(context(dir))
        .build();
  }

  private NodeUnpublishVolumeRequest unpublish(String dir, String pod) {
    return NodeUnpublishVolumeRequest.newBuilder()
        .setVolumeId(id(dir))
        .setTargetPath(target(dir, pod).toString())
        .build();
  }

  private NodeUnstageVolumeRequest unstage(String dir) {
    return NodeUnstageVolumeRequest.newBuilder()
        .setVolumeId(id(dir))
        .setStagingTargetPath(staging(dir).toString())
        .build();
  }

  private static NodeGetVolumeStatsRequest stats(String dir, Path path) {
    return NodeGetVolumeStatsRequest.newBuilder()
        .setVolumeId(id(dir))
        .setVolumePath(path.toString())
        .build();
  }

  private static String clientDevice(Path clientPath) {
    return MountTable.read().at(clientPath).map(MountEntry::device).orElse("");
  }
}
