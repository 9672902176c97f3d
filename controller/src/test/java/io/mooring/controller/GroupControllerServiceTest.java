package io.mooring.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.ControllerGrpc;
import csi.v1.Csi.CreateVolumeGroupSnapshotRequest;
import csi.v1.Csi.CreateVolumeRequest;
import csi.v1.Csi.DeleteSnapshotRequest;
import csi.v1.Csi.DeleteVolumeGroupSnapshotRequest;
import csi.v1.Csi.GetVolumeGroupSnapshotRequest;
import csi.v1.Csi.ListSnapshotsRequest;
import csi.v1.Csi.Snapshot;
import csi.v1.Csi.VolumeGroupSnapshot;
import csi.v1.GroupControllerGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Group snapshots through the service, on in-memory backends. */
class GroupControllerServiceTest {

  final FakeBackend ceph = new FakeBackend("ceph");
  final FakeBackend other = new FakeBackend("other");
  InProcessController service;
  GroupControllerGrpc.GroupControllerBlockingStub groups;
  ControllerGrpc.ControllerBlockingStub controller;
  String a;
  String b;
  String c;

  @BeforeEach
  void start() throws Exception {
    ceph.snapshots = new FakeSnapshots(ceph);
    other.snapshots = new FakeSnapshots(other);
    service = new InProcessController(List.of(ceph, other), Duration.ofSeconds(5));
    groups = service.groups;
    controller = service.stub;
    a = volume("pvc-a", "ceph");
    b = volume("pvc-b", "ceph");
    c = volume("pvc-c", "other");
  }

  @AfterEach
  void stop() {
    service.close();
  }

  String volume(String name, String backend) {
    return controller
        .createVolume(
            ControllerServiceTest.create(name, 8192).putParameters("backend", backend).build())
        .getVolume()
        .getVolumeId();
  }

  VolumeGroupSnapshot group(String name, String... volumes) {
    return groups
        .createVolumeGroupSnapshot(
            CreateVolumeGroupSnapshotRequest.newBuilder()
                .setName(name)
                .addAllSourceVolumeIds(List.of(volumes))
                .build())
        .getGroupSnapshot();
  }

  Status.Code codeOf(Runnable call) {
    return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
  }

  static Set<String> ids(List<Snapshot> snapshots) {
    return snapshots.stream().map(Snapshot::getSnapshotId).collect(Collectors.toSet());
  }

  @Test
  void aGroupIsOneSnapshotPerVolumeAndIdempotentByName() {
    VolumeGroupSnapshot made = group("group-1", a, b);
    assertTrue(made.getGroupSnapshotId().startsWith("g1:ceph:"));
    assertTrue(made.getReadyToUse());
    assertEquals(2, made.getSnapshotsCount());
    assertEquals(
        Set.of(a, b),
        made.getSnapshotsList().stream()
            .map(Snapshot::getSourceVolumeId)
            .collect(Collectors.toSet()));
    made.getSnapshotsList()
        .forEach(s -> assertEquals(made.getGroupSnapshotId(), s.getGroupSnapshotId()));
    assertEquals(made, group("group-1", b, a));
    assertEquals(2, ceph.snapshots.creates.get());
    assertEquals(Status.Code.ALREADY_EXISTS, codeOf(() -> group("group-1", a)));
    ListSnapshotsRequest byGroup = ListSnapshotsRequest.newBuilder().build();
    assertEquals(
        ids(made.getSnapshotsList()),
        controller.listSnapshots(byGroup).getEntriesList().stream()
            .map(e -> e.getSnapshot())
            .filter(s -> s.getGroupSnapshotId().equals(made.getGroupSnapshotId()))
            .map(Snapshot::getSnapshotId)
            .collect(Collectors.toSet()));
  }

  @Test
  void createRefusesWhatCannotBeOneGroup() {
    assertEquals(Status.Code.INVALID_ARGUMENT, codeOf(() -> group("", a)));
    assertEquals(Status.Code.INVALID_ARGUMENT, codeOf(() -> group("g")));
    assertEquals(Status.Code.FAILED_PRECONDITION, codeOf(() -> group("g", a, c)));
    assertEquals(Status.Code.NOT_FOUND, codeOf(() -> group("g", a, "v1:ceph:pvc-gone-1234")));
    assertEquals(Status.Code.NOT_FOUND, codeOf(() -> group("g", "foreign-volume")));
    assertTrue(ceph.snapshots.snapshots.isEmpty(), "nothing taken for a refused group");
    assertTrue(ceph.snapshots.groups.isEmpty(), "nothing recorded for a refused group");
  }

