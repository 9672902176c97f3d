package io.mooring.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import csi.v1.Csi.CreateVolumeRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mooring.errors.StorageException;
import io.mooring.errors.StorageException.Kind;
import io.mooring.events.ClusterEvents.Type;
import io.mooring.events.ObjectRef;
import io.mooring.testing.RecordedEvents;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** CreateVolume tells the claim what an administrator must fix, and the node which claim it is. */
class ProvisioningEventsTest {

  private final FakeBackend backend = new FakeBackend("gluster-a");
  private InProcessController controller;

  @BeforeEach
  void start() throws Exception {
    controller = new InProcessController(List.of(backend), Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() {
    controller.close();
  }

  /** As the provisioner sends it with --extra-create-metadata. */
  private static CreateVolumeRequest forClaim(String name) {
    return ControllerServiceTest.create(name, 1 << 20)
        .putParameters("csi.storage.k8s.io/pvc/name", "data")
        .putParameters("csi.storage.k8s.io/pvc/namespace", "shop")
        .putParameters("csi.storage.k8s.io/pv/name", name)
        .build();
  }

  @ParameterizedTest
  @CsvSource({
    "UNAVAILABLE, BackendUnavailable",
    "DEADLINE_EXCEEDED, BackendSlow",
    "EXHAUSTED, BackendExhausted",
    "PERMISSION_DENIED, BackendAccessDenied",
    "FAILED_PRECONDITION, BackendMisconfigured",
    "INTERNAL, BackendFailed"
  })
  void aFailureAnAdministratorMustFixIsAWarningOnTheClaim(Kind kind, String reason) {
    backend.createFailure = new StorageException(kind, "glusterd at g1 does not answer");
    assertThrows(
        StatusRuntimeException.class, () -> controller.stub.createVolume(forClaim("pvc-1")));

    assertEquals(
        List.of(
            new RecordedEvents.Recorded(
                new ObjectRef(ObjectRef.CLAIM, "shop", "data", ""),
                Type.Warning,
                reason,
                "Provision",
                "Mooring cannot create this claim's volume until an administrator acts: glusterd"
                    + " at g1 does not answer (the provisioner retries)")),
        controller.events.all);
  }

  @ParameterizedTest
  @CsvSource({"INVALID_ARGUMENT", "BUSY", "ALREADY_EXISTS", "OUT_OF_RANGE", "CANCELLED"})
  void failuresOfTheRequestOrThatPassAreLeftToTheProvisioner(Kind kind) {
    backend.createFailure = new StorageException(kind, "no");
    assertThrows(
        StatusRuntimeException.class, () -> controller.stub.createVolume(forClaim("pvc-1")));
    assertEquals(List.of(), controller.events.all);
  }

  @Test
  void withoutTheProvisionersClaimNoOneIsTold() {
    backend.createFailure = new StorageException(Kind.UNAVAILABLE, "down");
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> controller.stub.createVolume(ControllerServiceTest.create("pvc-1", 1).build()));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertEquals(List.of(), controller.events.all);
  }

  @Test
  void theVolumeContextNamesTheClaimAndARetryAnswersTheSame() {
    Map<String, String> context =
        controller.stub.createVolume(forClaim("pvc-1")).getVolume().getVolumeContextMap();
    assertEquals("data", context.get("pvcName"));
    assertEquals("shop", context.get("pvcNamespace"));
    assertEquals(
        context, controller.stub.createVolume(forClaim("pvc-1")).getVolume().getVolumeContextMap());
    Map<String, String> unnamed =
        controller
            .stub
            .createVolume(ControllerServiceTest.create("pvc-2", 1).build())
            .getVolume()
            .getVolumeContextMap();
    assertEquals(
        backend.volumeContext(backend.volumes.lastKey()), unnamed, "no claim, none written");
  }
}
