package io.mooring.tools.bench;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs one program to its end: no stdin, stdout and stderr together, a timeout. */
final class Exec {

  private Exec() {}

  record Outcome(int exit, String output) {}

  static Outcome run(List<String> argv, long timeoutSeconds)
      throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(argv)
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    String output;
    try (InputStream in = p.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", argv) + " timed out after " + timeoutSeconds + " s");
    }
    return new Outcome(p.exitValue(), output);
  }
}
