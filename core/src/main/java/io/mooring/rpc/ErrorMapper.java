package io.mooring.rpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mooring.errors.StorageException;

/** The one place where failures become gRPC status codes. */
public final class ErrorMapper {

  private ErrorMapper() {}

  public static Status toStatus(Throwable failure) {
    if (failure instanceof StatusRuntimeException sre) {
      return sre.getStatus();
    }
    if (failure instanceof StorageException se) {
      return code(se.kind()).withDescription(se.getMessage());
    }
    // A bug, not a backend failure: say so rather than letting grpc answer UNKNOWN.
    return Status.INTERNAL.withDescription(
        "internal error: "
            + failure.getClass().getSimpleName()
            + (failure.getMessage() == null ? "" : ": " + failure.getMessage()));
  }

  static Status code(StorageException.Kind kind) {
    return switch (kind) {
      case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
      case NOT_FOUND -> Status.NOT_FOUND;
      case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
      case BUSY -> Status.ABORTED;
      case OUT_OF_RANGE -> Status.OUT_OF_RANGE;
      case EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
      case UNAVAILABLE -> Status.UNAVAILABLE;
      case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
      case PERMISSION_DENIED -> Status.PERMISSION_DENIED;
      case CANCELLED -> Status.CANCELLED;
      case UNIMPLEMENTED -> Status.UNIMPLEMENTED;
      case DEADLINE_EXCEEDED -> Status.DEADLINE_EXCEEDED;
      case INTERNAL -> Status.INTERNAL;
    };
  }
}
