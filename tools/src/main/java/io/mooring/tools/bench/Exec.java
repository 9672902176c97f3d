package io.mooring.tools.bench;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs one program to its end: no stdin, stdout and stderr together, a timeout. */
final class Exec {

  private Exec() {}

  record Outcome(int exit, String output) {}

  /**
   * The output goes to a file, not a pipe: a program that writes and never exits (or leaves a child
   * holding the pipe) must not keep this from reaching its timeout. On the timeout the program and
   * whatever it started are killed.
   */
  static Outcome run(List<String> argv, long timeoutSeconds)
      throws IOException, InterruptedException {
    Path output = Files.createTempFile("mooring-bench-exec", ".out");
    try {
      Process p =
          new ProcessBuilder(argv)
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(output.toFile())
              .start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new IOException(String.join(" ", argv) + " timed out after " + timeoutSeconds + " s");
      }
      return new Outcome(p.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(output);
    }
  }
}
