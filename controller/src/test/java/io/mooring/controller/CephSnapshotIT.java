package io.mooring.controller;

import static io.mooring.controller.CephControllerIT.ceph;
import static io.mooring.controller.CephControllerIT.fs;
import static io.mooring.controller.CephControllerIT.group;
import static io.mooring.controller.CephControllerIT.omapKeys;
import static io.mooring.controller.CephControllerIT.quota;
import static io.mooring.controller.CephControllerIT.secrets;
import static io.mooring.controller.CephControllerIT.subvolumes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.ControllerGrpc;
import csi.v1.Csi.ControllerGetCapabilitiesRequest;
import csi.v1.Csi.ControllerServiceCapability.RPC.Type;
import csi.v1.Csi.CreateSnapshotRequest;
import csi.v1.Csi.CreateVolumeGroupSnapshotRequest;
import csi.v1.Csi.CreateVolumeRequest;
import csi.v1.Csi.DeleteSnapshotRequest;
import csi.v1.Csi.DeleteVolumeGroupSnapshotRequest;
import csi.v1.Csi.ListSnapshotsRequest;
import csi.v1.Csi.Snapshot;
import csi.v1.Csi.Volume;
import csi.v1.Csi.VolumeContentSource;
import csi.v1.Csi.VolumeGroupSnapshot;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mooring.controller.backend.cephfs.CephfsBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Snapshots and restores against the real Ceph cluster of {@link CephControllerIT} (same fixture, a
 * subvolume group of its own): data written after a snapshot is not in its restore, a volume
 * deleted before its snapshot leaves the snapshot usable, and nothing is left at the end.
 */
class CephSnapshotIT {

  static final long MIB = 1 << 20;

  CephfsBackend backend;
  InProcessController controller;
  ControllerGrpc.ControllerBlockingStub stub;

  @BeforeAll
  static void fixture() throws IOException {
    CephControllerIT.fixture();
  }

  @AfterAll
  static void cleanUp() {
    CephControllerIT.cleanUp();
  }

  @BeforeEach
  void startController() throws IOException {
    backend =
        CephfsBackend.create(
            CephControllerIT.config(CephControllerIT.secretDir.toString()),
            CephControllerIT.RUNNER);
    controller = new InProcessController(List.of(backend), Duration.ofSeconds(120));
    stub = controller.stub.withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  @AfterEach
  void stopController() {
    controller.close();
    backend.close();
  }

  Snapshot snapshot(String name, String volumeId) {
    return stub.createSnapshot(
            CreateSnapshotRequest.newBuilder()
                .setName(name)
                .setSourceVolumeId(volumeId)
                .putAllSecrets(secrets)
                .build())
        .getSnapshot();
  }

  void deleteSnapshot(String id) {
    stub.deleteSnapshot(
        DeleteSnapshotRequest.newBuilder().setSnapshotId(id).putAllSecrets(secrets).build());
  }

  Volume restore(String name, String snapshotId, long bytes) throws InterruptedException {
    return populate(name, ControllerSnapshotsTest.fromSnapshot(snapshotId), bytes);
  }

  /** A CreateVolume from a source, retried as the provisioner does while the copy runs. */
  Volume populate(String name, VolumeContentSource source, long bytes) throws InterruptedException {
    CreateVolumeRequest req =
        CephControllerIT.create(name, bytes, null).toBuilder()
            .setVolumeContentSource(source)
            .build();
    for (int attempt = 1; ; attempt++) {
      try {
        return stub.createVolume(req).getVolume();
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.ABORTED || attempt == 30) {
          throw e;
        }
        Thread.sleep(1000);
      }
    }
  }

  static Path data(Volume volume) throws IOException {
    return CephControllerIT.view()
        .resolve(volume.getVolumeContextMap().get("path").substring(1))
        .resolve("data.txt");
  }

