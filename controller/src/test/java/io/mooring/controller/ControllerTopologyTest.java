package io.mooring.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.CreateVolumeRequest;
import csi.v1.Csi.Topology;
import csi.v1.Csi.TopologyRequirement;
import csi.v1.Csi.Volume;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Backends reachable from some zones only, and CreateVolume's accessibility requirements. */
class ControllerTopologyTest {

  private static final String ZONE = "topology.kubernetes.io/zone";

  private final FakeBackend east = new FakeBackend("east");
  private final FakeBackend west = new FakeBackend("west");
  private final FakeBackend shared = new FakeBackend("shared");
  private InProcessController controller;

  private InProcessController start(List<FakeBackend> all, Map<String, Map<String, String>> zones)
      throws Exception {
    controller = new InProcessController(new Backends(all, zones), Duration.ofSeconds(5));
    return controller;
  }

  private InProcessController zoned() throws Exception {
    return start(
        List.of(east, west, shared), Map.of("east", Map.of(ZONE, "e"), "west", Map.of(ZONE, "w")));
  }

  @AfterEach
  void stop() {
    if (controller != null) {
      controller.close();
    }
  }

  private static Topology zone(String zone) {
    return Topology.newBuilder().putSegments(ZONE, zone).putSegments("rack", "r1").build();
  }

  private static CreateVolumeRequest request(String name, TopologyRequirement need) {
    return ControllerServiceTest.create(name, 1 << 20).setAccessibilityRequirements(need).build();
  }

  private Volume create(TopologyRequirement need) {
    return controller.stub.createVolume(request("pvc-1", need)).getVolume();
  }

  private static String backendOf(Volume volume) {
    return volume.getVolumeId().split(":")[1];
  }

  @Test
  void thePreferredZonesBackendWinsAndItsZoneIsReturned() throws Exception {
    zoned();
    Volume volume =
        create(
            TopologyRequirement.newBuilder()
                .addRequisite(zone("e"))
                .addRequisite(zone("w"))
                .addPreferred(zone("w"))
                .addPreferred(zone("e"))
                .build());
    assertEquals("west", backendOf(volume));
    assertEquals(
        List.of(Topology.newBuilder().putSegments(ZONE, "w").build()),
        volume.getAccessibleTopologyList());
  }

  @Test
  void aZonedBackendComesBeforeOneReachableEverywhere() throws Exception {
    zoned();
    Volume volume = create(TopologyRequirement.newBuilder().addRequisite(zone("e")).build());
    assertEquals("east", backendOf(volume));
  }

  @Test
  void aBackendReachableEverywhereServesAZoneWithoutOne() throws Exception {
    zoned();
    Volume volume = create(TopologyRequirement.newBuilder().addRequisite(zone("north")).build());
    assertEquals("shared", backendOf(volume));
    assertEquals(List.of(), volume.getAccessibleTopologyList(), "reachable from every node");
  }

  @Test
  void aNamedBackendOutsideTheRequisiteZonesIsResourceExhausted() throws Exception {
    zoned();
    CreateVolumeRequest named =
        request("pvc-1", TopologyRequirement.newBuilder().addRequisite(zone("w")).build())
            .toBuilder()
            .putParameters("backend", "east")
            .build();
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> controller.stub.createVolume(named));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("east {" + ZONE + "=e}"), e.getMessage());
    assertEquals(0, east.creates.get());
  }

  @Test
  void noZonedBackendInReachIsResourceExhausted() throws Exception {
    start(List.of(east, west), Map.of("east", Map.of(ZONE, "e"), "west", Map.of(ZONE, "w")));
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> create(TopologyRequirement.newBuilder().addRequisite(zone("north")).build()));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
  }

  @Test
  void withoutRequirementsSeveralBackendsStillNeedANameAndEveryAnswerCarriesTheZone()
      throws Exception {
    zoned();
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class, () -> create(TopologyRequirement.getDefaultInstance()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());

    Volume volume =
        controller
            .stub
            .createVolume(
                ControllerServiceTest.create("pvc-2", 1).putParameters("backend", "west").build())
            .getVolume();
    assertEquals(
        volume.getAccessibleTopologyList(),
        controller
            .stub
            .controllerGetVolume(
                csi.v1.Csi.ControllerGetVolumeRequest.newBuilder()
                    .setVolumeId(volume.getVolumeId())
                    .build())
            .getVolume()
            .getAccessibleTopologyList());
  }

  @Test
  void withoutTopologyTheOnlyBackendIgnoresRequirementsAndNothingIsAdvertised() throws Exception {
    start(List.of(shared), Map.of());
    assertFalse(new Backends(List.of(shared)).hasTopology());
    Volume volume = create(TopologyRequirement.newBuilder().addRequisite(zone("x")).build());
    assertEquals("shared", backendOf(volume));
    assertTrue(new Backends(List.of(east), Map.of("east", Map.of(ZONE, "e"))).hasTopology());
  }
}
