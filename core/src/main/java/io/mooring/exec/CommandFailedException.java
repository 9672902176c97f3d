package io.mooring.exec;

import io.mooring.errors.StorageException;

/** A command that exited non-zero; stdout and stderr are already redacted. */
public final class CommandFailedException extends StorageException {

  private final CommandResult result;

  public CommandFailedException(String display, CommandResult result) {
    super(Kind.INTERNAL, display + " exited " + result.exitCode() + ": " + summary(result));
    this.result = result;
  }

  public CommandResult result() {
    return result;
  }

  /** Both streams, since some tools report errors on stdout. */
  public String output() {
    return result.stdout() + "\n" + result.stderr();
  }

  private static String summary(CommandResult r) {
    String text = r.stderr().isBlank() ? r.stdout() : r.stderr();
    text = text.strip();
    return text.length() > 500 ? text.substring(0, 500) + "…" : text;
  }
}
