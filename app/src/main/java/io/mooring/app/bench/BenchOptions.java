package io.mooring.app.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's command line (scripts/bench builds it).
 *
 * @param root the repository (for scripts/mooring and the jar)
 * @param work scratch dir: sockets, logs, plugin state, the baseline's FUSE mount
 * @param out where the CSV and JSON files go
 * @param gluster the GlusterFS volume to bench on; null to leave GlusterFS out
 * @param ceph the Ceph cluster to bench on; null to leave CephFS out
 * @param n volumes per provisioning level (each level makes max(n, concurrency))
 * @param nodeVolumes volumes staged and published in the node run
 * @param starts node plugin starts per measurement (median reported)
 */
record BenchOptions(Path root, Path work, Path out, Gluster gluster, Ceph ceph, int n,
    int nodeVolumes, List<Integer> concurrency, int starts, boolean quick, boolean jvm, boolean provisioning,
    boolean strict) {

  /** A GlusterFS volume, as scripts/gluster-up prints it. */
  record Gluster(String server, String volume) {}

  /**
   * A Ceph cluster with CephFS, as scripts/ceph-up prints it.
   *
   * @param keyFile the admin key alone (the file, never the key, goes on command lines)
   */
  record Ceph(Path conf, String monitors, String fs, String id, Path keyFile) {}

  static final String USAGE = """
      usage: Bench --root DIR --work DIR --out DIR
                   [--gluster-server HOST --gluster-volume NAME]
                   [--ceph-conf FILE --ceph-monitors HOST:PORT --ceph-fs NAME --ceph-id ID --ceph-key-file FILE]
                   [--quick] [-n N] [--node-volumes M] [--concurrency 1,10,100] [--starts 3]
                   [--jvm-flags] [--no-provisioning] [--strict]
        --gluster-*        bench GlusterFS on this volume
        --ceph-*           bench CephFS on this cluster; at least one backend is needed
        --quick            N=20, M=10 (unless given), no raw Gluster baseline without retry at the top
                           concurrency, the CephFS baselines that only explain at concurrency 1 only:
                           a smoke test of under three minutes for both backends
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
    Map<String, String> ceph = new HashMap<>();
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
        case "--ceph-conf", "--ceph-monitors", "--ceph-fs", "--ceph-id", "--ceph-key-file" ->
            ceph.put(a, value(args, ++i, a));
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
    if (root == null || work == null || out == null) {
      throw new IllegalArgumentException("--root, --work and --out are required\n" + USAGE);
    }
    if ((server == null) != (volume == null)) {
      throw new IllegalArgumentException("--gluster-server and --gluster-volume go together\n" + USAGE);
    }
    if (!ceph.isEmpty() && ceph.size() != CEPH_FLAGS) {
      throw new IllegalArgumentException("CephFS needs all of --ceph-conf, --ceph-monitors, --ceph-fs, --ceph-id and"
          + " --ceph-key-file\n" + USAGE);
    }
    if (server == null && ceph.isEmpty()) {
      throw new IllegalArgumentException("no backend to bench: give the GlusterFS or the Ceph flags (or both)\n"
          + USAGE);
    }
    Gluster gluster = server == null ? null : new Gluster(server, volume);
    Ceph cephFs = ceph.isEmpty() ? null : new Ceph(Path.of(ceph.get("--ceph-conf")), ceph.get("--ceph-monitors"),
        ceph.get("--ceph-fs"), ceph.get("--ceph-id"), Path.of(ceph.get("--ceph-key-file")));
    return new BenchOptions(root, work, out, gluster, cephFs, n != null ? n : quick ? 20 : 200,
        nodeVolumes != null ? nodeVolumes : quick ? 10 : 50, concurrency, starts, quick, jvm, provisioning,
        strict);
  }

  private static final int CEPH_FLAGS = 5;

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