  @Test
  void aRestoreHoldsTheSnapshotMomentAndOutlivesItsSource() throws Exception {
    List<Type> caps =
        stub
            .controllerGetCapabilities(ControllerGetCapabilitiesRequest.getDefaultInstance())
            .getCapabilitiesList()
            .stream()
            .map(c -> c.getRpc().getType())
            .toList();
    assertTrue(
        caps.containsAll(
            List.of(Type.CREATE_DELETE_SNAPSHOT, Type.LIST_SNAPSHOTS, Type.CLONE_VOLUME)));

    Volume source =
        stub.createVolume(CephControllerIT.create("pvc-snap-src", 64 * MIB, null)).getVolume();
    Files.writeString(data(source), "before the snapshot");
    Snapshot snap = snapshot("snapshot-1", source.getVolumeId());
    assertEquals(64 * MIB, snap.getSizeBytes());
    assertTrue(snap.getReadyToUse());
    assertEquals(snap, snapshot("snapshot-1", source.getVolumeId()), "idempotent");
    Files.writeString(data(source), "after the snapshot");

    Volume other =
        stub.createVolume(CephControllerIT.create("pvc-snap-other", 8 * MIB, null)).getVolume();
    assertEquals(
        Status.Code.ALREADY_EXISTS,
        assertThrows(
                StatusRuntimeException.class, () -> snapshot("snapshot-1", other.getVolumeId()))
            .getStatus()
            .getCode());
    assertEquals(
        List.of(snap),
        stub
            .listSnapshots(
                ListSnapshotsRequest.newBuilder().setSourceVolumeId(source.getVolumeId()).build())
            .getEntriesList()
            .stream()
            .map(e -> e.getSnapshot())
            .toList());

    Volume restored = restore("pvc-restored", snap.getSnapshotId(), 128 * MIB);
    assertEquals(snap.getSnapshotId(), restored.getContentSource().getSnapshot().getSnapshotId());
    assertEquals("before the snapshot", Files.readString(data(restored)));
    assertEquals(128 * MIB, quota(CephControllerIT.dirOf(restored.getVolumeId())).orElseThrow());
    assertEquals(restored, restore("pvc-restored", snap.getSnapshotId(), 128 * MIB), "idempotent");

    // the source goes first: Ceph keeps the snapshot, which still restores
    stub.deleteVolume(CephControllerIT.delete(source.getVolumeId()));
    String sourceDir = CephControllerIT.dirOf(source.getVolumeId());
    assertTrue(
        ceph("fs", "subvolume", "info", fs, sourceDir, "--group_name", group)
            .contains("snapshot-retained"));
    Volume again = restore("pvc-restored-later", snap.getSnapshotId(), 64 * MIB);
    assertEquals("before the snapshot", Files.readString(data(again)));

    deleteSnapshot(snap.getSnapshotId());
    deleteSnapshot(snap.getSnapshotId());
    assertEquals(
        0, stub.listSnapshots(ListSnapshotsRequest.getDefaultInstance()).getEntriesCount());
    // the mgr removes a retained subvolume once its last snapshot is gone, not always at once
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (subvolumes().contains(sourceDir) && System.nanoTime() < until) {
      Thread.sleep(500);
    }
    assertFalse(subvolumes().contains(sourceDir), "purged with its last snapshot");
    for (Volume v : List.of(restored, again, other)) {
      stub.deleteVolume(CephControllerIT.delete(v.getVolumeId()));
    }
    assertEquals(List.of(), List.copyOf(subvolumes()));
    assertFalse(omapKeys().contains("snapshot."), omapKeys());
  }

