package io.mooring.kube;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens the API server connection the way kubectl finds it: {@code --kubeconfig}, else {@code
 * KUBECONFIG}, else {@code ~/.kube/config}, else the pod's service account; {@code --context} picks
 * a context of the kubeconfig.
 */
public final class KubeClients {

  private KubeClients() {}

  /**
   * A client for the given kubeconfig file and context; either may be null for kubectl's defaults.
   */
  public static KubernetesClient connect(Path kubeconfig, String context) {
    return new KubernetesClientBuilder().withConfig(config(kubeconfig, context)).build();
  }

  static Config config(Path kubeconfig, String context) {
    if (kubeconfig == null) {
      return Config.autoConfigure(context);
    }
    try {
      return Config.fromKubeconfig(
          context, Files.readString(kubeconfig), kubeconfig.toAbsolutePath().toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read kubeconfig " + kubeconfig, e);
    }
  }
}
