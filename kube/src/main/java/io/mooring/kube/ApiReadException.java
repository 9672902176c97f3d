package io.mooring.kube;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.function.Supplier;

/**
 * A read an admin command needs that the API server did not answer: unreachable, or the credentials
 * may not read it. The message names what was read and why it failed.
 */
public final class ApiReadException extends RuntimeException {

  private ApiReadException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Runs {@code read}, naming {@code what} (e.g. "list deployments in namespace shop") if it fails.
   */
  public static <T> T read(String what, Supplier<T> read) {
    try {
      return read.get();
    } catch (KubernetesClientException e) {
      throw new ApiReadException("cannot " + what + ": " + why(e), e);
    }
  }

  private static String why(KubernetesClientException e) {
    String status =
        e.getStatus() != null && e.getStatus().getMessage() != null
            ? e.getStatus().getMessage()
            : null;
    return switch (e.getCode()) {
      case 0 -> "the API server did not answer: " + rootCause(e);
      case 401 -> "the API server does not accept the credentials (401 Unauthorized)";
      case 403 -> "forbidden (403): " + (status != null ? status : "the RBAC rules deny it");
      default -> "HTTP " + e.getCode() + (status != null ? ": " + status : "");
    };
  }

  private static String rootCause(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause.getMessage() != null ? cause.toString() : cause.getClass().getSimpleName();
  }
}
