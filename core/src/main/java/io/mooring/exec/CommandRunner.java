package io.mooring.exec;

/** Runs external programs. Everything Mooring shells out to goes through one of these. */
public interface CommandRunner {

  /**
   * Runs the command to completion or its timeout.
   *
   * @throws CommandFailedException if it exits non-zero
   * @throws io.mooring.errors.StorageException of kind UNAVAILABLE if it times out or cannot start
   */
  CommandResult run(Command command);
}
