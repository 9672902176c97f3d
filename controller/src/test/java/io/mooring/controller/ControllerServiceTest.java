package io.mooring.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.ControllerGrpc;
import csi.v1.Csi.CapacityRange;
import csi.v1.Csi.ControllerExpandVolumeRequest;
import csi.v1.Csi.ControllerGetCapabilitiesRequest;
import csi.v1.Csi.ControllerGetVolumeRequest;
import csi.v1.Csi.ControllerPublishVolumeRequest;
import csi.v1.Csi.CreateSnapshotRequest;
import csi.v1.Csi.CreateVolumeRequest;
import csi.v1.Csi.CreateVolumeResponse;
import csi.v1.Csi.DeleteVolumeRequest;
import csi.v1.Csi.GetCapacityRequest;
import csi.v1.Csi.ListVolumesRequest;
import csi.v1.Csi.ListVolumesResponse;
import csi.v1.Csi.ValidateVolumeCapabilitiesRequest;
import csi.v1.Csi.VolumeCapability;
import csi.v1.Csi.VolumeCapability.AccessMode;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ControllerServiceTest {

  static final VolumeCapability RWX =
      VolumeCapability.newBuilder()
          .setMount(VolumeCapability.MountVolume.getDefaultInstance())
          .setAccessMode(AccessMode.newBuilder().setMode(AccessMode.Mode.MULTI_NODE_MULTI_WRITER))
          .build();

  private final FakeBackend backend = new FakeBackend("gluster-a");
  private InProcessController controller;
  private ControllerGrpc.ControllerBlockingStub stub;

  @BeforeEach
  void start() throws Exception {
    controller = new InProcessController(List.of(backend), Duration.ofSeconds(5));
    stub = controller.stub;
  }

  @AfterEach
  void stop() {
    controller.close();
  }

  static CreateVolumeRequest.Builder create(String name, long bytes) {
    return CreateVolumeRequest.newBuilder()
        .setName(name)
        .addVolumeCapabilities(RWX)
        .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(bytes));
  }

  private Status.Code codeOf(Runnable call) {
    return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
  }

  @Test
  void createIsIdempotentAndDeleteRemoves() {
    CreateVolumeResponse first = stub.createVolume(create("pvc-1", 1 << 20).build());
    CreateVolumeResponse again = stub.createVolume(create("pvc-1", 1 << 20).build());
    assertEquals(first, again);
    assertEquals(1, backend.creates.get());
    assertTrue(first.getVolume().getVolumeId().startsWith("v1:gluster-a:pvc-1-"));
    assertEquals(1 << 20, first.getVolume().getCapacityBytes());

    stub.deleteVolume(
        DeleteVolumeRequest.newBuilder().setVolumeId(first.getVolume().getVolumeId()).build());
    stub.deleteVolume(
        DeleteVolumeRequest.newBuilder().setVolumeId(first.getVolume().getVolumeId()).build());
    assertTrue(backend.volumes.isEmpty());
    assertEquals(1, backend.deleted.size());
  }

  @Test
  void sameNameWithIncompatibleSizeOrParametersIsAlreadyExists() {
    stub.createVolume(create("pvc-2", 1 << 20).build());
    assertEquals(
        Status.Code.ALREADY_EXISTS,
        codeOf(() -> stub.createVolume(create("pvc-2", 2 << 20).build())));
    assertEquals(
        Status.Code.ALREADY_EXISTS,
        codeOf(
            () ->
                stub.createVolume(
                    create("pvc-2", 1 << 20).putParameters("onDelete", "retain").build())));
  }

  @Test
  void roundsUpAndHonoursLimit() {
    CreateVolumeResponse r = stub.createVolume(create("pvc-3", 1000).build());
    assertEquals(4096, r.getVolume().getCapacityBytes());
    assertEquals(
        Status.Code.OUT_OF_RANGE,
        codeOf(
            () ->
                stub.createVolume(
                    create("pvc-4", 1000)
                        .setCapacityRange(
                            CapacityRange.newBuilder().setRequiredBytes(1000).setLimitBytes(2000))
                        .build())));
    assertEquals(
        Status.Code.OUT_OF_RANGE,
        codeOf(
            () ->
                stub.createVolume(
                    create("pvc-5", 0)
                        .setCapacityRange(
                            CapacityRange.newBuilder().setRequiredBytes(5000).setLimitBytes(4000))
                        .build())));
  }

  @Test
  void cephCsiNamesClusterIdAndVolumeNamePrefixWork() {
    CreateVolumeResponse r =
        stub.createVolume(
            create("pvc-7", 4096)
                .putParameters("clusterID", "gluster-a")
                .putParameters("volumeNamePrefix", "csi-vol-")
                .build());
    assertTrue(
        r.getVolume().getVolumeId().startsWith("v1:gluster-a:csi-vol-pvc-7-"),
        r.getVolume().getVolumeId());
    assertEquals(
        r,
        stub.createVolume(
            create("pvc-7", 4096)
                .putParameters("clusterID", "gluster-a")
                .putParameters("volumeNamePrefix", "csi-vol-")
                .build()));

    for (Map<String, String> bad :
        List.of(
            Map.of("clusterID", "other"),
            Map.of("clusterID", "gluster-a", "backend", "gluster-b"),
            Map.of("volumeNamePrefix", "-x"),
            Map.of("volumeNamePrefix", "x".repeat(23)),
            Map.of("pool", "data"),
            Map.of("fsName", "cephfs"))) {
      assertEquals(
          Status.Code.INVALID_ARGUMENT,
          codeOf(() -> stub.createVolume(create("pvc-8", 4096).putAllParameters(bad).build())),
          bad.toString());
    }
    assertEquals(1, backend.volumes.size(), "the refused requests made nothing");
  }

  @Test
  void provisionerMetadataIsAcceptedButNotStored() {
    CreateVolumeResponse r =
        stub.createVolume(
            create("pvc-6", 4096)
                .putParameters("csi.storage.k8s.io/pvc/name", "data")
                .putParameters("csi.storage.k8s.io/pvc/namespace", "web")
                .putParameters("backend", "gluster-a")
                .build());
    assertEquals(
        Set.of("backend"), backend.volumes.values().iterator().next().parameters().keySet());
    assertFalse(r.getVolume().getVolumeId().isEmpty());
  }

  static Stream<Arguments> invalidCreates() {
    VolumeCapability block =
        RWX.toBuilder().setBlock(VolumeCapability.BlockVolume.getDefaultInstance()).build();
    VolumeCapability noMode = RWX.toBuilder().clearAccessMode().build();
    VolumeCapability ext4 =
        RWX.toBuilder()
            .setMount(VolumeCapability.MountVolume.newBuilder().setFsType("ext4"))
            .build();
    return Stream.of(
        Arguments.of("empty name", create("", 4096).build()),
        Arguments.of("slash in name", create("../etc", 4096).build()),
        Arguments.of("NUL in name", create("a\0b", 4096).build()),
        Arguments.of("10 KB name", create("x".repeat(10_240), 4096).build()),
        Arguments.of("no capabilities", create("ok", 4096).clearVolumeCapabilities().build()),
        Arguments.of(
            "block",
            create("ok", 4096).clearVolumeCapabilities().addVolumeCapabilities(block).build()),
        Arguments.of(
            "no access mode",
            create("ok", 4096).clearVolumeCapabilities().addVolumeCapabilities(noMode).build()),
        Arguments.of(
            "ext4",
            create("ok", 4096).clearVolumeCapabilities().addVolumeCapabilities(ext4).build()),
        Arguments.of(
            "unknown parameter", create("ok", 4096).putParameters("replicas", "3").build()),
        Arguments.of(
            "unknown backend", create("ok", 4096).putParameters("backend", "nope").build()),
        Arguments.of("bad onDelete", create("ok", 4096).putParameters("onDelete", "shred").build()),
        Arguments.of("negative size", create("ok", -1).build()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidCreates")
  void invalidCreateIsInvalidArgumentAndMakesNothing(String label, CreateVolumeRequest request) {
    assertEquals(Status.Code.INVALID_ARGUMENT, codeOf(() -> stub.createVolume(request)));
    assertEquals(0, backend.creates.get());
  }

  static Stream<Arguments> hostileIds() {
    return Stream.of(
        Arguments.of(""),
        Arguments.of("v1:gluster-a:../../etc"),
        Arguments.of("v1:gluster-a:a/b"),
        Arguments.of("v1:gluster-a:a\0b"),
        Arguments.of("v1:gluster-a:"),
        Arguments.of("v1:x"),
        Arguments.of("x".repeat(10_240)));
  }

  @ParameterizedTest
  @MethodSource("hostileIds")
  void hostileIdsAreInvalidArgumentEverywhere(String id) {
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        codeOf(() -> stub.deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(id).build())));
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        codeOf(
            () ->
                stub.controllerGetVolume(
                    ControllerGetVolumeRequest.newBuilder().setVolumeId(id).build())));
    assertTrue(backend.deleted.isEmpty());
  }

  @Test
  void foreignOrUnknownIdsAreNotFoundAndDeleteIsOk() {
    stub.deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId("reallyfakevolumeid").build());
    stub.deleteVolume(
        DeleteVolumeRequest.newBuilder().setVolumeId("v1:other:pvc-1-0011223344556677").build());
    assertEquals(
        Status.Code.NOT_FOUND,
        codeOf(
            () ->
                stub.controllerGetVolume(
                    ControllerGetVolumeRequest.newBuilder().setVolumeId("some-vol-id").build())));
    assertEquals(
        Status.Code.NOT_FOUND,
        codeOf(
            () ->
                stub.validateVolumeCapabilities(
                    ValidateVolumeCapabilitiesRequest.newBuilder()
                        .setVolumeId("v1:gluster-a:pvc-9-0011223344556677")
                        .addVolumeCapabilities(RWX)
                        .build())));
    assertEquals(
        Status.Code.NOT_FOUND,
        codeOf(
            () ->
                stub.controllerExpandVolume(
                    ControllerExpandVolumeRequest.newBuilder()
                        .setVolumeId("v1:gluster-a:pvc-9-0011223344556677")
                        .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(1))
                        .build())));
    assertTrue(backend.deleted.isEmpty());
  }

  @Test
  void expandGrowsButNeverShrinks() {
    String id = stub.createVolume(create("pvc-7", 8192).build()).getVolume().getVolumeId();
    var grown =
        stub.controllerExpandVolume(
            ControllerExpandVolumeRequest.newBuilder()
                .setVolumeId(id)
                .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(10_000))
                .build());
    assertEquals(12_288, grown.getCapacityBytes());
    assertFalse(grown.getNodeExpansionRequired());
    var same =
        stub.controllerExpandVolume(
            ControllerExpandVolumeRequest.newBuilder()
                .setVolumeId(id)
                .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(4096))
                .build());
    assertEquals(12_288, same.getCapacityBytes());
  }

  @Test
  void validateConfirmsOnlySupportedCapabilities() {
    String id = stub.createVolume(create("pvc-8", 4096).build()).getVolume().getVolumeId();
    var ok =
        stub.validateVolumeCapabilities(
            ValidateVolumeCapabilitiesRequest.newBuilder()
                .setVolumeId(id)
                .addVolumeCapabilities(RWX)
                .build());
    assertEquals(List.of(RWX), ok.getConfirmed().getVolumeCapabilitiesList());
    var block =
        stub.validateVolumeCapabilities(
            ValidateVolumeCapabilitiesRequest.newBuilder()
                .setVolumeId(id)
                .addVolumeCapabilities(
                    RWX.toBuilder().setBlock(VolumeCapability.BlockVolume.getDefaultInstance()))
                .build());
    assertFalse(block.hasConfirmed());
    assertFalse(block.getMessage().isEmpty());
  }

  @Test
  void listPagesWithTokensAndRejectsForeignTokens() {
    for (int i = 0; i < 5; i++) {
      stub.createVolume(create("pvc-list-" + i, 4096).build());
    }
    backend.gets.set(0);
    List<String> seen = new ArrayList<>();
    String token = "";
    do {
      ListVolumesResponse page =
          stub.listVolumes(
              ListVolumesRequest.newBuilder().setMaxEntries(2).setStartingToken(token).build());
      assertTrue(page.getEntriesCount() <= 2);
      page.getEntriesList().forEach(e -> seen.add(e.getVolume().getVolumeId()));
      token = page.getNextToken();
    } while (!token.isEmpty());
    assertEquals(5, seen.size());
    assertEquals(5, Set.copyOf(seen).size());
    assertEquals(0, backend.gets.get(), "the listed records are used, not read again");
    assertEquals(
        Status.Code.ABORTED,
        codeOf(
            () ->
                stub.listVolumes(
                    ListVolumesRequest.newBuilder().setStartingToken("garbage").build())));
  }

  @Test
  void capacityAndConditionComeFromTheBackend() {
    assertEquals(
        100L << 30,
        stub.getCapacity(GetCapacityRequest.getDefaultInstance()).getAvailableCapacity());
    String id = stub.createVolume(create("pvc-9", 4096).build()).getVolume().getVolumeId();
    backend.unhealthy = "mount is dead";
    var got =
        stub.controllerGetVolume(ControllerGetVolumeRequest.newBuilder().setVolumeId(id).build());
    assertTrue(got.getStatus().getVolumeCondition().getAbnormal());
    assertEquals("mount is dead", got.getStatus().getVolumeCondition().getMessage());
  }

  @Test
  void concurrentDuplicatesMakeOneVolume() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<CreateVolumeResponse>> futures = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        futures.add(pool.submit(() -> stub.createVolume(create("pvc-dup", 4096).build())));
      }
      CreateVolumeResponse first = futures.get(0).get();
      for (Future<CreateVolumeResponse> f : futures) {
        assertEquals(first, f.get());
      }
      assertEquals(1, backend.creates.get());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void unimplementedRpcsSayUnimplementedAndAreNotAdvertised() {
    assertEquals(
        Status.Code.UNIMPLEMENTED,
        codeOf(
            () ->
                stub.controllerPublishVolume(ControllerPublishVolumeRequest.getDefaultInstance())));
    String volume = stub.createVolume(create("pvc-1", 4096).build()).getVolume().getVolumeId();
    assertEquals(
        Status.Code.UNIMPLEMENTED,
        codeOf(
            () ->
                stub.createSnapshot(
                    CreateSnapshotRequest.newBuilder()
                        .setName("snap-1")
                        .setSourceVolumeId(volume)
                        .build())));
    var caps =
        stub.controllerGetCapabilities(ControllerGetCapabilitiesRequest.getDefaultInstance());
    assertTrue(
        caps.getCapabilitiesList().stream()
            .noneMatch(c -> c.getRpc().getType().name().contains("PUBLISH")));
    assertTrue(
        caps.getCapabilitiesList().stream()
            .noneMatch(c -> c.getRpc().getType().name().contains("SNAPSHOT")));
  }
}
