package io.mooring.app.bench;

import csi.v1.ControllerGrpc;
import csi.v1.Csi.DeleteVolumeRequest;
import io.mooring.ids.VolumeId;
import io.mooring.ids.VolumeNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Section 1: CreateVolume then DeleteVolume of N volumes at each concurrency, through the
 * controller's socket ("driver"), and the same work done with the plain tools ("raw", and "raw
 * with retry" which retries glusterd's lock errors with the driver's backoff).
 *
 * <p>The modes take turns: each level is split into rounds (up to {@value #ROUNDS}, each with at
 * least as many volumes as calls in flight), and every round runs each mode's creates and deletes
 * in a rotating order. A build or test suite that loads the machine for a minute then slows all
 * modes alike instead of the one that happened to run then.
 */
final class Provisioning {

  static final String DRIVER = "driver";
  static final String RAW = "raw";
  static final String RAW_RETRY = "raw+retry";
  static final int ROUNDS = 4;
  private static final long DEADLINE_S = 600;
  private static final int WARM_UP = 3;

  /**
   * One mode at one concurrency.
   *
   * @param rpcMs server-side mean RPC time (create, delete) from the plugin's metrics; NaN for raw
   * @param glusterMs mean time of one gluster CLI call (create, delete)
   * @param glusterCalls gluster CLI calls per operation (create, delete), retries included
   * @param otherSteps raw only: mean ms of the other steps (mkdir, setfattr, rmdir, backoff)
   */
  record Level(String mode, int concurrency, int n, Load.Result create, Load.Result delete, double[] rpcMs,
      double[] glusterMs, double[] glusterCalls, Map<String, Double> otherSteps) {}

  /** Calls that skip the gluster CLI, to see the driver's own cost: name -> summary. */
  private final Map<String, Stats.Summary> overheads = new LinkedHashMap<>();
  private final io.grpc.Channel channel;
  private final ControllerGrpc.ControllerBlockingStub controller;
  private final String backend;
  private final String metricsAddress;
  private final Path mount;
  private final String volume;
  private final Path rawRoot;
  private final long bytes;
  private final String runId;

  /**
   * @param mount the benchmark's own FUSE mount of {@code volume}, for the raw baseline
   * @param runId makes volume names unique per run
   */
  Provisioning(io.grpc.Channel channel, String backend, String metricsAddress, Path mount, String volume,
      long bytes, String runId) {
    this.channel = channel;
    this.controller = ControllerGrpc.newBlockingStub(channel);
    this.backend = backend;
    this.metricsAddress = metricsAddress;
    this.mount = mount;
    this.volume = volume;
    this.rawRoot = mount.resolve(RAW_BASE.substring(1));
    this.bytes = bytes;
    this.runId = runId;
  }

  private static final String RAW_BASE = "/bench-raw";

  /** Each level makes max(n, concurrency) volumes, so that {@code concurrency} calls really are in flight. */
  static int size(int n, int concurrency) {
    return Math.max(n, concurrency);
  }

  /** Rounds a level is split into: up to ROUNDS, none with fewer volumes than calls in flight. */
  static int rounds(int size, int concurrency) {
    return Math.max(1, Math.min(ROUNDS, size / concurrency));
  }

  /** Items [from, to) of round r of a level of {@code size}. */
  static int[] round(int size, int rounds, int r) {
    return new int[] {size * r / rounds, size * (r + 1) / rounds};
  }

  /**
   * @param skipRawAtTop leave out the raw baseline without retry at the highest concurrency (its
   *     error rate shows at the lower ones already; saves --quick a quarter minute)
   */
  List<Level> run(List<Integer> concurrencies, int n, boolean skipRawAtTop) throws Exception {
    Files.createDirectories(rawRoot);
    warmUp();
    int top = Collections.max(concurrencies);
    List<Level> levels = new ArrayList<>();
    for (int c : concurrencies) {
      int size = size(n, c);
      int rounds = rounds(size, c);
      List<Mode> modes = new ArrayList<>();
      modes.add(new Driver(c));
      if (!(skipRawAtTop && c == top)) {
        modes.add(new Raw(c, false));
      }
      modes.add(new Raw(c, true));
      Progress.say("concurrency %d: %d creates+deletes per mode (%s) in %d round(s)", c, size,
          String.join(", ", modes.stream().map(Mode::name).toList()), rounds);
      for (int r = 0; r < rounds; r++) {
        int[] range = round(size, rounds, r);
        for (int k = 0; k < modes.size(); k++) {
          modes.get((r + k) % modes.size()).batch(range[0], range[1]);
        }
      }
      for (Mode m : modes) {
        levels.add(m.level(size));
      }
      if (c == Collections.min(concurrencies)) {
        measureOverheads();
      }
    }
    return levels;
  }

  /** The first create mounts the controller's FUSE client and checks quota is on; not measured. */
  private void warmUp() throws Exception {
    Progress.say("warm-up: %d driver and %d raw create+delete (not measured)", WARM_UP, WARM_UP);
    RawClient raw = new RawClient(mount, volume, RAW_BASE);
    for (int i = 0; i < WARM_UP; i++) {
      String name = volumeName("warm", 0, i);
      stub().createVolume(Csi.create(name, bytes));
      stub().deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(id(name)).build());
      raw.create(rawDir("warm", 0, i), bytes, true);
      raw.delete(rawDir("warm", 0, i), true);
    }
  }

  /** One way of provisioning at one concurrency, accumulating its rounds. */
  private abstract static class Mode {
    final int c;
    final List<Load.Result> creates = new ArrayList<>();
    final List<Load.Result> deletes = new ArrayList<>();

    Mode(int c) {
      this.c = c;
    }

    abstract String name();

    /** Creates then deletes volumes [from, to). */
    abstract void batch(int from, int to) throws Exception;

    abstract Level level(int size);
  }

  private final class Driver extends Mode {
    /** sums and counts from the plugin's metrics: {rpc sum, rpc count, gluster sum, gluster count} x {create, delete} */
    final double[][] metrics = new double[2][4];

    Driver(int c) {
      super(c);
    }

    @Override
    String name() {
      return DRIVER;
    }

    @Override
    void batch(int from, int to) throws Exception {
      MetricsScrape m0 = MetricsScrape.fetch(metricsAddress);
      creates.add(Load.run(c, to - from, i -> stub().createVolume(Csi.create(volumeName("d", c, from + i), bytes))));
      MetricsScrape m1 = MetricsScrape.fetch(metricsAddress);
      Load.Result delete = Load.run(c, to - from, i -> stub().deleteVolume(
          DeleteVolumeRequest.newBuilder().setVolumeId(id(volumeName("d", c, from + i))).build()));
      deletes.add(delete);
      MetricsScrape m2 = MetricsScrape.fetch(metricsAddress);
      add(metrics[0], m0, m1, "CreateVolume");
      add(metrics[1], m1, m2, "DeleteVolume");
      if (delete.summary().errors() > 0) {
        for (int i = from; i < to; i++) { // tidy up for the next round; not measured
          try {
            stub().deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(id(volumeName("d", c, i))).build());
          } catch (RuntimeException ignored) {
            // reported already
          }
        }
      }
    }

    private void add(double[] acc, MetricsScrape a, MetricsScrape b, String method) {
      Map<String, String> rpc = Map.of("method", method);
      Map<String, String> gluster = Map.of("program", "gluster");
      acc[0] += MetricsScrape.delta(a, b, "mooring_rpc_duration_seconds_sum", rpc) * 1000;
      acc[1] += MetricsScrape.delta(a, b, "mooring_rpc_duration_seconds_count", rpc);
      acc[2] += MetricsScrape.delta(a, b, "mooring_backend_command_duration_seconds_sum", gluster) * 1000;
      acc[3] += MetricsScrape.delta(a, b, "mooring_backend_command_duration_seconds_count", gluster);
    }

    @Override
    Level level(int size) {
      double[] rpc = {Stats.ratio(metrics[0][0], metrics[0][1]), Stats.ratio(metrics[1][0], metrics[1][1])};
      double[] gluster = {Stats.ratio(metrics[0][2], metrics[0][3]), Stats.ratio(metrics[1][2], metrics[1][3])};
      double[] calls = {metrics[0][3] / size, metrics[1][3] / size};
      return new Level(DRIVER, c, size, Load.Result.merge(creates), Load.Result.merge(deletes), rpc, gluster, calls,
          Map.of());
    }
  }

  private final class Raw extends Mode {
    final boolean retry;
    final RawClient raw = new RawClient(mount, volume, RAW_BASE);

    Raw(int c, boolean retry) {
      super(c);
      this.retry = retry;
    }

    @Override
    String name() {
      return retry ? RAW_RETRY : RAW;
    }

    private String dir(int i) {
      return rawDir(retry ? "r" : "n", c, i);
    }

    @Override
    void batch(int from, int to) throws Exception {
      creates.add(Load.run(c, to - from, i -> raw.create(dir(from + i), bytes, retry)));
      deletes.add(Load.run(c, to - from, i -> raw.delete(dir(from + i), retry)));
      RawClient tidy = new RawClient(mount, volume, RAW_BASE); // not timed with the others
      for (int i = from; i < to; i++) { // whatever failed: tidy up for the next round; not measured
        if (Files.exists(rawRoot.resolve(dir(i)))) {
          try {
            tidy.delete(dir(i), true);
          } catch (Exception ignored) {
            // left for gluster-down
          }
        }
      }
    }

    @Override
    Level level(int size) {
      Map<String, RawClient.Step> steps = raw.steps();
      double[] gluster = {stepMs(steps, "gluster limit-usage"), stepMs(steps, "gluster remove")};
      double[] calls = {stepCount(steps, "gluster limit-usage") / size, stepCount(steps, "gluster remove") / size};
      Map<String, Double> other = new TreeMap<>();
      other.put("mkdir", stepMs(steps, "mkdir"));
      other.put("setfattr", stepMs(steps, "setfattr"));
      other.put("rmdir", stepMs(steps, "rmdir"));
      other.put("backoff per create", stepTotalMs(steps, "backoff gluster limit-usage") / size);
      other.put("backoff per delete", stepTotalMs(steps, "backoff gluster remove") / size);
      return new Level(name(), c, size, Load.Result.merge(creates), Load.Result.merge(deletes),
          new double[] {Double.NaN, Double.NaN}, gluster, calls, other);
    }
  }

  private static final int OVERHEAD_CALLS = 20;
  private static final int PROBES = 200;

  /**
   * The driver's cost without the gluster CLI: a bare round trip, and calls that only look (on
   * volumes made for it), and the start-up cost every gluster CLI call pays.
   */
  private void measureOverheads() throws Exception {
    Progress.say("driver calls without the CLI, and gsyncd --version");
    csi.v1.IdentityGrpc.IdentityBlockingStub identity = csi.v1.IdentityGrpc.newBlockingStub(channel);
    overheads.put("Probe (gRPC round trip)", Load.run(1, PROBES, i -> identity
        .withDeadlineAfter(DEADLINE_S, TimeUnit.SECONDS).probe(csi.v1.Csi.ProbeRequest.getDefaultInstance()))
        .summary());
    for (int i = 0; i < OVERHEAD_CALLS; i++) {
      stub().createVolume(Csi.create(volumeName("o", 1, i), bytes));
    }
    overheads.put("CreateVolume of an existing volume (lookup, xattr read; no CLI)", Load.run(1, OVERHEAD_CALLS,
        i -> stub().createVolume(Csi.create(volumeName("o", 1, i), bytes))).summary());
    for (int i = 0; i < OVERHEAD_CALLS; i++) {
      stub().deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(id(volumeName("o", 1, i))).build());
    }
    overheads.put("DeleteVolume of a missing volume (lookup only)", Load.run(1, OVERHEAD_CALLS,
        i -> stub().deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(id(volumeName("o", 1, i))).build())).summary());
    Path gsyncd = GSYNCD.stream().map(Path::of).filter(Files::isExecutable).findFirst().orElse(null);
    if (gsyncd != null) {
      overheads.put("gsyncd --version (every gluster CLI call runs it first)", Load.run(1, 10, i -> {
        Process p = new ProcessBuilder(gsyncd.toString(), "--version").redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
          throw new IllegalStateException("gsyncd --version failed");
        }
      }).summary());
    }
  }

  /** Where distributions put gsyncd, which the gluster CLI runs at every start. */
  private static final List<String> GSYNCD = List.of("/usr/lib/x86_64-linux-gnu/glusterfs/gsyncd",
      "/usr/lib/aarch64-linux-gnu/glusterfs/gsyncd", "/usr/libexec/glusterfs/gsyncd", "/usr/lib/glusterfs/gsyncd");

  Table overheadTable() {
    Table t = new Table("driver-overheads", "Driver calls that do not run the gluster CLI, and the CLI's start-up",
        "call", "calls", "errors", "p50 ms", "p99 ms");
    overheads.forEach((name, s) -> t.row(name, s.count(), s.errors(), Table.Num.of(s.p50(), 2),
        Table.Num.of(s.p99(), 2)));
    return t;
  }

  private ControllerGrpc.ControllerBlockingStub stub() {
    return controller.withDeadlineAfter(DEADLINE_S, TimeUnit.SECONDS);
  }

  private String volumeName(String tag, int c, int i) {
    return "bench-" + runId + "-" + tag + c + "-" + i;
  }

  private String id(String name) {
    return new VolumeId(backend, VolumeNames.dirFor(name)).toString();
  }

  private String rawDir(String tag, int c, int i) {
    return runId + "-" + tag + c + "-" + i;
  }

  private static double stepMs(Map<String, RawClient.Step> steps, String name) {
    RawClient.Step s = steps.get(name);
    return s == null ? Double.NaN : s.meanMs();
  }

  private static double stepCount(Map<String, RawClient.Step> steps, String name) {
    RawClient.Step s = steps.get(name);
    return s == null ? 0 : s.count.sum();
  }

  private static double stepTotalMs(Map<String, RawClient.Step> steps, String name) {
    RawClient.Step s = steps.get(name);
    return s == null ? 0 : s.nanos.sum() / 1e6;
  }

  // ---- tables -------------------------------------------------------------------------------

  static Table table(List<Level> levels) {
    Table t = new Table("provisioning", "Provisioning: CreateVolume / DeleteVolume (2 MiB, RWX)",
        "mode", "conc", "n", "create/s", "create p50 ms", "p95", "p99", "create err",
        "delete/s", "delete p50 ms", "p95", "p99", "delete err");
    for (Level l : levels) {
      Stats.Summary c = l.create().summary();
      Stats.Summary d = l.delete().summary();
      t.row(l.mode(), l.concurrency(), l.n(), Table.Num.of(c.okPerSecond(), 1), Table.Num.of(c.p50(), 1),
          Table.Num.of(c.p95(), 1), Table.Num.of(c.p99(), 1), c.errors(), Table.Num.of(d.okPerSecond(), 1),
          Table.Num.of(d.p50(), 1), Table.Num.of(d.p95(), 1), Table.Num.of(d.p99(), 1), d.errors());
    }
    t.note("create/s and delete/s = successful operations / wall time of the batch; latencies over successful calls.");
    t.note("driver = CSI over the controller's unix socket; raw = mkdir + setfattr + gluster quota limit-usage"
        + " (delete: quota remove + rmdir) as processes, no retry; raw+retry = the same, lock errors retried"
        + " with the driver's backoff.");
    return t;
  }

  static Table ratios(List<Level> levels, int low, int high) {
    Table t = new Table("provisioning-ratios", "Driver vs raw baseline", "metric", "driver", "baseline", "baseline value",
        "ratio driver/baseline");
    ratio(t, levels, "create p50 ms, concurrency " + low, low, RAW, true, true);
    ratio(t, levels, "create p50 ms, concurrency " + low, low, RAW_RETRY, true, true);
    ratio(t, levels, "delete p50 ms, concurrency " + low, low, RAW, false, true);
    ratio(t, levels, "create/s, concurrency " + high, high, RAW_RETRY, true, false);
    ratio(t, levels, "create/s, concurrency " + high, high, RAW, true, false);
    ratio(t, levels, "delete/s, concurrency " + high, high, RAW_RETRY, false, false);
    return t;
  }

  private static void ratio(Table t, List<Level> levels, String metric, int c, String baseline, boolean create,
      boolean latency) {
    double d = value(find(levels, DRIVER, c), create, latency);
    double b = value(find(levels, baseline, c), create, latency);
    t.row(metric, Table.Num.of(d, 1), baseline, Table.Num.of(b, 1), Table.Num.of(Stats.ratio(d, b), 2));
  }

  static Level find(List<Level> levels, String mode, int c) {
    return levels.stream().filter(l -> l.mode().equals(mode) && l.concurrency() == c).findFirst().orElse(null);
  }

  static double value(Level l, boolean create, boolean latency) {
    if (l == null) {
      return Double.NaN;
    }
    Stats.Summary s = (create ? l.create() : l.delete()).summary();
    return latency ? s.p50() : s.okPerSecond();
  }

  static Table breakdown(List<Level> levels) {
    Table t = new Table("provisioning-breakdown", "Where the time goes (means, ms)",
        "mode", "conc", "op", "client", "server RPC", "gluster CLI call", "gluster calls/op", "mkdir", "setfattr",
        "rmdir", "backoff/op");
    for (Level l : levels) {
      for (int k = 0; k < 2; k++) {
        boolean create = k == 0;
        Stats.Summary s = (create ? l.create() : l.delete()).summary();
        Map<String, Double> o = l.otherSteps();
        t.row(l.mode(), l.concurrency(), create ? "create" : "delete", Table.Num.of(s.mean(), 1),
            Table.Num.of(l.rpcMs()[k], 1), Table.Num.of(l.glusterMs()[k], 1), Table.Num.of(l.glusterCalls()[k], 2),
            Table.Num.of(create ? o.getOrDefault("mkdir", Double.NaN) : Double.NaN, 1),
            Table.Num.of(create ? o.getOrDefault("setfattr", Double.NaN) : Double.NaN, 1),
            Table.Num.of(create ? Double.NaN : o.getOrDefault("rmdir", Double.NaN), 1),
            Table.Num.of(o.getOrDefault(create ? "backoff per create" : "backoff per delete", Double.NaN), 1));
      }
    }
    t.note("driver: server RPC and gluster CLI times from the controller's own metrics"
        + " (mooring_rpc_duration_seconds, mooring_backend_command_duration_seconds); client = as the caller saw it.");
    t.note("At concurrency > 1 the driver's server time includes waiting for its per-Gluster-volume CLI lock.");
    return t;
  }

  static Table errors(List<Level> levels) {
    Table t = new Table("provisioning-errors", "Provisioning errors", "mode", "conc", "op", "count", "message");
    for (Level l : levels) {
      l.create().errors().forEach((msg, n) -> t.row(l.mode(), l.concurrency(), "create", n, msg));
      l.delete().errors().forEach((msg, n) -> t.row(l.mode(), l.concurrency(), "delete", n, msg));
    }
    return t;
  }
}
