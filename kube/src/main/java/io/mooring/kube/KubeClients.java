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

  /**
   * The configuration for these flags. A context the kubeconfig does not have is an error, as in
   * kubectl (fabric8 would fall back to the current one: another cluster, perhaps).
   */
  static Config config(Path kubeconfig, String context) {
    Config config =
        kubeconfig == null ? Config.autoConfigure(context) : fromFile(kubeconfig, context);
    if (context != null
        && (config.getCurrentContext() == null
            || !context.equals(config.getCurrentContext().getName()))) {
      throw new IllegalArgumentException(
          "context "
              + context
              + " does not exist in "
              + (kubeconfig != null ? kubeconfig : "the kubeconfig"));
    }
    return config;
  }

  private static Config fromFile(Path kubeconfig, String context) {
    try {
      return Config.fromKubeconfig(
          context, Files.readString(kubeconfig), kubeconfig.toAbsolutePath().toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read kubeconfig " + kubeconfig, e);
    }
  }
}
