package io.mooring.tools.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code ceph} CLI as the fixture's admin, one process per call (~0.2 s of CPU each: for the
 * ceph-cli baseline and for what the benchmark sets up, never on a path the driver is judged by).
 * The admin key stays in its file.
 */
final class CephCli {

  private static final long TIMEOUT_S = 120;

  private final BenchOptions.Ceph ceph;

  CephCli(BenchOptions.Ceph ceph) {
    this.ceph = ceph;
  }

  /**
   * @return its output (stdout and stderr)
   * @throws IOException with the output when it fails: callers whose successful output holds a key
   *     get an error message here, never the key
   */
  String run(String... args) throws IOException, InterruptedException {
    List<String> argv =
        new ArrayList<>(
            List.of(
                "ceph",
                "--conf",
                ceph.conf().toString(),
                "--id",
                ceph.id(),
                "--keyfile",
                ceph.keyFile().toString()));
    argv.addAll(List.of(args));
    Exec.Outcome out = Exec.run(argv, TIMEOUT_S);
    if (out.exit() != 0) {
      throw new IOException(
          "ceph " + String.join(" ", args) + ": exit " + out.exit() + ": " + out.output().strip());
    }
    return out.output();
  }
}
