package io.mooring.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * A read an admin command needs that the API server did not answer: unreachable, or the credentials
 * may not read it. The message names what was read and why it failed.
 */
public final class ApiReadException extends RuntimeException {

  /** What the HTTP client wraps a failure in, saying nothing of its own. */
  private static final Set<Class<?>> WRAPPERS =
      Set.of(
          KubernetesClientException.class,
          IOException.class,
          ExecutionException.class,
          CompletionException.class);

  ApiReadException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Runs {@code read}, naming {@code what} (e.g. "list deployments in namespace shop") and why if
   * it fails.
   */
  public static <T> T read(KubernetesClient client, String what, Supplier<T> read) {
    try {
      return read.get();
    } catch (KubernetesClientException e) {
      throw new ApiReadException("cannot " + what + ": " + why(client, e), e);
    }
  }

  private static String why(KubernetesClient client, KubernetesClientException e) {
    String status =
        e.getStatus() != null && e.getStatus().getMessage() != null
            ? e.getStatus().getMessage()
            : null;
    return switch (e.getCode()) {
      case -1, 0 ->
          "the API server " + client.getMasterUrl() + " did not answer (" + cause(e) + ")";
      case 401 -> "the API server does not accept the credentials (401 Unauthorized)";
      case 403 -> "forbidden (403): " + (status != null ? status : "the RBAC rules deny it");
      default -> "HTTP " + e.getCode() + (status != null ? ": " + status : "");
    };
  }

  /**
   * The first cause that says more than its wrapper: {@code ConnectException}, {@code
   * UnknownHostException: x}.
   */
  private static String cause(Throwable e) {
    Throwable t = e;
    while (WRAPPERS.contains(t.getClass()) && t.getCause() != null) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + (t.getMessage() != null ? ": " + t.getMessage() : "");
  }
}
