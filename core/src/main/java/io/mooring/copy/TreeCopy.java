package io.mooring.copy;

import io.mooring.errors.StorageException;
import io.mooring.exec.Command;
import io.mooring.exec.CommandFailedException;
import io.mooring.exec.CommandRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

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
    run(command(from, to).withTimeout(timeout), from, to);
  }

  /**
   * Copies what directory {@code from} holds into the existing directory {@code into} (the root of
   * a mounted volume), overwriting entries of the same names, so that a copy cut short and run
   * again converges; hard links between entries are kept. {@code into} takes {@code from}'s owner
   * and mode but keeps its own extended attributes: a volume's root carries its backend's record
   * (GlusterFS: {@code user.mooring}), which must not travel.
   *
   * @throws StorageException as {@link #copy}; INTERNAL also when either is not a directory
   */
  public void copyContents(Path from, Path into, Duration timeout) {
    for (Path dir : List.of(from, into)) {
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        throw StorageException.internal(
            "cannot copy %s into %s: %s is not a directory", from, into, dir);
      }
    }
    List<String> entries;
    try (Stream<Path> list = Files.list(from)) {
      entries = list.map(Path::toString).sorted().toList();
    } catch (IOException e) {
      throw StorageException.internal("cannot list %s: %s", from, e.getMessage());
    }
    if (!entries.isEmpty()) {
      List<String> argv = new ArrayList<>(CP);
      argv.addAll(List.of("--target-directory=" + into, "--"));
      argv.addAll(entries);
      run(Command.of(argv).withTimeout(timeout), from, into);
    }
    String reference = "--reference=" + from;
    run(Command.of("chown", "--no-dereference", reference, "--", into.toString()), from, into);
    run(Command.of("chmod", reference, "--", into.toString()), from, into);
  }

  private void run(Command command, Path from, Path to) {
    try {
      runner.run(command);
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

  /** GNU cp, every attribute required; sources and target follow. */
  private static final List<String> CP =
      List.of(
          "cp",
          "--recursive",
          "--no-dereference",
          "--preserve=mode,ownership,timestamps,links,xattr");

  static Command command(Path from, Path to) {
    List<String> argv = new ArrayList<>(CP);
    argv.addAll(List.of("--no-target-directory", "--", from.toString(), to.toString()));
    return Command.of(argv);
  }
}
