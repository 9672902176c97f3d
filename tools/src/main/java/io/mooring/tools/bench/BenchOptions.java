package io.mooring.tools.bench;

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
 * @param storageHolder a process in the storage host's mount and network namespaces
 *     (STORAGE_HOLDER_PID), for the baselines that run a CLI on the storage host; 0 for none
 * @param n volumes per provisioning level (each level makes max(n, concurrency))
 * @param nodeVolumes volumes staged and published in the node run
 * @param starts node plugin starts per measurement (median reported)
 * @param scale volumes per backend in the scale section ({@link Scale}), which then runs alone; 0
 *     for the other sections
 * @param snapshotMiB data in the snapshot section's volume ({@link SnapshotBench}); 0 leaves the
 *     section out
 * @param snapshotsOnly whether the snapshot section runs alone
 */
record BenchOptions(
    Path root,
    Path work,
    Path out,
    Gluster gluster,
    Ceph ceph,
    long storageHolder,
    int n,
    int nodeVolumes,
    List<Integer> concurrency,
    int starts,
    boolean quick,
    boolean jvm,
    boolean provisioning,
    boolean strict,
    int scale,
    long snapshotMiB,
    boolean snapshotsOnly) {

  /** Data in the snapshot section's volume: without --quick, or {@code --snapshots} alone. */
  static final long SNAPSHOT_MIB = 1024;

  /** Data in the snapshot section's volume with {@code --snapshots --quick}. */
  static final long SNAPSHOT_QUICK_MIB = 256;

  /** Volumes per backend of {@code --scale} without a number. */
  static final int SCALE_DEFAULT = 2000;

  /**
   * A GlusterFS volume and the way to manage it over SSH, as scripts/storage-host-up prints them.
   *
   * @param sshKey the private key; @param knownHosts the storage host's pinned host key
   */
  record Gluster(String server, String volume, String sshUser, Path sshKey, Path knownHosts) {}

  /**
   * A Ceph cluster with CephFS, as scripts/storage-host-up prints it.
   *
   * @param keyFile the admin key alone (the file, never the key, goes on command lines)
   */
  record Ceph(Path conf, String monitors, String fs, String id, Path keyFile) {}

  static final String USAGE =
      """
      usage: Bench --root DIR --work DIR --out DIR
                   [--gluster-server HOST --gluster-volume NAME [--gluster-ssh-user USER]
                    --gluster-ssh-key FILE --gluster-ssh-known-hosts FILE]
                   [--ceph-conf FILE --ceph-monitors HOST:PORT --ceph-fs NAME --ceph-id ID --ceph-key-file FILE]
                   [--storage-holder-pid PID] [--quick] [-n N] [--node-volumes M] [--concurrency 1,10,50,100] [--starts 3]
                   [--jvm-flags] [--no-provisioning] [--strict] [--scale [N]] [--snapshots [MIB]]
        --gluster-*        bench GlusterFS on this volume, managed over SSH (user default root)
        --ceph-*           bench CephFS on this cluster; at least one backend is needed
        --storage-holder-pid  a process in the storage host's namespaces: adds the raw Gluster baseline
                           with the CLI run on the storage host (nsenter), to explain the SSH cost
        --quick            N=20, M=10, concurrency 1,50,100 (unless given), the raw Gluster baseline without
                           retry at concurrency 1 and with retry at the top only, the baselines that only
                           explain at concurrency 1 only: a smoke test of about five minutes for both
        -n N               volumes per provisioning level (default 200); a level makes max(N, concurrency)
        --node-volumes M   volumes staged and published on one node plugin (default 50)
        --jvm-flags        also run the JVM flag experiments on the node plugin (section 4)
        --no-provisioning  skip section 1 (provisioning); sections 2 and 3 still run
        --strict           exit 3 when a target is not met (exit 1 is reserved for a failed section)
        --scale [N]        only the scale section: N volumes per backend (default 2000), then what
                           grows with them (create latency, ListVolumes, GetCapacity, restart,
                           delete; GlusterFS quota commands)
        --snapshots [MIB]  only the snapshot section: a volume with MIB of data (default 1024, 256
                           with --quick), CreateSnapshot/DeleteSnapshot latency, restore and clone
                           time per GiB, CreateVolume of read-only volumes backed by a snapshot; each
                           backend whose controller advertises snapshots. Part of every run without
                           --quick (1024 MiB)
      """;

  static BenchOptions parse(String... args) {
    Path root = null;
    Path work = null;
    Path out = null;
    Map<String, String> gluster = new HashMap<>();
    Map<String, String> ceph = new HashMap<>();
    long holder = 0;
    Integer n = null;
    Integer nodeVolumes = null;
    List<Integer> concurrency = null;
    int starts = 3;
    boolean quick = false;
    boolean jvm = false;
    boolean provisioning = true;
    boolean strict = false;
    int scale = 0;
    Long snapshots = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--root" -> root = Path.of(value(args, ++i, a));
        case "--work" -> work = Path.of(value(args, ++i, a));
        case "--out" -> out = Path.of(value(args, ++i, a));
        case "--gluster-server",
            "--gluster-volume",
            "--gluster-ssh-user",
            "--gluster-ssh-key",
            "--gluster-ssh-known-hosts" ->
            gluster.put(a, value(args, ++i, a));
        case "--storage-holder-pid" -> holder = positive(value(args, ++i, a), a);
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
        case "--snapshots" -> {
          if (i + 1 < args.length && args[i + 1].matches("\\d+")) {
            snapshots = (long) positive(args[++i], a);
          } else {
            snapshots = 0L; // the default for the run
          }
        }
        case "--scale" -> {
          // the number is optional: taken when the next argument is one
          if (i + 1 < args.length && args[i + 1].matches("\\d+")) {
            scale = positive(args[++i], a);
          } else {
            scale = SCALE_DEFAULT;
          }
        }
        default -> throw new IllegalArgumentException("unknown argument " + a + "\n" + USAGE);
      }
    }
    if (root == null || work == null || out == null) {
      throw new IllegalArgumentException("--root, --work and --out are required\n" + USAGE);
    }
    boolean glusterGiven = !gluster.isEmpty();
    gluster.putIfAbsent("--gluster-ssh-user", GLUSTER_SSH_USER);
    if (glusterGiven && gluster.size() != GLUSTER_FLAGS) {
      throw new IllegalArgumentException(
          "GlusterFS needs all of --gluster-server, --gluster-volume, --gluster-ssh-key"
              + " and --gluster-ssh-known-hosts (the controller manages it over SSH)\n"
              + USAGE);
    }
    if (!ceph.isEmpty() && ceph.size() != CEPH_FLAGS) {
      throw new IllegalArgumentException(
          "CephFS needs all of --ceph-conf, --ceph-monitors, --ceph-fs, --ceph-id and"
              + " --ceph-key-file\n"
              + USAGE);
    }
    if (!glusterGiven && ceph.isEmpty()) {
      throw new IllegalArgumentException(
          "no backend to bench: give the GlusterFS or the Ceph flags (or both)\n" + USAGE);
    }
    Gluster glusterFs =
        glusterGiven
            ? new Gluster(
                gluster.get("--gluster-server"),
                gluster.get("--gluster-volume"),
                gluster.get("--gluster-ssh-user"),
                Path.of(gluster.get("--gluster-ssh-key")),
                Path.of(gluster.get("--gluster-ssh-known-hosts")))
            : null;
    Ceph cephFs =
        ceph.isEmpty()
            ? null
            : new Ceph(
                Path.of(ceph.get("--ceph-conf")),
                ceph.get("--ceph-monitors"),
                ceph.get("--ceph-fs"),
                ceph.get("--ceph-id"),
                Path.of(ceph.get("--ceph-key-file")));
    return new BenchOptions(
        root,
        work,
        out,
        glusterFs,
        cephFs,
        holder,
        n != null ? n : quick ? 20 : 200,
        nodeVolumes != null ? nodeVolumes : quick ? 10 : 50,
        concurrency != null ? concurrency : quick ? List.of(1, 50, 100) : List.of(1, 10, 50, 100),
        starts,
        quick,
        jvm,
        provisioning,
        strict,
        scale,
        snapshots == null
            ? quick ? 0 : SNAPSHOT_MIB
            : snapshots > 0 ? snapshots : quick ? SNAPSHOT_QUICK_MIB : SNAPSHOT_MIB,
        snapshots != null);
  }

  private static final int GLUSTER_FLAGS = 5;
  private static final int CEPH_FLAGS = 5;

  /** The backends file's default (GlusterConfig.Ssh.DEFAULT_USER). */
  static final String GLUSTER_SSH_USER = "root";

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
