package io.mooring.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.mooring.events.ClusterEvents.Type;
import io.mooring.events.ObjectRef;
import io.mooring.testing.MutableClock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The requests KubeEvents sends, against expectations: only what RBAC grants it (create, patch),
 * and without RBAC one warning, nothing thrown, and a note when Events work again.
 */
@EnableKubernetesMockClient
class KubeEventsRequestsTest {

  private static final ObjectRef POD = new ObjectRef(ObjectRef.POD, "shop", "web-1", "");
  private static final String EVENTS = "/api/v1/namespaces/shop/events";

  KubernetesClient client;
  KubernetesMockServer server;
  private final ListAppender<ILoggingEvent> log = new ListAppender<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(KubeEvents.class);

  @BeforeEach
  void capture() {
    log.start();
    logger.addAppender(log);
  }

  @AfterEach
  void release() {
    logger.detachAppender(log);
  }

  private List<String> lines(Level level) {
    return log.list.stream()
        .filter(e -> e.getLevel() == level)
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  @Test
  void aRepeatIsOnePatchWithoutAReadFirst() throws Exception {
    MutableClock clock = new MutableClock();
    Instant at = clock.now;
    String name = "web-1." + Long.toHexString(at.getEpochSecond() * 1_000_000_000L + at.getNano());
    server.expect().post().withPath(EVENTS).andReturn(201, "{}").once();
    server.expect().patch().withPath(EVENTS + "/" + name).andReturn(200, "{}").once();
    KubeEvents events = new KubeEvents(() -> client, "mooring.csi.io/node", "node-a", clock);

    events.record(POD, Type.Warning, "VolumeRemounted", "Remount", "healed");
    events.record(POD, Type.Warning, "VolumeRemounted", "Remount", "healed");
    events.writeQueued();

    assertEquals(2, server.getRequestCount());
    assertEquals("POST", server.takeRequest().getMethod());
    RecordedRequest patch = server.takeRequest();
    assertEquals("PATCH", patch.getMethod());
    assertEquals("application/merge-patch+json", patch.getHeader("Content-Type"));
    assertTrue(patch.getUtf8Body().startsWith("{\"count\":2,"));
    assertEquals(List.of(), lines(Level.WARN));
  }

  @Test
  void forbiddenOnlyLogsOneWarning() {
    server
        .expect()
        .post()
        .withPath(EVENTS)
        .andReturn(
            403,
            new StatusBuilder()
                .withStatus("Failure")
                .withReason("Forbidden")
                .withCode(403)
                .withMessage(
                    "events is forbidden: User \"system:serviceaccount:mooring:mooring-node\""
                        + " cannot create resource \"events\"")
                .build())
        .times(3);
    server.expect().post().withPath(EVENTS).andReturn(201, "{}").once();
    KubeEvents events = new KubeEvents(() -> client, "mooring.csi.io/node", "node-a");

    for (int i = 0; i < 3; i++) {
      events.record(POD, Type.Warning, "VolumeRemounted", "Remount", "healed " + i);
    }
    events.writeQueued();

    List<String> warnings = lines(Level.WARN);
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains("forbidden"), warnings.get(0));
    assertTrue(warnings.get(0).contains("create and patch on events"), warnings.get(0));

    events.record(POD, Type.Warning, "VolumeRemounted", "Remount", "healed again");
    events.writeQueued();
    assertEquals(List.of("recording Events again"), lines(Level.INFO));
  }
}
