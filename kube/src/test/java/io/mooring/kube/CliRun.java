package io.mooring.kube;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** One run of a command line in the test's process: its exit code and what it printed. */
public record CliRun(int exit, String out, String err) {

  /** Runs {@code cli} with {@code args}, capturing standard output and error. */
  public static CliRun of(CommandLine cli, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = cli.setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
    return new CliRun(exit, out.toString(), err.toString());
  }
}
