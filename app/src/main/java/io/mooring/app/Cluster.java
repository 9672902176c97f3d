package io.mooring.app;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.mooring.events.ClusterEvents;
import io.mooring.kube.KubeClients;
import io.mooring.kube.KubeEvents;
import io.mooring.kube.NodeTopology;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The plugin's connection to the API server, used only when {@link ApiServer} says there is one:
 * the only class of the program that uses the API client. The client is built when first needed: at
 * start for {@code --topology-labels}, else at the first Event.
 */
final class Cluster implements AutoCloseable {

  private final Path kubeconfig;
  private KubernetesClient client;
  private KubeEvents events;

  /**
   * @param kubeconfig null in a pod (the service account)
   */
  Cluster(Path kubeconfig) {
    this.kubeconfig = kubeconfig;
  }

  private synchronized KubernetesClient client() {
    if (client == null) {
      client = KubeClients.connect(kubeconfig, null);
    }
    return client;
  }

  /** Events recorded as {@code component} on {@code host}, written in the background. */
  ClusterEvents events(String component, String host) {
    events = new KubeEvents(this::client, component, host).start();
    return events;
  }

  Map<String, String> topology(String node, List<String> labels) {
    return NodeTopology.read(client(), node, labels);
  }

  @Override
  public synchronized void close() {
    if (events != null) {
      events.close();
    }
    if (client != null) {
      client.close();
    }
  }
}
