package io.mooring.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.NodeExpandVolumeRequest;
import csi.v1.Csi.NodeGetCapabilitiesRequest;
import csi.v1.Csi.NodeGetInfoRequest;
import csi.v1.Csi.NodeGetInfoResponse;
import csi.v1.Csi.NodeGetVolumeStatsRequest;
import csi.v1.Csi.NodeGetVolumeStatsResponse;
import csi.v1.Csi.NodeServiceCapability;
import csi.v1.Csi.NodeUnpublishVolumeRequest;
import csi.v1.Csi.NodeUnstageVolumeRequest;
import csi.v1.Csi.VolumeCapability.AccessMode.Mode;
import csi.v1.Csi.VolumeUsage;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mooring.mount.MountEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Node RPC behaviour over a fake mount table: sharing, idempotency, errors, healing. */
class NodeServiceTest {

  private static final String A = "pvc-a-0123456789abcdef";
  private static final String B = "pvc-b-0123456789abcdef";

  @TempDir Path tmp;
  private FakeMounter mounter;
  private InProcessNode node;

  @BeforeEach
  void setUp() throws IOException {
    mounter = new FakeMounter();
    node = new InProcessNode(tmp, mounter, Duration.ofMillis(200));
    node.createVolumeDir(A);
    node.createVolumeDir(B);
  }

  @AfterEach
  void tearDown() {
    node.close();
  }

  @Test
  void volumesOfOneBackendShareOneClientMountedWithAllServers() {
    node.stub.nodeStageVolume(node.stage(A));
    node.stub.nodeStageVolume(node.stage(B));

    assertEquals(
        List.of("mount g1,g2:/vol " + node.mounts.path(InProcessNode.BACKEND)),
        mounter.calls().stream().filter(c -> c.startsWith("mount")).toList());
    MountEntry staged = mounter.table().at(node.staging(A)).orElseThrow();
    assertEquals("/base/" + A, staged.root());
    assertEquals(
        mounter.table().at(node.mounts.path(InProcessNode.BACKEND)).orElseThrow().device(),
        staged.device());
  }

  @Test
  void stageAndPublishAreIdempotent() {
    node.stub.nodeStageVolume(node.stage(A));
    node.stub.nodeStageVolume(node.stage(A));
    node.stub.nodePublishVolume(node.publish(A, "p1"));
    node.stub.nodePublishVolume(node.publish(A, "p1"));

    assertEquals(1, mounter.count("mount "));
    assertEquals(2, mounter.count("bind "));
    assertTrue(Files.isDirectory(node.target(A, "p1")), "publish creates the target");
  }

  @Test
  void readOnlyComesFromTheFlagTheAccessModeOrAMountFlag() {
    node.stub.nodeStageVolume(node.stage(A));
    node.stub.nodePublishVolume(node.publish(A, "p1").toBuilder().setReadonly(true).build());
    node.stub.nodePublishVolume(
        node.publish(A, "p2").toBuilder()
            .setVolumeCapability(InProcessNode.capability(Mode.MULTI_NODE_READER_ONLY))
            .build());
    node.stub.nodePublishVolume(
        node.publish(A, "p3").toBuilder()
            .setVolumeCapability(
                InProcessNode.capability(Mode.MULTI_NODE_MULTI_WRITER, "ro", "noexec"))
            .build());
    node.stub.nodePublishVolume(node.publish(A, "p4"));

    assertTrue(mounter.table().at(node.target(A, "p1")).orElseThrow().readOnly());
    assertTrue(mounter.table().at(node.target(A, "p2")).orElseThrow().readOnly());
    MountEntry p3 = mounter.table().at(node.target(A, "p3")).orElseThrow();
    assertTrue(p3.readOnly());
    assertTrue(p3.options().contains("noexec"));
    assertFalse(mounter.table().at(node.target(A, "p4")).orElseThrow().readOnly());
  }

