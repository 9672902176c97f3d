package io.mooring.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.mooring.events.ClusterEvents.Type;
import io.mooring.events.ObjectRef;
import io.mooring.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Events as the API server (fabric8's mock, CRUD mode) stores them. */
@EnableKubernetesMockClient(crud = true)
class KubeEventsTest {

  private static final ObjectRef POD =
      new ObjectRef(ObjectRef.POD, "shop", "web-1", "0f5e3c1a-1111-2222-3333-444455556666");
  private static final ObjectRef CLAIM = new ObjectRef(ObjectRef.CLAIM, "shop", "data", "");

  KubernetesClient client;
  private final MutableClock clock = new MutableClock();

  {
    clock.now = Instant.parse("2026-12-07T02:00:00Z");
  }

  private KubeEvents events() {
    return new KubeEvents(() -> client, "mooring.csi.io/node", "node-a", clock);
  }

  private List<Event> stored() {
    return client.v1().events().inNamespace("shop").list().getItems().stream()
        .sorted(Comparator.comparing(e -> e.getMetadata().getName()))
        .toList();
  }

  @Test
  void anEventNamesItsObjectReasonTypeMessageAndReporter() {
    KubeEvents events = events();
    events.record(POD, Type.Warning, "VolumeRemounted", "Remount", "the client has exited");
    events.writeQueued();

    Event event = stored().get(0);
    assertEquals("Pod", event.getInvolvedObject().getKind());
    assertEquals("v1", event.getInvolvedObject().getApiVersion());
    assertEquals("shop", event.getInvolvedObject().getNamespace());
    assertEquals("web-1", event.getInvolvedObject().getName());
    assertEquals(POD.uid(), event.getInvolvedObject().getUid());
    assertEquals("shop", event.getMetadata().getNamespace());
    assertTrue(event.getMetadata().getName().startsWith("web-1."), event.getMetadata().getName());
    assertEquals("Warning", event.getType());
    assertEquals("VolumeRemounted", event.getReason());
    assertEquals("Remount", event.getAction());
    assertEquals("the client has exited", event.getMessage());
    assertEquals("mooring.csi.io/node", event.getSource().getComponent());
    assertEquals("node-a", event.getSource().getHost());
    assertEquals("mooring.csi.io/node", event.getReportingComponent());
    assertEquals("node-a", event.getReportingInstance());
    assertEquals(1, event.getCount());
    assertEquals("2026-12-07T02:00:00Z", event.getFirstTimestamp());
  }

  @Test
  void theSameEventAgainIsCountedNotWrittenAnew() {
    KubeEvents events = events();
    events.record(CLAIM, Type.Warning, "BackendUnavailable", "Provision", "glusterd is down");
    events.writeQueued();
    clock.advance(Duration.ofMinutes(3));
    events.record(CLAIM, Type.Warning, "BackendUnavailable", "Provision", "glusterd is down");
    events.record(CLAIM, Type.Warning, "BackendUnavailable", "Provision", "glusterd is down");
    events.record(CLAIM, Type.Warning, "BackendUnavailable", "Provision", "another message");
    events.writeQueued();

    List<Event> stored = stored();
    assertEquals(2, stored.size(), "another message is another Event");
    Event counted =
        stored.stream().filter(e -> e.getMessage().equals("glusterd is down")).findFirst().get();
    assertEquals(3, counted.getCount());
    assertEquals("2026-12-07T02:00:00Z", counted.getFirstTimestamp());
    assertEquals("2026-12-07T02:03:00Z", counted.getLastTimestamp());
    assertNull(counted.getInvolvedObject().getUid(), "a claim from parameters has no uid");
  }

  @Test
  void anEventTheServerNoLongerHasIsWrittenAnew() {
    KubeEvents events = events();
    events.record(POD, Type.Normal, "VolumeRecovered", "Check", "answers again");
    events.writeQueued();
    client.v1().events().inNamespace("shop").delete(); // expired (the API server keeps them 1 h)
    events.record(POD, Type.Normal, "VolumeRecovered", "Check", "answers again");
    events.writeQueued();
    assertEquals(1, stored().size());
    assertEquals(1, stored().get(0).getCount());
  }

  @Test
  void whatTheQueueCannotHoldIsDroppedAndCounted() {
    KubeEvents events = events();
    for (int i = 0; i < KubeEvents.QUEUE + 5; i++) {
      events.record(POD, Type.Warning, "VolumeAbnormal", "Check", "try " + i);
    }
    assertEquals(5, events.dropped());
    events.writeQueued();
    assertEquals(KubeEvents.QUEUE, stored().size());
    assertEquals(0, events.dropped(), "reported once the API server took Events again");
  }

  @Test
  void aLongMessageIsCutToWhatTheApiServerTakes() {
    KubeEvents events = events();
    events.record(POD, Type.Warning, "VolumeAbnormal", "Check", "x".repeat(5000));
    events.writeQueued();
    assertEquals(KubeEvents.MESSAGE_LIMIT, stored().get(0).getMessage().length());
  }

  @Test
  void theWriterThreadWritesWhatIsRecorded() throws Exception {
    try (KubeEvents events = events().start()) {
      events.record(POD, Type.Warning, "VolumeRemounted", "Remount", "healed");
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (stored().isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals("healed", stored().get(0).getMessage());
    }
  }
}
