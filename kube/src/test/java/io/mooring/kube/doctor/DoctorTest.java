package io.mooring.kube.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class DoctorTest {

  static KubernetesClient client; // static: one server, seeded once, for all the tests

  @BeforeAll
  static void seed() {
    new ClusterFixture(client).seed();
  }

  private static List<Finding> examine(String namespace) {
    return Doctor.examine(Cluster.fetch(client, namespace));
  }

  @Test
  void findsEachProblemAndStaysQuietAboutTheLookAlikes() {
    assertEquals(
        List.of(
            "DaemonSet agents READ_WRITE_ONCE data-rwo",
            "Deployment ebs-rwx SINGLE_ATTACH_DRIVER data-ebs-rwx",
            "Deployment single READ_WRITE_ONCE data-rwo",
            "Deployment single-rwop READ_WRITE_ONCE_POD data-rwop",
            "Deployment web READ_WRITE_ONCE data-rwo",
            "Pod attach-fails FAILED_ATTACH null",
            "Pod rwop-new READ_WRITE_ONCE_POD data-rwop",
            "Pod web-new MULTI_ATTACH data-rwo",
            "ReplicaSet bare READ_WRITE_ONCE data-rwo",
            "StatefulSet db-shared READ_WRITE_ONCE data-rwo"),
        examine(ClusterFixture.NS).stream()
            .map(f -> f.kind() + " " + f.name() + " " + f.reason() + " " + f.claim())
            .toList());
  }

  @Test
  void allNamespacesAddsTheOtherOne() {
    List<Finding> all = examine(null);
    assertEquals(11, all.size());
    assertEquals("other/app", all.get(0).namespace() + "/" + all.get(0).name(), "sorted first");
  }

  @Test
  void eachFindingSaysWhoUsesTheClaimWhatBreaksAndTheFix() {
    Map<String, Finding> byName =
        examine(ClusterFixture.NS).stream()
            .collect(Collectors.toMap(Finding::name, Function.identity()));
    Finding web = byName.get("web");
    assertEquals(
        "claim data-rwo (ReadWriteOnce, ebs.csi.aws.com) is used by 3 replicas, 4 during a"
            + " rolling update",
        web.summary());
    assertEquals(
        "the volume attaches to one node at a time: a pod on another node waits in"
            + " ContainerCreating (Multi-Attach error) while a pod on the first one uses it",
        web.breaks());
    assertEquals(
        "copy the data to a Mooring ReadWriteMany claim (mooring migrate) and use that; or run 1"
            + " replica with strategy Recreate (or RollingUpdate maxSurge 0)",
        web.fix());
    Finding single = byName.get("single");
    assertEquals(
        "claim data-rwo (ReadWriteOnce, ebs.csi.aws.com) is used by 1 replica and, in a rolling"
            + " update, the new pod started beside it (maxSurge 1)",
        single.summary());
    assertEquals(
        web.breaks() + "; the old pod stays until the new one is ready, so the rollout hangs",
        single.breaks());
    assertEquals(
        "only one pod may use the claim: the scheduler leaves the new pod Pending; the old pod"
            + " stays until the new one is ready, so the rollout hangs",
        byName.get("single-rwop").breaks());
    assertEquals(
        "ebs.csi.aws.com gives a filesystem volume to one node at a time: the claim is not"
            + " provisioned, or its volume does not attach to a second node",
        byName.get("ebs-rwx").breaks());
    assertEquals(
        "give each replica a claim of its own (volumeClaimTemplates), or copy the data to a"
            + " Mooring ReadWriteMany claim (mooring migrate) and use that",
        byName.get("db-shared").fix());
    assertEquals(
        "claim data-rwo (ReadWriteOnce, ebs.csi.aws.com) is used by its pods on 3 nodes",
        byName.get("agents").summary());
    assertEquals(
        "copy the data to a Mooring ReadWriteMany claim (mooring migrate) and use that",
        byName.get("agents").fix());
    Finding stuck = byName.get("web-new");
    assertEquals(
        "Multi-Attach error for volume \"pv-rwo\" Volume is already used by pod(s) web-old",
        stuck.summary());
    assertEquals(
        "the pod waits in ContainerCreating: its volume is attached to another node, and attaches"
            + " here only once no pod there uses it",
        stuck.breaks());
  }
}
