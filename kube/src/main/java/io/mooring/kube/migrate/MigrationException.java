package io.mooring.kube.migrate;

/** Why a migration cannot go on, said so that the user knows what to do. */
public final class MigrationException extends RuntimeException {

  MigrationException(String message) {
    super(message);
  }
}
