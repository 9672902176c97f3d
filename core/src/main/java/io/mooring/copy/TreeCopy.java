package io.mooring.copy;

import io.mooring.errors.StorageException;
import io.mooring.exec.Command;
import io.mooring.exec.CommandFailedException;
import io.mooring.exec.CommandRunner;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Copies a directory tree with all a file system keeps about it: owners, modes (with POSIX ACLs),
 * timestamps, hard links within the tree, symbolic links as links (never followed, so nothing
 * outside the tree is read) and extended attributes. GNU cp does it, with every attribute required
 * ({@code -a} would skip extended attributes it cannot copy without a word). What survives depends
 * on both file systems: a GlusterFS FUSE mount shows ACLs only when mounted with {@code acl}.
 */
public final class TreeCopy {

  private final CommandRunner runner;

  public TreeCopy(CommandRunner runner) {
    this.runner = runner;
  }

  /**
   * Copies directory {@code from} to {@code to}, which must not exist yet; the new directory gets
   * {@code from}'s own attributes too. A copy cut short (failure, timeout, interrupt) leaves a
   * partial tree at {@code to} for the caller to remove.
   *
   * @throws StorageException EXHAUSTED when the target ran out of space or quota; UNAVAILABLE when
   *     the copy took longer than {@code timeout} or was interrupted (the copy is stopped);
   *     INTERNAL for any other failure, or when {@code from} is not a directory or {@code to}
   *     exists
   */
  public void copy(Path from, Path to, Duration timeout) {
    if (!Files.isDirectory(from, LinkOption.NOFOLLOW_LINKS)) {
      throw StorageException.internal("cannot copy %s: not a directory", from);
    }
    if (Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
      throw StorageException.internal("cannot copy %s to %s: the target exists", from, to);
    }
    try {
      runner.run(command(from, to).withTimeout(timeout));
    } catch (CommandFailedException e) {
      String output = e.output();
      if (output.contains("No space left on device") || output.contains("Disk quota exceeded")) {
        throw new StorageException(
            StorageException.Kind.EXHAUSTED,
            "copying " + from + " to " + to + " ran out of space: " + e.getMessage(),
            e);
      }
      throw e;
    }
  }

  static Command command(Path from, Path to) {
    return Command.of(
        List.of(
            "cp",
            "--recursive",
            "--no-dereference",
            "--preserve=mode,ownership,timestamps,links,xattr",
            "--no-target-directory",
            "--",
            from.toString(),
            to.toString()));
  }
}
