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
import csi.v1.Csi.VolumeCapability;
import csi.v1.Csi.VolumeCapability.AccessMode;
import csi.v1.NodeGrpc;
import io.mooring.mount.MountEntry;
import io.mooring.mount.MountTable;
import io.mooring.testing.GlusterFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real node plugin program on a real Gluster volume: killed with SIGKILL while volumes are
 * published, restarted, and expected to adopt its mounts instead of making new ones; and a brick of
 * the replica-3 volume killed under published volumes.
 */
class NodeRestartIT {

  static final VolumeCapability RWX =
      VolumeCapability.newBuilder()
          .setMount(VolumeCapability.MountVolume.getDefaultInstance())
          .setAccessMode(AccessMode.newBuilder().setMode(AccessMode.Mode.MULTI_NODE_MULTI_WRITER))
          .build();

  Path dir;
  Path view;
  String basePath;
  Path stateDir;
  Path socket;
  Map<String, String> context;
  final String volumeId = "v1:gluster-it:pvc-restart-0011223344556677";

  @BeforeEach
  void setUp() throws Exception {
    dir = Files.createTempDirectory("mooring-node-restart");
    view = GlusterFixture.mount(dir.resolve("view"));
    basePath = GlusterFixture.uniqueBasePath();
    Files.createDirectories(
        view.resolve(basePath.substring(1)).resolve("pvc-restart-0011223344556677"));
    stateDir = Files.createDirectories(dir.resolve("kubelet/plugins/mooring.csi.io")).toRealPath();
    socket = dir.resolve("node.sock");
    context =
        Map.of(
            "backend",
            "gluster-it",
            "type",
            "glusterfs",
            "servers",
            GlusterFixture.server(),
            "volume",
            GlusterFixture.volume(),
            "path",
            basePath + "/pvc-restart-0011223344556677");
  }

  @AfterEach
  void tearDown() {
    GlusterFixture.removeUnder(dir, stateDir);
  }

  private int starts;

  RunningPlugin startNode() throws Exception {
    return RunningPlugin.start(
        socket,
        dir.resolve("node-" + ++starts + ".log"),
        "node",
        "--node-id",
        "n1",
        "--state-dir",
        stateDir.toString(),
        "--health-interval",
        "1s");
  }

  Path staging() {
    return dir.resolve("kubelet/plugins/kubernetes.io/csi/mooring.csi.io/pv1/globalmount");
  }

  Path target(String pod) {
    return dir.resolve("kubelet/pods/" + pod + "/volumes/kubernetes.io~csi/pv1/mount");
  }

  void stageAndPublish(NodeGrpc.NodeBlockingStub node, String... pods) {
    node.nodeStageVolume(
        NodeStageVolumeRequest.newBuilder()
            .setVolumeId(volumeId)
            .setStagingTargetPath(staging().toString())
            .setVolumeCapability(RWX)
            .putAllVolumeContext(context)
            .build());
    for (String pod : pods) {
      node.nodePublishVolume(
          NodePublishVolumeRequest.newBuilder()
              .setVolumeId(volumeId)
              .setStagingTargetPath(staging().toString())
              .setTargetPath(target(pod).toString())
              .setVolumeCapability(RWX)
              .putAllVolumeContext(context)
              .build());
    }
  }

  void unpublishAndUnstage(NodeGrpc.NodeBlockingStub node, String... pods) {
    for (String pod : pods) {
      node.nodeUnpublishVolume(
          NodeUnpublishVolumeRequest.newBuilder()
              .setVolumeId(volumeId)
              .setTargetPath(target(pod).toString())
              .build());
    }
    node.nodeUnstageVolume(
        NodeUnstageVolumeRequest.newBuilder()
            .setVolumeId(volumeId)
            .setStagingTargetPath(staging().toString())
            .build());
  }

  List<MountEntry> fuseClients() {
    return MountTable.read().under(stateDir).stream()
        .filter(e -> e.isFuse("glusterfs") && e.root().equals("/"))
        .toList();
  }