  @Test
  void getAndDeleteCheckTheMembersAndDeleteIsIdempotent() {
    VolumeGroupSnapshot made = group("group-1", a, b);
    String id = made.getGroupSnapshotId();
    List<String> members = List.copyOf(new TreeSet<>(ids(made.getSnapshotsList())));
    assertEquals(
        made,
        groups
            .getVolumeGroupSnapshot(
                GetVolumeGroupSnapshotRequest.newBuilder()
                    .setGroupSnapshotId(id)
                    .addAllSnapshotIds(members)
                    .build())
            .getGroupSnapshot());
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        codeOf(
            () ->
                groups.getVolumeGroupSnapshot(
                    GetVolumeGroupSnapshotRequest.newBuilder()
                        .setGroupSnapshotId(id)
                        .addSnapshotIds(members.get(0))
                        .build())));
    assertEquals(
        Status.Code.FAILED_PRECONDITION,
        codeOf(
            () ->
                controller.deleteSnapshot(
                    DeleteSnapshotRequest.newBuilder().setSnapshotId(members.get(0)).build())),
        "a member goes with its group");
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        codeOf(
            () ->
                groups.deleteVolumeGroupSnapshot(
                    DeleteVolumeGroupSnapshotRequest.newBuilder()
                        .setGroupSnapshotId(id)
                        .addSnapshotIds(members.get(1))
                        .build())));
    assertEquals(2, ceph.snapshots.snapshots.size(), "a refused delete deletes nothing");
    for (int i = 0; i < 2; i++) {
      groups.deleteVolumeGroupSnapshot(
          DeleteVolumeGroupSnapshotRequest.newBuilder()
              .setGroupSnapshotId(id)
              .addAllSnapshotIds(members)
              .build());
    }
    assertTrue(ceph.snapshots.snapshots.isEmpty());
    assertTrue(ceph.snapshots.groups.isEmpty());
    assertEquals(
        Status.Code.NOT_FOUND,
        codeOf(
            () ->
                groups.getVolumeGroupSnapshot(
                    GetVolumeGroupSnapshotRequest.newBuilder().setGroupSnapshotId(id).build())));
    groups.deleteVolumeGroupSnapshot(
        DeleteVolumeGroupSnapshotRequest.newBuilder().setGroupSnapshotId("foreign").build());
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        codeOf(
            () ->
                groups.deleteVolumeGroupSnapshot(
                    DeleteVolumeGroupSnapshotRequest.getDefaultInstance())));
  }

  @Test
  void aGroupWithAMemberThatBacksAVolumeIsNotDeletedInPart() {
    ceph.parameters = Set.of("backingSnapshot");
    VolumeGroupSnapshot made = group("group-1", a, b);
    List<String> members = List.copyOf(new TreeSet<>(ids(made.getSnapshotsList())));
    controller.createVolume(
        CreateVolumeRequest.newBuilder()
            .setName("pvc-view")
            .addVolumeCapabilities(ControllerSnapshotsTest.ROX)
            .putParameters("backingSnapshot", "true")
            .setVolumeContentSource(ControllerSnapshotsTest.fromSnapshot(members.get(1)))
            .build());
    DeleteVolumeGroupSnapshotRequest delete =
        DeleteVolumeGroupSnapshotRequest.newBuilder()
            .setGroupSnapshotId(made.getGroupSnapshotId())
            .addAllSnapshotIds(members)
            .build();
    assertEquals(
        Status.Code.FAILED_PRECONDITION, codeOf(() -> groups.deleteVolumeGroupSnapshot(delete)));
    assertEquals(2, ceph.snapshots.snapshots.size(), "no member went");
    ceph.snapshots.backed.clear(); // the view is deleted
    groups.deleteVolumeGroupSnapshot(delete);
    assertTrue(ceph.snapshots.snapshots.isEmpty());
  }
}
