package io.mooring.kube;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * kubectl's connection flags, defined once for every admin command ({@code @Mixin KubeOptions
 * kube}): {@code --kubeconfig}, {@code --context}, {@code -n/--namespace}, {@code
 * -A/--all-namespaces}.
 */
public final class KubeOptions {

  /** fabric8 retries a failed request 10 times with doubling waits (~100 s); a command says so. */
  private static final int RETRIES = 1;

  @Option(
      names = "--kubeconfig",
      paramLabel = "FILE",
      description =
          "kubeconfig file (default: $KUBECONFIG, else ~/.kube/config, else the pod's service"
              + " account)")
  Path kubeconfig;

  @Option(
      names = "--context",
      paramLabel = "NAME",
      description = "the kubeconfig context to use (default: its current-context)")
  String context;

  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NAMESPACE",
      description = "the namespace to look at (default: the context's, else default)")
  String namespace;

  @Option(
      names = {"-A", "--all-namespaces"},
      description = "look at every namespace (wins over -n, as in kubectl)")
  boolean allNamespaces;

  /**
   * A client for the API server these flags name; the caller closes it. Throws {@link
   * ApiReadException} for a kubeconfig or context that is not there.
   */
  public KubernetesClient connect() {
    Config config;
    try {
      config = KubeClients.config(kubeconfig, context);
    } catch (UncheckedIOException | IllegalArgumentException e) {
      throw new ApiReadException(e.getMessage(), e);
    }
    config.setRequestRetryBackoffLimit(RETRIES);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** The namespace to look in, or null for all of them. */
  public String namespace(KubernetesClient client) {
    if (allNamespaces) {
      return null;
    }
    if (namespace != null) {
      return namespace;
    }
    return client.getNamespace() != null ? client.getNamespace() : "default";
  }
}