  /** Starts any brick that is down and waits until all three are online. */
  static void startAllBricks() throws InterruptedException {
    for (int i = 0; i < 30; i++) {
      try {
        GlusterFixture.gluster("volume", "start", GlusterFixture.volume(), "force");
        // "detail" lists the bricks only, one <node> each, status 1 when online.
        String status =
            GlusterFixture.gluster("--xml", "volume", "status", GlusterFixture.volume(), "detail");
        if (status.split("<status>1</status>", -1).length - 1 == 3) {
          return;
        }
      } catch (RuntimeException busy) {
        // another gluster transaction is running: try again
      }
      Thread.sleep(1000);
    }
    throw new AssertionError("bricks of " + GlusterFixture.volume() + " did not come back online");
  }

  /** PIDs of the glusterfs client processes serving {@code mountPoint}. */
  static List<Long> clientPids(Path mountPoint) {
    return ProcessHandle.allProcesses()
        .filter(
            p ->
                p.info().commandLine().orElse("").contains("--process-name fuse")
                    && p.info().commandLine().orElse("").contains(mountPoint.toString()))
        .map(ProcessHandle::pid)
        .sorted()
        .toList();
  }

  @Test
  void killedPluginLeavesDataReadableAndTheRestartAdoptsTheMounts() throws Exception {
    List<Long> pidsBefore;
    try (RunningPlugin plugin = startNode()) {
      NodeGrpc.NodeBlockingStub node = NodeGrpc.newBlockingStub(plugin.channel());
      stageAndPublish(node, "pod-a", "pod-b");
      Files.writeString(target("pod-a").resolve("data.txt"), "survives");
      assertEquals(1, fuseClients().size());
      pidsBefore = clientPids(fuseClients().get(0).mountPoint());
      assertEquals(1, pidsBefore.size(), "one FUSE client: " + pidsBefore);

      plugin.kill();
      // Nobody serves the node now; the pods' data must stay readable all the same.
      for (int i = 0; i < 10; i++) {
        assertEquals("survives", Files.readString(target("pod-b").resolve("data.txt")));
        Thread.sleep(100);
      }
    }
    try (RunningPlugin plugin = startNode()) {
      NodeGrpc.NodeBlockingStub node = NodeGrpc.newBlockingStub(plugin.channel());
      NodeGetVolumeStatsResponse stats =
          node.withDeadlineAfter(10, TimeUnit.SECONDS)
              .nodeGetVolumeStats(
                  NodeGetVolumeStatsRequest.newBuilder()
                      .setVolumeId(volumeId)
                      .setVolumePath(target("pod-a").toString())
                      .build());
      assertFalse(stats.getVolumeCondition().getAbnormal(), stats.toString());
      assertTrue(stats.getUsageCount() > 0);
      stageAndPublish(node, "pod-a", "pod-b"); // the kubelet repeats calls after a restart: all OK
      assertEquals(1, fuseClients().size(), "adopted, not remounted: " + fuseClients());
      assertEquals(
          pidsBefore, clientPids(fuseClients().get(0).mountPoint()), "same FUSE client process");
      assertEquals("survives", Files.readString(target("pod-b").resolve("data.txt")));
      unpublishAndUnstage(node, "pod-a", "pod-b");
      assertEquals(0, fuseClients().size());
      assertFalse(Files.exists(target("pod-a")));
    }
  }

  @Test
  void publishedVolumesSurviveABrickFailure() throws Exception {
    startAllBricks();
    try (RunningPlugin plugin = startNode()) {
      NodeGrpc.NodeBlockingStub node = NodeGrpc.newBlockingStub(plugin.channel());
      stageAndPublish(node, "pod-a");
      Files.writeString(target("pod-a").resolve("before.txt"), "before");
      ProcessHandle brick =
          ProcessHandle.allProcesses()
              .filter(
                  p ->
                      p.info().command().orElse("").endsWith("/glusterfsd")
                          && p.info()
                              .commandLine()
                              .orElse("")
                              .contains("--volfile-id " + GlusterFixture.volume() + "."))
              .findFirst()
              .orElseThrow(
                  () -> new AssertionError("no brick process of " + GlusterFixture.volume()));
      brick.destroyForcibly();
      try {
        for (int i = 0; i < 5; i++) {
          Files.writeString(
              target("pod-a").resolve("during-" + i + ".txt"), "written with a brick down");
          assertEquals("before", Files.readString(target("pod-a").resolve("before.txt")));
        }
        try (Stream<Path> files = Files.list(target("pod-a"))) {
          assertEquals(6, files.count());
        }
      } finally {
        startAllBricks(); // for the tests that follow
      }
      unpublishAndUnstage(node, "pod-a");
    }
  }
}
