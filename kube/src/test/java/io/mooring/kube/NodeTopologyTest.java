package io.mooring.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class NodeTopologyTest {

  private static final String ZONE = "topology.kubernetes.io/zone";

  KubernetesClient client;

  @BeforeEach
  void node() {
    client
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName("node-a")
                .withLabels(Map.of(ZONE, "eu-1a", "rack", "r7", "kubernetes.io/os", "linux"))
                .endMetadata()
                .build())
        .create();
  }

  @Test
  void theNamedLabelsAreTheSegments() {
    assertEquals(
        Map.of(ZONE, "eu-1a", "rack", "r7"),
        NodeTopology.read(client, "node-a", List.of(ZONE, "rack")));
  }

  @Test
  void aMissingLabelStopsTheStartWithWhatToDo() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                NodeTopology.read(
                    client, "node-a", List.of(ZONE, "topology.kubernetes.io/region")));
    assertEquals(
        "Node node-a has no label topology.kubernetes.io/region of --topology-labels; label it"
            + " (kubectl label node node-a topology.kubernetes.io/region=...) or leave the key out"
            + " of --topology-labels on every node",
        e.getMessage());
  }

  @Test
  void anUnknownNodeIsNamed() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> NodeTopology.read(client, "node-b", List.of(ZONE)));
    assertEquals(
        "Node node-b does not exist; --node-id must be the Kubernetes node's name", e.getMessage());
  }
}