  /**
   * backingSnapshot: a read-only volume that is the snapshot, no copy; the snapshot cannot be
   * deleted under it, its source can.
   */
  @Test
  void aVolumeBackedByASnapshotIsTheSnapshotAndKeepsIt() throws Exception {
    Volume source =
        stub.createVolume(CephControllerIT.create("pvc-backing-src", 8 * MIB, null)).getVolume();
    Files.writeString(data(source), "at the snapshot");
    Snapshot snap = snapshot("snapshot-backing", source.getVolumeId());
    Files.writeString(data(source), "after the snapshot");
    CreateVolumeRequest backed =
        CreateVolumeRequest.newBuilder()
            .setName("pvc-backed")
            .addVolumeCapabilities(ControllerSnapshotsTest.ROX)
            .putParameters("backingSnapshot", "true")
            .putAllSecrets(secrets)
            .setVolumeContentSource(ControllerSnapshotsTest.fromSnapshot(snap.getSnapshotId()))
            .build();
    Set<String> before = subvolumes();
    Volume view = stub.createVolume(backed).getVolume();
    assertEquals(view, stub.createVolume(backed).getVolume(), "idempotent");
    assertEquals(before, subvolumes(), "no subvolume is made");
    assertEquals(8 * MIB, view.getCapacityBytes());
    String path = view.getVolumeContextMap().get("path");
    String sourceDir = CephControllerIT.dirOf(source.getVolumeId());
    assertTrue(path.startsWith("/volumes/" + group + "/" + sourceDir + "/.snap/"), path);
    assertEquals(
        Status.Code.ALREADY_EXISTS,
        codeOf(
            () ->
                stub.createVolume(backed.toBuilder().removeParameters("backingSnapshot").build())));
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        codeOf(
            () ->
                stub.createVolume(
                    backed.toBuilder()
                        .setName("pvc-backed-rwx")
                        .clearVolumeCapabilities()
                        .addVolumeCapabilities(ControllerServiceTest.RWX)
                        .build())));
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        codeOf(() -> snapshot("snapshot-of-view", view.getVolumeId())));
    assertEquals(
        Status.Code.FAILED_PRECONDITION, codeOf(() -> deleteSnapshot(snap.getSnapshotId())));

    // the source goes, its snapshot stays; a client mounted now reads the snapshot there
    stub.deleteVolume(CephControllerIT.delete(source.getVolumeId()));
    Path subvolumeDir = CephControllerIT.mount("/volumes/" + group + "/" + sourceDir);
    String below = path.substring(("/volumes/" + group + "/" + sourceDir + "/").length());
    assertEquals(
        "at the snapshot", Files.readString(subvolumeDir.resolve(below).resolve("data.txt")));
    CephControllerIT.unmount(subvolumeDir);
    assertEquals(view, stub.createVolume(backed).getVolume(), "still there");

    stub.deleteVolume(CephControllerIT.delete(view.getVolumeId()));
    assertEquals(before, subvolumes(), "nothing of its own to remove");
    assertFalse(omapKeys().contains("backing."), omapKeys());
    deleteSnapshot(snap.getSnapshotId());
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (subvolumes().contains(sourceDir) && System.nanoTime() < until) {
      Thread.sleep(500);
    }
    assertFalse(subvolumes().contains(sourceDir), "purged with its last snapshot");
  }

  static Status.Code codeOf(Runnable call) {
    return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
  }

  @Test
  void aSnapshotDeletedFirstLeavesItsVolumeWhole() throws Exception {
    Volume source =
        stub.createVolume(CephControllerIT.create("pvc-snap-first", 8 * MIB, null)).getVolume();
    Files.writeString(data(source), "kept");
    Snapshot snap = snapshot("snapshot-first", source.getVolumeId());
    deleteSnapshot(snap.getSnapshotId());
    assertEquals("kept", Files.readString(data(source)));
    assertEquals(
        Status.Code.NOT_FOUND,
        assertThrows(
                StatusRuntimeException.class,
                () -> restore("pvc-from-gone", snap.getSnapshotId(), 8 * MIB))
            .getStatus()
            .getCode());
    stub.deleteVolume(CephControllerIT.delete(source.getVolumeId()));
    assertFalse(subvolumes().contains(CephControllerIT.dirOf(source.getVolumeId())));
  }

  @Test
  void aCloneCopiesALiveVolumeAndLeavesNoSnapshotBehind() throws Exception {
    Volume source =
        stub.createVolume(CephControllerIT.create("pvc-clone-src", 8 * MIB, null)).getVolume();
    Files.writeString(data(source), "cloned");
    VolumeContentSource.Builder from = VolumeContentSource.newBuilder();
    from.getVolumeBuilder().setVolumeId(source.getVolumeId());
    Volume clone = populate("pvc-clone", from.build(), 16 * MIB);
    assertEquals(source.getVolumeId(), clone.getContentSource().getVolume().getVolumeId());
    assertEquals("cloned", Files.readString(data(clone)));
    Files.writeString(data(clone), "changed in the clone");
    assertEquals("cloned", Files.readString(data(source)));
    assertEquals(16 * MIB, quota(CephControllerIT.dirOf(clone.getVolumeId())).orElseThrow());
    String sourceDir = CephControllerIT.dirOf(source.getVolumeId());
    assertEquals(
        "[]",
        ceph("fs", "subvolume", "snapshot", "ls", fs, sourceDir, "--group_name", group)
            .replaceAll("\\s", ""),
        "the clone's snapshot is removed once the copy is done");
    for (Volume v : List.of(clone, source)) {
      stub.deleteVolume(CephControllerIT.delete(v.getVolumeId()));
    }
    assertEquals(List.of(), List.copyOf(subvolumes()));
  }

  @Test
  void aGroupSnapshotOfThreeVolumesRestoresAllThree() throws Exception {
    List<Volume> volumes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Volume v =
          stub.createVolume(CephControllerIT.create("pvc-group-" + i, 8 * MIB, null)).getVolume();
      Files.writeString(data(v), "volume " + i + " at the group snapshot");
      volumes.add(v);
    }
    List<String> ids = volumes.stream().map(Volume::getVolumeId).toList();
    VolumeGroupSnapshot taken =
        controller
            .groups
            .withDeadlineAfter(60, TimeUnit.SECONDS)
            .createVolumeGroupSnapshot(
                CreateVolumeGroupSnapshotRequest.newBuilder()
                    .setName("group-snapshot-1")
                    .addAllSourceVolumeIds(ids)
                    .putAllSecrets(secrets)
                    .build())
            .getGroupSnapshot();
    assertEquals(3, taken.getSnapshotsCount());
    for (Volume v : volumes) {
      Files.writeString(data(v), "changed after");
    }
    for (Snapshot member : taken.getSnapshotsList()) {
      int i = ids.indexOf(member.getSourceVolumeId());
      Volume restored = restore("pvc-group-restored-" + i, member.getSnapshotId(), 8 * MIB);
      assertEquals("volume " + i + " at the group snapshot", Files.readString(data(restored)));
      stub.deleteVolume(CephControllerIT.delete(restored.getVolumeId()));
    }
    controller.groups.deleteVolumeGroupSnapshot(
        DeleteVolumeGroupSnapshotRequest.newBuilder()
            .setGroupSnapshotId(taken.getGroupSnapshotId())
            .putAllSecrets(secrets)
            .build());
    for (Volume v : volumes) {
      String dir = CephControllerIT.dirOf(v.getVolumeId());
      assertEquals(
          "[]",
          ceph("fs", "subvolume", "snapshot", "ls", fs, dir, "--group_name", group)
              .replaceAll("\\s", ""));
      stub.deleteVolume(CephControllerIT.delete(v.getVolumeId()));
    }
    assertEquals(List.of(), List.copyOf(subvolumes()));
    assertFalse(omapKeys().contains("group."), omapKeys());
  }
}
