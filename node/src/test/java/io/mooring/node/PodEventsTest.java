package io.mooring.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.NodePublishVolumeRequest;
import csi.v1.Csi.NodeUnpublishVolumeRequest;
import io.mooring.events.ClusterEvents.Type;
import io.mooring.events.ObjectRef;
import io.mooring.mount.Health;
import io.mooring.testing.RecordedEvents;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Events on the pods and claims of published volumes, over a fake mount table. */
class PodEventsTest {

  private static final String A = "pvc-a-0123456789abcdef";
  private static final String B = "pvc-b-0123456789abcdef";
  private static final ObjectRef POD =
      new ObjectRef(ObjectRef.POD, "shop", "web-1", "0f5e3c1a-1111-2222-3333-444455556666");
  private static final ObjectRef CLAIM = new ObjectRef(ObjectRef.CLAIM, "shop", "data", "");

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

  /** What the kubelet sends with podInfoOnMount, on a volume whose context names its claim. */
  private NodePublishVolumeRequest publishForPod(String dir, String pod) {
    return node.publish(dir, pod).toBuilder()
        .putVolumeContext("csi.storage.k8s.io/pod.name", POD.name())
        .putVolumeContext("csi.storage.k8s.io/pod.namespace", POD.namespace())
        .putVolumeContext("csi.storage.k8s.io/pod.uid", POD.uid())
        .putVolumeContext("csi.storage.k8s.io/serviceAccount.name", "default")
        .putVolumeContext("csi.storage.k8s.io/ephemeral", "false")
        .putVolumeContext("pvcName", CLAIM.name())
        .putVolumeContext("pvcNamespace", CLAIM.namespace())
        .build();
  }

  private void killClient() throws IOException {
    // stat fails and no glusterfs process serves the client: as if it had been killed
    try (Stream<Path> tree = Files.walk(node.mounts.path(InProcessNode.BACKEND))) {
      for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private void heal() {
    try (var held = node.mounts.lock(InProcessNode.BACKEND)) {
      assertTrue(node.mounts.heal(InProcessNode.BACKEND).healthy());
    }
  }

  @Test
  void aHealIsReportedOnThePodAndItsClaimOnly() throws IOException {
    node.stub.nodeStageVolume(node.stage(A));
    node.stub.nodeStageVolume(node.stage(B));
    node.stub.nodePublishVolume(publishForPod(A, "p1"));
    node.stub.nodePublishVolume(node.publish(B, "p2")); // no pod info, no claim: no one to tell
    killClient();
    Files.delete(node.target(A, "p1"));

    heal();

    assertEquals(
        Set.of(POD, CLAIM),
        Set.copyOf(node.events.all.stream().map(RecordedEvents.Recorded::regarding).toList()));
    for (RecordedEvents.Recorded event : node.events.all) {
      assertEquals(Type.Warning, event.type());
      assertEquals(PodEvents.REMOUNTED, event.reason());
      assertEquals("Remount", event.action());
      assertTrue(
          event.message().startsWith("the glusterfs client of backend gluster-a has exited"),
          event.message());
      assertTrue(event.message().contains("mountPropagation: HostToContainer"), event.message());
    }
    heal();
    assertEquals(2, node.events.all.size(), "a healthy client is no news");
  }

  @Test
  void theRecordOfAPublishedPodOutlivesThePluginUntilUnpublish() {
    node.stub.nodeStageVolume(node.stage(A));
    node.stub.nodePublishVolume(publishForPod(A, "p1"));
    Path target = node.target(A, "p1");
    Path records = node.stateDir.resolve("pods");

    PodEvents restarted = new PodEvents(node.events, records);
    assertEquals(Set.of(POD, CLAIM), restarted.objectsAt(List.of(target)));

    node.stub.nodeUnpublishVolume(
        NodeUnpublishVolumeRequest.newBuilder()
            .setVolumeId(InProcessNode.id(A))
            .setTargetPath(target.toString())
            .build());
    assertEquals(Set.of(), new PodEvents(node.events, records).objectsAt(List.of(target)));
    assertEquals(Set.of(), node.pods.objectsAt(List.of(target)));
  }

  @Test
  void aRecordWhosePodDirectoryIsGoneIsDroppedAtStart() throws IOException {
    node.stub.nodeStageVolume(node.stage(A));
    node.stub.nodePublishVolume(publishForPod(A, "p1"));
    Path target = node.target(A, "p1");
    mounter.unmount(target, false);
    Files.delete(target);
    Files.delete(target.getParent()); // as the kubelet removes a pod's volume directory

    Path records = node.stateDir.resolve("pods");
    assertEquals(Set.of(), new PodEvents(node.events, records).objectsAt(List.of(target)));
    try (Stream<Path> left = Files.list(records)) {
      assertEquals(0, left.count());
    }
  }

  @Test
  void podInfoThatIsNoValidNameIsIgnored() {
    node.stub.nodeStageVolume(node.stage(A));
    node.stub.nodePublishVolume(
        node.publish(A, "p1").toBuilder()
            .putVolumeContext("csi.storage.k8s.io/pod.name", "Not/A Name")
            .putVolumeContext("csi.storage.k8s.io/pod.namespace", "shop")
            .build());
    assertEquals(Set.of(), node.pods.objectsAt(List.of(node.target(A, "p1"))));
  }

  @Test
  void anAbnormalClientIsReportedOnceWhenItTurnsAndOnceWhenItRecovers() {
    node.stub.nodeStageVolume(node.stage(A));
    node.stub.nodePublishVolume(publishForPod(A, "p1"));
    List<Path> binds = List.of(node.staging(A), node.target(A, "p1"));
    Health unreachable = new Health(Health.State.DISCONNECTED, "Transport endpoint");
    String client = "the glusterfs client of backend gluster-a";

    node.pods.checked(client, Health.HEALTHY, binds);
    node.pods.checked(client, unreachable, binds);
    node.pods.checked(client, unreachable, binds);
    node.pods.checked(client, Health.HEALTHY, binds);

    List<String> seen =
        node.events.all.stream()
            .filter(e -> e.regarding().equals(POD))
            .map(e -> e.type() + " " + e.reason() + ": " + e.message())
            .toList();
    assertEquals(
        List.of(
            "Warning VolumeAbnormal: " + unreachable.message(client),
            "Normal VolumeRecovered: " + client + " answers again"),
        seen);
    assertEquals(4, node.events.all.size(), "the claim hears the same");
  }

  @Test
  void contextKeysTheKubeletAddsDoNotBotherStaging() {
    node.stub.nodeStageVolume(
        node.stage(A).toBuilder().putAllVolumeContext(Map.of("pvcName", "data")).build());
  }
}
