package io.mooring.errors;

/**
 * The one exception type backends, mounters and the command runner throw. The service layer maps
 * {@link Kind} to a gRPC status code in one place ({@code io.mooring.rpc.ErrorMapper}). Messages
 * must say what went wrong and never contain a secret.
 */
public class StorageException extends RuntimeException {

  /** What kind of failure this is, independent of the transport. */
  public enum Kind {
    INVALID_ARGUMENT,
    NOT_FOUND,
    ALREADY_EXISTS,
    /** Another operation holds the resource; the caller should retry later. */
    BUSY,
    OUT_OF_RANGE,
    EXHAUSTED,
    /** The backend cannot be reached or did not answer in time. */
    UNAVAILABLE,
    FAILED_PRECONDITION,
    /** The backend refused the credentials given. */
    PERMISSION_DENIED,
    /**
     * The caller gave up: it cancelled the call (what was sent may still happen), or its deadline
     * passed before anything was done.
     */
    CANCELLED,
    /** The plugin cannot do this (here): the feature is missing, not the request wrong. */
    UNIMPLEMENTED,
    /**
     * The caller's deadline passed while the backend worked on the call: what it asked for may
     * still happen, and a retry must converge with it.
     */
    DEADLINE_EXCEEDED,
    INTERNAL
  }

  private final Kind kind;

  public StorageException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public StorageException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  public static StorageException invalid(String format, Object... args) {
    return new StorageException(Kind.INVALID_ARGUMENT, String.format(format, args));
  }

  public static StorageException notFound(String format, Object... args) {
    return new StorageException(Kind.NOT_FOUND, String.format(format, args));
  }

  public static StorageException internal(String format, Object... args) {
    return new StorageException(Kind.INTERNAL, String.format(format, args));
  }
}