  @Test
  void publishOverAnIncompatibleMountIsAlreadyExists() {
    node.stub.nodeStageVolume(node.stage(A));
    node.stub.nodePublishVolume(node.publish(A, "p1"));

    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                node.stub.nodePublishVolume(
                    node.publish(A, "p1").toBuilder().setReadonly(true).build()));
    assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());
  }

  @Test
  void stagingAnotherVolumeOnAStagedPathIsAlreadyExists() {
    node.stub.nodeStageVolume(node.stage(A));

    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                node.stub.nodeStageVolume(
                    node.stage(B).toBuilder()
                        .setStagingTargetPath(node.staging(A).toString())
                        .build()));
    assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());
  }

  @Test
  void publishWithoutStageIsFailedPrecondition() {
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class, () -> node.stub.nodePublishVolume(node.publish(A, "p1")));
    assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
    assertTrue(mounter.calls().isEmpty());
  }

  @Test
  void stageOfAMissingDirectoryIsNotFound() {
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> node.stub.nodeStageVolume(node.stage("pvc-gone-0123456789abcdef")));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
  }

  @Test
  void stageRefusesASymbolicLinkOutOfTheVolume() throws IOException {
    String dir = "pvc-link-0123456789abcdef";
    Files.createSymbolicLink(
        node.mounts.path(InProcessNode.BACKEND).resolve("base").resolve(dir), tmp);

    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class, () -> node.stub.nodeStageVolume(node.stage(dir)));
    assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
  }

  @Test
  void unpublishAndUnstageAreIdempotentAndTheLastUnstageReleasesTheClient() {
    node.stub.nodeStageVolume(node.stage(A));
    node.stub.nodeStageVolume(node.stage(B));
    node.stub.nodePublishVolume(node.publish(A, "p1"));

    for (int i = 0; i < 2; i++) {
      node.stub.nodeUnpublishVolume(unpublish(A, "p1"));
      node.stub.nodeUnstageVolume(unstage(A));
    }
    assertFalse(Files.exists(node.target(A, "p1")), "unpublish removes the target");
    assertTrue(
        mounter.table().isMountPoint(node.mounts.path(InProcessNode.BACKEND)),
        "B still uses the client");

    node.stub.nodeUnstageVolume(unstage(B));
    assertEquals(List.of(), mounter.table().entries());
  }

  @Test
  void unpublishOfAPathThatWasNeverMountedIsOk() {
    node.stub.nodeUnpublishVolume(unpublish(A, "never"));
    node.stub.nodeUnstageVolume(unstage(A));
    assertTrue(mounter.calls().isEmpty());
  }

  @Test
  void statsReportUsageOfAPublishedVolume() {
    node.stub.nodeStageVolume(node.stage(A));
    node.stub.nodePublishVolume(node.publish(A, "p1"));

    NodeGetVolumeStatsResponse stats = node.stub.nodeGetVolumeStats(stats(A, node.target(A, "p1")));

    assertFalse(stats.getVolumeCondition().getAbnormal());
    VolumeUsage bytes = stats.getUsage(0);
    assertEquals(VolumeUsage.Unit.BYTES, bytes.getUnit());
    assertEquals(10485760, bytes.getTotal());
    assertEquals(4096, bytes.getUsed());
    assertEquals(10481664, bytes.getAvailable());
    VolumeUsage inodes = stats.getUsage(1);
    assertEquals(VolumeUsage.Unit.INODES, inodes.getUnit());
    assertEquals(
        List.of(1000L, 10L, 990L),
        List.of(inodes.getTotal(), inodes.getUsed(), inodes.getAvailable()));
  }

  @Test
  void statsOfAnUnknownPathAreNotFound() throws IOException {
    Path plain = Files.createDirectories(tmp.resolve("plain"));
    for (Path path : List.of(plain, tmp.resolve("missing"))) {
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class, () -> node.stub.nodeGetVolumeStats(stats(A, path)));
      assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    }
  }

  /** A volume the node does not have: its ID at another volume's target is not that volume. */
  @Test
  void statsOfAnotherVolumesPathAreNotFound() {
    node.stub.nodeStageVolume(node.stage(A));
    node.stub.nodePublishVolume(node.publish(A, "p1"));

    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> node.stub.nodeGetVolumeStats(stats(B, node.target(A, "p1"))));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
  }

  @Test
  void aDeadClientIsReportedAbnormalAndHealedWithEveryBind() throws IOException {
    node.stub.nodeStageVolume(node.stage(A));
    node.stub.nodePublishVolume(node.publish(A, "p1").toBuilder().setReadonly(true).build());
    Path client = node.mounts.path(InProcessNode.BACKEND);
    String deadDevice = mounter.table().at(client).orElseThrow().device();
    // stat fails and no glusterfs process serves the client: as if it had been killed
    deleteTree(client);
    Files.delete(node.target(A, "p1"));

    NodeGetVolumeStatsResponse stats = node.stub.nodeGetVolumeStats(stats(A, node.target(A, "p1")));
    assertTrue(stats.getVolumeCondition().getAbnormal());
    assertTrue(
        stats.getVolumeCondition().getMessage().contains("has exited"),
        stats.getVolumeCondition().getMessage());
    assertEquals(2, stats.getUsageCount(), "the kubelet needs usage entries even then");
    assertEquals(1, node.wakes.get());

    try (var held = node.mounts.lock(InProcessNode.BACKEND)) {
      assertTrue(node.mounts.heal(InProcessNode.BACKEND).healthy());
    }
    String device = mounter.table().at(client).orElseThrow().device();
    assertFalse(device.equals(deadDevice));
    MountEntry target = mounter.table().at(node.target(A, "p1")).orElseThrow();
    assertEquals(device, target.device());
    assertEquals("/base/" + A, target.root());
    assertTrue(target.readOnly(), "a heal keeps read-only");
    assertEquals(device, mounter.table().at(node.staging(A)).orElseThrow().device());
    assertEquals(3, mounter.table().entries().size(), "dead mounts are gone");
  }

  @Test
  void bindsLeftOnALostClientAreAdoptedAndRebound() throws IOException {
    node.stub.nodeStageVolume(node.stage(A));
    Path client = node.mounts.path(InProcessNode.BACKEND);
    mounter.unmount(client, true); // e.g. a heal interrupted by a restart

    try (var held = node.mounts.lock(InProcessNode.BACKEND)) {
      SharedMounts.View view = node.mounts.view(mounter.table(), InProcessNode.BACKEND);
      assertEquals(1, view.stale().size());
      node.mounts.heal(InProcessNode.BACKEND);
    }
    assertEquals(
        mounter.table().at(client).orElseThrow().device(),
        mounter.table().at(node.staging(A)).orElseThrow().device());
  }

  @Test
  void anotherCallOnTheSameVolumeIsAbortedWhileOneRuns() throws Exception {
    node.stub.nodeStageVolume(node.stage(A));
    CountDownLatch gate = new CountDownLatch(1);
    mounter.bindGate = gate;
    CompletableFuture<?> first =
        CompletableFuture.runAsync(() -> node.stub.nodePublishVolume(node.publish(A, "p1")));
    try {
      waitUntilLocked();
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () -> node.stub.nodeUnpublishVolume(unpublish(A, "p1")));
      assertEquals(Status.Code.ABORTED, e.getStatus().getCode());
    } finally {
      gate.countDown();
    }
    first.get(10, TimeUnit.SECONDS);
    mounter.bindGate = null;
    node.stub.nodeUnpublishVolume(unpublish(A, "p1"));
  }

  @Test
  void infoAndCapabilities() {
    NodeGetInfoResponse info = node.stub.nodeGetInfo(NodeGetInfoRequest.getDefaultInstance());
    assertEquals("node-1", info.getNodeId());
    assertEquals(0, info.getMaxVolumesPerNode());
    assertFalse(info.hasAccessibleTopology());

    List<NodeServiceCapability.RPC.Type> types =
        node
            .stub
            .nodeGetCapabilities(NodeGetCapabilitiesRequest.getDefaultInstance())
            .getCapabilitiesList()
            .stream()
            .map(c -> c.getRpc().getType())
            .toList();
    assertEquals(
        List.of(
            NodeServiceCapability.RPC.Type.STAGE_UNSTAGE_VOLUME,
            NodeServiceCapability.RPC.Type.GET_VOLUME_STATS,
            NodeServiceCapability.RPC.Type.VOLUME_CONDITION,
            NodeServiceCapability.RPC.Type.SINGLE_NODE_MULTI_WRITER),
        types);
  }

  @Test
  void expandIsUnimplemented() {
    NodeExpandVolumeRequest request =
        NodeExpandVolumeRequest.newBuilder().setVolumeId(InProcessNode.id(A)).build();
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> node.stub.nodeExpandVolume(request));
    assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
  }

  /** The first call holds the volume lock once it waits at the gated bind. */
  private void waitUntilLocked() throws InterruptedException {
    for (int i = 0; i < 250 && mounter.waitingAtGate.get() == 0; i++) {
      Thread.sleep(20);
    }
  }

  private NodeUnpublishVolumeRequest unpublish(String dir, String pod) {
    return NodeUnpublishVolumeRequest.newBuilder()
        .setVolumeId(InProcessNode.id(dir))
        .setTargetPath(node.target(dir, pod).toString())
        .build();
  }

  private NodeUnstageVolumeRequest unstage(String dir) {
    return NodeUnstageVolumeRequest.newBuilder()
        .setVolumeId(InProcessNode.id(dir))
        .setStagingTargetPath(node.staging(dir).toString())
        .build();
  }

  private static NodeGetVolumeStatsRequest stats(String dir, Path path) {
    return NodeGetVolumeStatsRequest.newBuilder()
        .setVolumeId(InProcessNode.id(dir))
        .setVolumePath(path.toString())
        .build();
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
