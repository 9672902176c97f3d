package io.mooring.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.ControllerGrpc;
import csi.v1.Csi.CapacityRange;
import csi.v1.Csi.ControllerExpandVolumeRequest;
import csi.v1.Csi.ControllerGetCapabilitiesRequest;
import csi.v1.Csi.ControllerServiceCapability.RPC.Type;
import csi.v1.Csi.CreateSnapshotRequest;
import csi.v1.Csi.CreateVolumeRequest;
import csi.v1.Csi.DeleteSnapshotRequest;
import csi.v1.Csi.GroupControllerGetCapabilitiesRequest;
import csi.v1.Csi.ListSnapshotsRequest;
import csi.v1.Csi.ListSnapshotsResponse;
import csi.v1.Csi.Snapshot;
import csi.v1.Csi.ValidateVolumeCapabilitiesRequest;
import csi.v1.Csi.Volume;
import csi.v1.Csi.VolumeCapability;
import csi.v1.Csi.VolumeContentSource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The snapshot RPCs and restores through the service, on in-memory backends. */
class ControllerSnapshotsTest {

  final FakeBackend cephLike = new FakeBackend("ceph");
  final FakeBackend glusterLike = new FakeBackend("gluster");
  InProcessController controller;
  ControllerGrpc.ControllerBlockingStub stub;

  ControllerSnapshotsTest() {
    cephLike.snapshots = new FakeSnapshots(cephLike);
  }

  void start(FakeBackend... backends) throws Exception {
    controller = new InProcessController(List.of(backends), Duration.ofSeconds(5));
    stub = controller.stub;
  }

  @AfterEach
  void stop() {
    if (controller != null) {
      controller.close();
    }
  }

  Volume volume(String name, long bytes) {
    return stub.createVolume(
            ControllerServiceTest.create(name, bytes).putParameters("backend", "ceph").build())
        .getVolume();
  }

  Snapshot snapshot(String name, String volumeId) {
    return stub.createSnapshot(
            CreateSnapshotRequest.newBuilder().setName(name).setSourceVolumeId(volumeId).build())
        .getSnapshot();
  }

  static VolumeContentSource fromSnapshot(String id) {
    VolumeContentSource.Builder source = VolumeContentSource.newBuilder();
    source.getSnapshotBuilder().setSnapshotId(id);
    return source.build();
  }

  Status.Code codeOf(Runnable call) {
    return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
  }

  List<Type> capabilities() {
    List<Type> types = new ArrayList<>();
    stub.controllerGetCapabilities(ControllerGetCapabilitiesRequest.getDefaultInstance())
        .getCapabilitiesList()
        .forEach(c -> types.add(c.getRpc().getType()));
    return types;
  }

  @Test
  void snapshotsAreAdvertisedOnlyWhenEveryBackendHasThem() throws Exception {
    start(cephLike);
    assertTrue(
        capabilities().containsAll(List.of(Type.CREATE_DELETE_SNAPSHOT, Type.LIST_SNAPSHOTS)));
    stop();
    start(cephLike, glusterLike);
    assertFalse(capabilities().contains(Type.CREATE_DELETE_SNAPSHOT));
    assertFalse(capabilities().contains(Type.LIST_SNAPSHOTS));
    assertFalse(capabilities().contains(Type.CLONE_VOLUME));
  }

  @Test
  void groupSnapshotsOnlyWhereEveryBackendHasThem() throws Exception {
    glusterLike.snapshots = new FakeSnapshots(glusterLike);
    glusterLike.snapshots.groupsToo = false; // as GlusterFS's copies
    start(cephLike, glusterLike);
    assertTrue(
        capabilities()
            .containsAll(
                List.of(Type.CREATE_DELETE_SNAPSHOT, Type.LIST_SNAPSHOTS, Type.CLONE_VOLUME)));
    assertFalse(GroupControllerService.servedFor(new Backends(List.of(cephLike, glusterLike))));
    assertFalse(GroupControllerService.servedFor(new Backends(List.of(glusterLike))));
    assertTrue(GroupControllerService.servedFor(new Backends(List.of(cephLike))));
    assertEquals(
        Status.Code.UNIMPLEMENTED,
        codeOf(
            () ->
                controller.groups.groupControllerGetCapabilities(
                    GroupControllerGetCapabilitiesRequest.getDefaultInstance())));
  }

