package io.mooring.exec;

import io.mooring.errors.StorageException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Runs commands with {@link ProcessBuilder}. Output goes to temporary files rather than pipes: a
 * command that leaves a daemon behind (mount.glusterfs, ceph-fuse) would otherwise keep the pipe
 * open and block the reader long after the command itself has exited.
 */
public final class ProcessCommandRunner implements CommandRunner {

  private final BiConsumer<Command, CommandResult> observer;

  /**
   * @param observer sees every finished command (metrics, debug logs); never null
   */
  public ProcessCommandRunner(BiConsumer<Command, CommandResult> observer) {
    this.observer = observer;
  }

  public ProcessCommandRunner() {
    this((c, r) -> {});
  }

  @Override
  public CommandResult run(Command command) {
    long start = System.nanoTime();
    Path out = null;
    Path err = null;
    Process process = null;
    try {
      out = Files.createTempFile("mooring-cmd", ".out");
      err = Files.createTempFile("mooring-cmd", ".err");
      ProcessBuilder builder =
          new ProcessBuilder(command.processArgv())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      builder.environment().putAll(command.env());
      process = builder.start();
      if (!process.waitFor(command.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
        kill(process);
        CommandResult timedOut = new CommandResult(-1, "", "timed out", elapsed(start));
        observer.accept(command, timedOut);
        throw new StorageException(
            StorageException.Kind.UNAVAILABLE,
            command.display() + " timed out after " + command.timeout().toMillis() + " ms");
      }
      CommandResult result =
          new CommandResult(
              process.exitValue(),
              Redaction.mask(read(out), command.secrets()),
              Redaction.mask(read(err), command.secrets()),
              elapsed(start));
      observer.accept(command, result);
      if (result.exitCode() != 0) {
        throw new CommandFailedException(command.display(), result);
      }
      return result;
    } catch (IOException e) {
      throw new StorageException(
          StorageException.Kind.UNAVAILABLE,
          "cannot run " + command.program() + ": " + e.getMessage(),
          e);
    } catch (InterruptedException e) {
      // A mount that finishes after its caller gave up would be one nobody knows about.
      kill(process);
      Thread.currentThread().interrupt();
      throw new StorageException(
          StorageException.Kind.UNAVAILABLE, command.display() + " interrupted");
    } finally {
      delete(out);
      delete(err);
    }
  }

  private static void kill(Process process) {
    if (process != null) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }

  private static long elapsed(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.UTF_8);
  }

  private static void delete(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // a leftover temp file is harmless
      }
    }
  }
}
