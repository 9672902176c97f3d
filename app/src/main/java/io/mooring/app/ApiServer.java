package io.mooring.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Whether this plugin can reach the Kubernetes API server, decided without loading an API client:
 * with {@code --kubeconfig}, or in a pod that has a service account token. Outside a cluster the
 * plugins load nothing of the client (fabric8) at all.
 */
final class ApiServer {

  static final Path TOKEN = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

  private ApiServer() {}

  /** Whether a client built as kubectl would in a pod, or from {@code kubeconfig}, can connect. */
  static boolean reachable(Path kubeconfig, Map<String, String> env, Path token) {
    return kubeconfig != null
        || env.containsKey("KUBERNETES_SERVICE_HOST") && Files.isReadable(token);
  }
}
