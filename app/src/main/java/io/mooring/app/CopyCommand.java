package io.mooring.app;

import io.mooring.copy.TreeCompare;
import io.mooring.copy.TreeCopy;
import io.mooring.errors.StorageException;
import io.mooring.exec.ProcessCommandRunner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mooring copy SOURCE TARGET}: what the copy Job of {@code mooring migrate} runs. Copies
 * what SOURCE holds into the directory TARGET (owners, modes, times, xattrs, ACLs, hard links,
 * symlinks as links), then reads both trees again and compares them; exits 0 only when the copy
 * equals the source.
 */
@Command(
    name = "copy",
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Copy what SOURCE holds into the directory TARGET, preserving owners, modes, times, extended"
          + " attributes, ACLs and hard links, then verify: every entry's type, owner, mode,"
          + " size, time, link and extended attributes, and each file's SHA-256. Entries already in"
          + " TARGET are overwritten (a rerun converges). Exit 0: the copy equals the source."
    })
final class CopyCommand implements Callable<Integer> {

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SOURCE", description = "the directory to copy from")
  Path source;

  @Parameters(index = "1", paramLabel = "TARGET", description = "the directory to copy into")
  Path target;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "24h",
      converter = DurationConverter.class,
      description =
          "how long the copy, and then the verification, may take (default: ${DEFAULT-VALUE})")
  Duration timeout;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ProcessCommandRunner runner = new ProcessCommandRunner();
    try {
      long start = System.nanoTime();
      new TreeCopy(runner).copyContents(source, target, timeout);
      out.printf(
          "copied %s into %s in %d ms%n", source, target, (System.nanoTime() - start) / 1_000_000);
      start = System.nanoTime();
      TreeCompare.Report report = new TreeCompare(runner).compare(source, target, timeout);
      out.printf(
          "verified in %d ms: %s%n", (System.nanoTime() - start) / 1_000_000, report.summary());
      report.shown().forEach(d -> out.println("  " + d));
      if (report.differences() > report.shown().size()) {
        out.printf("  … and %d more%n", report.differences() - report.shown().size());
      }
      out.flush();
      return report.equal() ? 0 : 1;
    } catch (StorageException e) {
      err.println("mooring copy: " + e.getMessage());
      err.flush();
      return 1;
    }
  }
}
