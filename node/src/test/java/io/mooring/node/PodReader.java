package io.mooring.node;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A pod that reads a file of a published volume ten times a second, in a mount namespace of its own
 * that is a slave copy of this one (a container with mountPropagation HostToContainer), writing
 * "ok" or "fail" per read to a log: what an app sees while the node heals its client.
 */
final class PodReader {

  private PodReader() {}

  static Process start(Path file, Path log) throws IOException {
    return new ProcessBuilder(
            "unshare",
            "-m",
            "--propagation",
            "slave",
            "sh",
            "-c",
            "while true; do cat '"
                + file
                + "' > /dev/null 2>&1 && echo ok || echo fail;"
                + " sleep 0.1; done")
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }
}