  @Test
  void createIsIdempotentByNameAndRefusesTheNameForAnotherVolume() throws Exception {
    start(cephLike);
    Volume a = volume("pvc-a", 8192);
    Volume b = volume("pvc-b", 8192);
    Snapshot first = snapshot("snapshot-1", a.getVolumeId());
    assertTrue(first.getSnapshotId().startsWith("s1:ceph:"));
    assertEquals(a.getVolumeId(), first.getSourceVolumeId());
    assertEquals(8192, first.getSizeBytes());
    assertTrue(first.getReadyToUse());
    assertTrue(first.getCreationTime().getSeconds() > 0);
    assertEquals(first, snapshot("snapshot-1", a.getVolumeId()));
    assertEquals(1, cephLike.snapshots.creates.get());
    assertEquals(Status.Code.ALREADY_EXISTS, codeOf(() -> snapshot("snapshot-1", b.getVolumeId())));
  }

  @Test
  void createValidatesBeforeItLooks() throws Exception {
    start(cephLike);
    Volume a = volume("pvc-a", 8192);
    assertEquals(Status.Code.INVALID_ARGUMENT, codeOf(() -> snapshot("", a.getVolumeId())));
    assertEquals(Status.Code.INVALID_ARGUMENT, codeOf(() -> snapshot("s", "")));
    assertEquals(Status.Code.INVALID_ARGUMENT, codeOf(() -> snapshot("s", "v1:ceph:../x")));
    assertEquals(Status.Code.NOT_FOUND, codeOf(() -> snapshot("s", "someone-elses-volume")));
    assertEquals(Status.Code.NOT_FOUND, codeOf(() -> snapshot("s", "v1:ceph:pvc-gone-1234")));
    assertEquals(Status.Code.NOT_FOUND, codeOf(() -> snapshot("s", "v1:nobackend:pvc-a-1")));
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        codeOf(
            () ->
                stub.createSnapshot(
                    CreateSnapshotRequest.newBuilder()
                        .setName("s")
                        .setSourceVolumeId(a.getVolumeId())
                        .putParameters("color", "blue")
                        .build())));
    Snapshot withProvisionerKeys =
        stub.createSnapshot(
                CreateSnapshotRequest.newBuilder()
                    .setName("s")
                    .setSourceVolumeId(a.getVolumeId())
                    .putParameters("csi.storage.k8s.io/volumesnapshot/name", "s")
                    .build())
            .getSnapshot();
    assertEquals(a.getVolumeId(), withProvisionerKeys.getSourceVolumeId());
    assertEquals(1, cephLike.snapshots.creates.get());
  }

  @Test
  void deleteIsIdempotentAndIgnoresForeignIds() throws Exception {
    start(cephLike);
    Volume a = volume("pvc-a", 8192);
    String id = snapshot("snapshot-1", a.getVolumeId()).getSnapshotId();
    for (int i = 0; i < 2; i++) {
      stub.deleteSnapshot(DeleteSnapshotRequest.newBuilder().setSnapshotId(id).build());
    }
    assertTrue(cephLike.snapshots.snapshots.isEmpty());
    stub.deleteSnapshot(DeleteSnapshotRequest.newBuilder().setSnapshotId("foreign-snap").build());
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        codeOf(() -> stub.deleteSnapshot(DeleteSnapshotRequest.getDefaultInstance())));
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        codeOf(
            () ->
                stub.deleteSnapshot(
                    DeleteSnapshotRequest.newBuilder().setSnapshotId("s1:ceph:x").build())));
  }

  @Test
  void listPagesAndFilters() throws Exception {
    start(cephLike);
    Volume a = volume("pvc-a", 8192);
    Volume b = volume("pvc-b", 8192);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(snapshot("snap-a-" + i, a.getVolumeId()).getSnapshotId());
    }
    ids.add(snapshot("snap-b", b.getVolumeId()).getSnapshotId());
    List<String> paged = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      ListSnapshotsResponse page =
          stub.listSnapshots(
              ListSnapshotsRequest.newBuilder().setMaxEntries(4).setStartingToken(token).build());
      page.getEntriesList().forEach(e -> paged.add(e.getSnapshot().getSnapshotId()));
      token = page.getNextToken();
      pages++;
    } while (!token.isEmpty());
    assertEquals(2, pages);
    assertEquals(ids.stream().sorted().toList(), paged);
    assertEquals(
        5,
        stub.listSnapshots(
                ListSnapshotsRequest.newBuilder().setSourceVolumeId(a.getVolumeId()).build())
            .getEntriesCount());
    ListSnapshotsResponse one =
        stub.listSnapshots(ListSnapshotsRequest.newBuilder().setSnapshotId(ids.get(5)).build());
    assertEquals(1, one.getEntriesCount());
    assertEquals(b.getVolumeId(), one.getEntries(0).getSnapshot().getSourceVolumeId());
    assertEquals(
        0,
        stub.listSnapshots(ListSnapshotsRequest.newBuilder().setSnapshotId("not-ours").build())
            .getEntriesCount());
    assertEquals(
        Status.Code.ABORTED,
        codeOf(
            () ->
                stub.listSnapshots(
                    ListSnapshotsRequest.newBuilder().setStartingToken("bogus").build())));
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        codeOf(
            () -> stub.listSnapshots(ListSnapshotsRequest.newBuilder().setMaxEntries(-1).build())));
  }

  @Test
  void restoreNamesItsSourceAndIsIdempotentOnlyForTheSameSource() throws Exception {
    start(cephLike);
    Volume a = volume("pvc-a", 8192);
    String one = snapshot("snapshot-1", a.getVolumeId()).getSnapshotId();
    String two = snapshot("snapshot-2", a.getVolumeId()).getSnapshotId();
    CreateVolumeRequest restore =
        CreateVolumeRequest.newBuilder()
            .setName("pvc-restored")
            .addVolumeCapabilities(ControllerServiceTest.RWX)
            .setVolumeContentSource(fromSnapshot(one))
            .build();
    Volume restored = stub.createVolume(restore).getVolume();
    assertEquals(one, restored.getContentSource().getSnapshot().getSnapshotId());
    assertEquals(8192, restored.getCapacityBytes(), "the snapshot's size without a range");
    assertEquals(restored, stub.createVolume(restore).getVolume());
    assertEquals(
        Status.Code.ALREADY_EXISTS,
        codeOf(
            () ->
                stub.createVolume(
                    restore.toBuilder().setVolumeContentSource(fromSnapshot(two)).build())));
    assertEquals(
        Status.Code.ALREADY_EXISTS,
        codeOf(() -> stub.createVolume(restore.toBuilder().clearVolumeContentSource().build())));
  }

  @Test
  void aVolumeBackedByASnapshotIsRecordedOnlyForReadersAndNeverGrows() throws Exception {
    cephLike.parameters = Set.of("backingSnapshot");
    start(cephLike, glusterLike);
    Volume a = volume("pvc-a", 8192);
    String one = snapshot("snapshot-1", a.getVolumeId()).getSnapshotId();
    CreateVolumeRequest backed =
        CreateVolumeRequest.newBuilder()
            .setName("pvc-view")
            .addVolumeCapabilities(ROX)
            .putParameters("backingSnapshot", "true")
            .setVolumeContentSource(fromSnapshot(one))
            .build();
    Volume view = stub.createVolume(backed).getVolume();
    assertEquals(one, view.getContentSource().getSnapshot().getSnapshotId());
    assertEquals(8192, view.getCapacityBytes(), "the snapshot's size");
    String dir = view.getVolumeId().substring(view.getVolumeId().lastIndexOf(':') + 1);
    assertEquals(Map.of(dir, one.substring(one.lastIndexOf(':') + 1)), cephLike.snapshots.backed);
    assertEquals(view, stub.createVolume(backed).getVolume(), "idempotent");
    assertEquals(
        Status.Code.ALREADY_EXISTS,
        codeOf(
            () ->
                stub.createVolume(backed.toBuilder().removeParameters("backingSnapshot").build())),
        "the name is taken by a view, not a copy");

    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        codeOf(
            () ->
                stub.createVolume(
                    backed.toBuilder()
                        .setName("pvc-rwx")
                        .clearVolumeCapabilities()
                        .addVolumeCapabilities(ControllerServiceTest.RWX)
                        .addVolumeCapabilities(ROX)
                        .build())),
        "writers are refused");
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        codeOf(
            () ->
                stub.createVolume(
                    backed.toBuilder().setName("pvc-empty").clearVolumeContentSource().build())),
        "a view needs a snapshot");
    VolumeContentSource.Builder fromVolume = VolumeContentSource.newBuilder();
    fromVolume.getVolumeBuilder().setVolumeId(a.getVolumeId());
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        codeOf(
            () ->
                stub.createVolume(
                    backed.toBuilder()
                        .setName("pvc-of-volume")
                        .setVolumeContentSource(fromVolume)
                        .build())),
        "a volume is no snapshot");
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        codeOf(
            () ->
                stub.createVolume(
                    backed.toBuilder()
                        .setName("pvc-yes")
                        .putParameters("backingSnapshot", "yes")
                        .build())));
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        codeOf(
            () ->
                stub.createVolume(
                    backed.toBuilder()
                        .setName("pvc-gluster")
                        .putParameters("backend", "gluster")
                        .build())),
        "Gluster's snapshots are copies");
    assertEquals(2, cephLike.volumes.size() + glusterLike.volumes.size(), "nothing else was made");

    ControllerExpandVolumeRequest.Builder expand =
        ControllerExpandVolumeRequest.newBuilder().setVolumeId(view.getVolumeId());
    expand.getCapacityRangeBuilder().setRequiredBytes(8192);
    assertEquals(8192, stub.controllerExpandVolume(expand.build()).getCapacityBytes());
    expand.getCapacityRangeBuilder().setRequiredBytes(16384);
    assertEquals(
        Status.Code.INVALID_ARGUMENT, codeOf(() -> stub.controllerExpandVolume(expand.build())));
    ValidateVolumeCapabilitiesRequest validate =
        ValidateVolumeCapabilitiesRequest.newBuilder()
            .setVolumeId(view.getVolumeId())
            .addVolumeCapabilities(ControllerServiceTest.RWX)
            .build();
    assertFalse(stub.validateVolumeCapabilities(validate).hasConfirmed());
    assertTrue(
        stub.validateVolumeCapabilities(
                validate.toBuilder().clearVolumeCapabilities().addVolumeCapabilities(ROX).build())
            .hasConfirmed());
  }

  static final VolumeCapability ROX =
      ControllerServiceTest.RWX.toBuilder()
          .setAccessMode(
              VolumeCapability.AccessMode.newBuilder()
                  .setMode(VolumeCapability.AccessMode.Mode.MULTI_NODE_READER_ONLY))
          .build();

  @Test
  void restoreRefusesWhatItCannotDo() throws Exception {
    start(cephLike, glusterLike);
    Volume a = volume("pvc-a", 8192);
    String one = snapshot("snapshot-1", a.getVolumeId()).getSnapshotId();
    CreateVolumeRequest.Builder restore =
        CreateVolumeRequest.newBuilder()
            .setName("pvc-restored")
            .addVolumeCapabilities(ControllerServiceTest.RWX)
            .setVolumeContentSource(fromSnapshot(one));
    assertEquals(
        Status.Code.OUT_OF_RANGE,
        codeOf(
            () ->
                stub.createVolume(
                    restore
                        .clone()
                        .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(4096))
                        .build())));
    assertEquals(
        Status.Code.NOT_FOUND,
        codeOf(
            () ->
                stub.createVolume(
                    restore
                        .clone()
                        .setVolumeContentSource(
                            fromSnapshot("s1:ceph:pvc-a-1:snap-0123456789abcdef"))
                        .build())));
    assertEquals(
        Status.Code.NOT_FOUND,
        codeOf(
            () ->
                stub.createVolume(
                    restore.clone().setVolumeContentSource(fromSnapshot("foreign")).build())));
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        codeOf(
            () -> stub.createVolume(restore.clone().putParameters("backend", "gluster").build())),
        "a snapshot is restored on its own backend only");
    assertEquals(1, glusterLike.volumes.size() + cephLike.volumes.size());
  }

  @Test
  void aCloneNamesItsSourceVolumeAndNeedsItToExist() throws Exception {
    start(cephLike, glusterLike);
    Volume a = volume("pvc-a", 8192);
    VolumeContentSource.Builder fromA = VolumeContentSource.newBuilder();
    fromA.getVolumeBuilder().setVolumeId(a.getVolumeId());
    CreateVolumeRequest clone =
        CreateVolumeRequest.newBuilder()
            .setName("pvc-clone")
            .addVolumeCapabilities(ControllerServiceTest.RWX)
            .setVolumeContentSource(fromA)
            .build();
    Volume cloned = stub.createVolume(clone).getVolume();
    assertEquals(a.getVolumeId(), cloned.getContentSource().getVolume().getVolumeId());
    assertEquals(8192, cloned.getCapacityBytes());
    assertEquals(cloned, stub.createVolume(clone).getVolume());
    VolumeContentSource.Builder missing = VolumeContentSource.newBuilder();
    missing.getVolumeBuilder().setVolumeId("v1:ceph:pvc-gone-0123");
    assertEquals(
        Status.Code.NOT_FOUND,
        codeOf(
            () ->
                stub.createVolume(
                    clone.toBuilder().setName("pvc-2").setVolumeContentSource(missing).build())));
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        codeOf(
            () ->
                stub.createVolume(
                    clone.toBuilder()
                        .setName("pvc-3")
                        .putParameters("backend", "gluster")
                        .build())));
    Volume g =
        stub.createVolume(
                ControllerServiceTest.create("pvc-g", 4096)
                    .putParameters("backend", "gluster")
                    .build())
            .getVolume();
    VolumeContentSource.Builder fromG = VolumeContentSource.newBuilder();
    fromG.getVolumeBuilder().setVolumeId(g.getVolumeId());
    assertEquals(
        Status.Code.UNIMPLEMENTED,
        codeOf(
            () ->
                stub.createVolume(
                    clone.toBuilder().setName("pvc-4").setVolumeContentSource(fromG).build())));
  }

  @Test
  void concurrentRepeatsTakeOneSnapshot() throws Exception {
    start(cephLike);
    Volume a = volume("pvc-a", 8192);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Snapshot>> repeats = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        repeats.add(pool.submit(() -> snapshot("snapshot-1", a.getVolumeId())));
      }
      Snapshot first = repeats.get(0).get();
      for (Future<Snapshot> f : repeats) {
        assertEquals(first, f.get());
      }
      assertEquals(1, cephLike.snapshots.creates.get());
    } finally {
      pool.shutdownNow();
    }
  }
}
