package io.mooring.app.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark's command line (scripts/bench builds it).
 *
 * @param root the repository (for scripts/mooring and the jar)
 * @param work scratch dir: sockets, logs, plugin state, the baseline's FUSE mount
 * @param out where the CSV and JSON files go
 * @param n volumes per provisioning level (each level makes max(n, concurrency))
 * @param nodeVolumes volumes staged and published in the node run
 * @param starts node plugin starts per measurement (median reported)
 */
record BenchOptions(Path root, Path work, Path out, String glusterServer, String glusterVolume, int n,
    int nodeVolumes, List<Integer> concurrency, int starts, boolean quick, boolean jvm, boolean provisioning,
    boolean strict) {

  static final String USAGE = """
      usage: Bench --root DIR --work DIR --out DIR --gluster-server HOST --gluster-volume NAME
                   [--quick] [-n N] [--node-volumes M] [--concurrency 1,10,100] [--starts 3]
                   [--jvm-flags] [--no-provisioning] [--strict]
        --quick            N=20, M=10 (unless given), no raw baseline without retry at the top
                           concurrency: a smoke test of under two minutes
        -n N               volumes per provisioning level (default 200); a level makes max(N, concurrency)
        --node-volumes M   volumes staged and published on one node plugin (default 50)
        --jvm-flags        also run the JVM flag experiments on the node plugin (section 4)
        --no-provisioning  skip section 1 (provisioning); sections 2 and 3 still run
        --strict           exit 3 when a target is not met (exit 1 is reserved for a failed section)
      """;

  static BenchOptions parse(String... args) {
    Path root = null;
    Path work = null;
    Path out = null;
    String server = null;
    String volume = null;
    Integer n = null;
    Integer nodeVolumes = null;
    List<Integer> concurrency = List.of(1, 10, 100);
    int starts = 3;
    boolean quick = false;
    boolean jvm = false;
    boolean provisioning = true;
    boolean strict = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--root" -> root = Path.of(value(args, ++i, a));
        case "--work" -> work = Path.of(value(args, ++i, a));
        case "--out" -> out = Path.of(value(args, ++i, a));
        case "--gluster-server" -> server = value(args, ++i, a);
        case "--gluster-volume" -> volume = value(args, ++i, a);
        case "-n", "--volumes" -> n = positive(value(args, ++i, a), a);
        case "--node-volumes" -> nodeVolumes = positive(value(args, ++i, a), a);
        case "--starts" -> starts = positive(value(args, ++i, a), a);
        case "--concurrency" -> {
          List<Integer> c = new ArrayList<>();
          for (String part : value(args, ++i, a).split(",")) {
            c.add(positive(part.strip(), a));
          }
          concurrency = List.copyOf(c);
        }
        case "--quick" -> quick = true;
        case "--jvm-flags" -> jvm = true;
        case "--no-provisioning" -> provisioning = false;
        case "--strict" -> strict = true;
        default -> throw new IllegalArgumentException("unknown argument " + a + "\n" + USAGE);
      }
    }
    if (root == null || work == null || out == null || server == null || volume == null) {
      throw new IllegalArgumentException("--root, --work, --out, --gluster-server and --gluster-volume are required\n"
          + USAGE);
    }
    return new BenchOptions(root, work, out, server, volume, n != null ? n : quick ? 20 : 200,
        nodeVolumes != null ? nodeVolumes : quick ? 10 : 50, concurrency, starts, quick, jvm, provisioning,
        strict);
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new IllegalArgumentException(flag + " needs a value\n" + USAGE);
    }
    return args[i];
  }

  private static int positive(String text, String flag) {
    try {
      int v = Integer.parseInt(text);
      if (v > 0) {
        return v;
      }
    } catch (NumberFormatException ignored) {
      // below
    }
    throw new IllegalArgumentException(flag + " wants a positive integer, not '" + text + "'");
  }
}
