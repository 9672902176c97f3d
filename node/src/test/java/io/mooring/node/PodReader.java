package io.mooring.node;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A pod with mountPropagation HostToContainer reading a file of its volume: a shell in a slave copy
 * of the kubelet dir's mounts, logging "ok" or "fail" for each read, ten times a second.
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
                + "' > /dev/null 2>&1 && echo ok || echo fail; sleep 0.1; done")
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }
}
