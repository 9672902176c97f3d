package io.mooring.kube;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A node's topology for NodeGetInfo: the values of some of its labels, read once from its Node
 * object at start.
 */
public final class NodeTopology {

  private NodeTopology() {}

  /**
   * The values of labels {@code keys} of Node {@code node}.
   *
   * @throws IllegalStateException when the Node cannot be read or lacks one of the labels: a node
   *     that reported fewer keys than the others would match no zoned backend, and the claims of
   *     its pods would fail later, with less clear messages
   */
  public static Map<String, String> read(KubernetesClient client, String node, List<String> keys) {
    Node object;
    try {
      object = client.nodes().withName(node).get();
    } catch (KubernetesClientException e) {
      throw new IllegalStateException(
          "cannot read Node "
              + node
              + " for --topology-labels"
              + (e.getCode() == 403
                  ? ": forbidden; the node plugin's ServiceAccount needs get on nodes"
                  : ": " + e.getMessage()),
          e);
    }
    if (object == null) {
      throw new IllegalStateException(
          "Node " + node + " does not exist; --node-id must be the Kubernetes node's name");
    }
    Map<String, String> labels =
        object.getMetadata().getLabels() == null ? Map.of() : object.getMetadata().getLabels();
    Map<String, String> segments = new TreeMap<>();
    List<String> missing = keys.stream().filter(k -> !labels.containsKey(k)).toList();
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          "Node "
              + node
              + " has no label "
              + String.join(", ", missing)
              + " of --topology-labels; label it (kubectl label node "
              + node
              + " "
              + missing.get(0)
              + "=...) or leave the key out of --topology-labels on every node");
    }
    keys.forEach(k -> segments.put(k, labels.get(k)));
    return segments;
  }
}
