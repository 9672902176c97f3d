package io.mooring.tools.bench;

import csi.v1.ControllerGrpc;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Section 1, for one backend: CreateVolume then DeleteVolume of N volumes at each concurrency,
 * through the controller's socket ("driver"), and the same work done without Mooring by the
 * backend's raw baselines ({@link Baselines}).
 *
 * <p>The modes take turns: each level is split into rounds (up to {@value #ROUNDS}, each with at
 * least as many volumes as calls in flight), and every round runs each mode's creates and deletes
 * in a rotating order. A build or test suite that loads the machine for a minute then slows all
 * modes alike instead of the one that happened to run then.
 */
final class Provisioning {

  static final String DRIVER = "driver";
  static final int ROUNDS = 4;
  private static final long DEADLINE_S = 600;
  private static final int WARM_UP = 3;
  private static final int OVERHEAD_CALLS = 20;
  private static final int QUICK_OVERHEAD_CALLS = 10;
  private static final int PROBES = 200;

  /**
   * One mode at one concurrency on one backend.
   *
   * @param rpcMs server-side mean RPC time (create, delete) from the plugin's metrics; NaN for
   *     baselines
   * @param cliMs mean time of one backend CLI call (create, delete)
   * @param cliCalls backend CLI calls per operation (create, delete), retries included
   * @param otherSteps a baseline's other steps, mean ms (mkdir, setfattr, rmdir, backoff)
   */
  record Level(
      String backend,
      String mode,
      int concurrency,
      int n,
      Load.Result create,
      Load.Result delete,
      double[] rpcMs,
      double[] cliMs,
      double[] cliCalls,
      Map<String, Double> otherSteps) {

    /** A level of a mode that measures nothing but its calls. */
    static Level plain(
        String backend,
        String mode,
        int concurrency,
        int n,
        Load.Result create,
        Load.Result delete) {
      double[] none = {Double.NaN, Double.NaN};
      return new Level(backend, mode, concurrency, n, create, delete, none, none, none, Map.of());
    }
  }

  /** What a backend brings to the section: the work done without Mooring. */
  interface Baselines extends AutoCloseable {

    /** A few operations of each baseline, not measured (first calls pay for start-up). */
    void warmUp() throws Exception;

    /**
     * The baseline modes of one level.
     *
     * @param size volumes the level makes; @param rounds how many rounds they come in
     * @param cheap the highest concurrency of a --quick run: leave out what is not needed there
     */
    List<Mode> modes(int c, int size, int rounds, boolean cheap);

    /**
     * Calls timed once, at the lowest concurrency, that show what the baselines cost: name ->
     * summary.
     */
    Map<String, Stats.Summary> overheads() throws Exception;

    /** A line under the provisioning table saying what the baselines do. */
    String describe();

    @Override
    void close() throws Exception;
  }

  /** One way of provisioning at one concurrency, accumulating its rounds. */
  abstract static class Mode {
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

  /** Calls that skip the backend's slow parts, to see the driver's own cost: name -> summary. */
  private final Map<String, Stats.Summary> overheads = new LinkedHashMap<>();

  private final io.grpc.Channel channel;
  private final ControllerGrpc.ControllerBlockingStub controller;
  private final String backend;
  private final String program;
  private final CsiClient.Requests requests;
  private final Baselines baselines;
  private final String metricsAddress;
  private final long bytes;
  private final String runId;

  /**
   * @param runId makes volume names unique per run
   */
  Provisioning(
      io.grpc.Channel channel,
      BenchBackend backend,
      Baselines baselines,
      String metricsAddress,
      long bytes,
      String runId) {
    this.channel = channel;
    this.controller = ControllerGrpc.newBlockingStub(channel);
    this.backend = backend.type();
    this.program = backend.program();
    this.requests = backend.requests();
    this.baselines = baselines;
    this.metricsAddress = metricsAddress;
    this.bytes = bytes;
    this.runId = runId;
  }

  /**
   * Each level makes max(n, concurrency) volumes, so that {@code concurrency} calls really are in
   * flight.
   */
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
   * @param quick a --quick run: the baselines may leave out costly modes at the highest concurrency
   */
  List<Level> run(List<Integer> concurrencies, int n, boolean quick) throws Exception {
    warmUp();
    int top = Collections.max(concurrencies);
    List<Level> levels = new ArrayList<>();
    for (int c : concurrencies) {
      int size = size(n, c);
      int rounds = rounds(size, c);
      List<Mode> modes = new ArrayList<>();
      modes.add(new Driver(c));
      modes.addAll(baselines.modes(c, size, rounds, quick && c == top));
      Progress.say(
          "%s, concurrency %d: up to %d creates+deletes per mode (%s) in %d round(s)",
          backend, c, size, String.join(", ", modes.stream().map(Mode::name).toList()), rounds);
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
        measureOverheads(quick ? QUICK_OVERHEAD_CALLS : OVERHEAD_CALLS);
      }
    }
    return levels;
  }

  /** The first calls connect the controller to the backend; not measured. */
  private void warmUp() throws Exception {
    Progress.say(
        "%s warm-up: %d driver create+delete and the baselines' (not measured)", backend, WARM_UP);
    for (int i = 0; i < WARM_UP; i++) {
      String name = volumeName("warm", 0, i);
      stub().createVolume(requests.create(name, bytes));
      stub().deleteVolume(requests.delete(requests.id(name)));
    }
    baselines.warmUp();
  }

  private final class Driver extends Mode {
    /**
     * sums and counts from the plugin's metrics: {rpc sum, rpc count, CLI sum, CLI count} x
     * {create, delete}
     */
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
      creates.add(
          Load.run(
              c,
              to - from,
              i -> stub().createVolume(requests.create(volumeName("d", c, from + i), bytes))));
      MetricsScrape m1 = MetricsScrape.fetch(metricsAddress);
      Load.Result delete =
          Load.run(
              c,
              to - from,
              i -> stub().deleteVolume(requests.delete(requests.id(volumeName("d", c, from + i)))));
      deletes.add(delete);
      MetricsScrape m2 = MetricsScrape.fetch(metricsAddress);
      add(metrics[0], m0, m1, "CreateVolume");
      add(metrics[1], m1, m2, "DeleteVolume");
      if (delete.summary().errors() > 0) {
        for (int i = from; i < to; i++) { // tidy up for the next round; not measured
          try {
            stub().deleteVolume(requests.delete(requests.id(volumeName("d", c, i))));
          } catch (RuntimeException ignored) {
            // reported already
          }
        }
      }
    }

    private void add(double[] acc, MetricsScrape a, MetricsScrape b, String method) {
      Map<String, String> rpc = Map.of("method", method);
      Map<String, String> cli = Map.of("program", program);
      acc[0] += MetricsScrape.delta(a, b, "mooring_rpc_duration_seconds_sum", rpc) * 1000;
      acc[1] += MetricsScrape.delta(a, b, "mooring_rpc_duration_seconds_count", rpc);
      acc[2] +=
          MetricsScrape.delta(a, b, "mooring_backend_command_duration_seconds_sum", cli) * 1000;
      acc[3] += MetricsScrape.delta(a, b, "mooring_backend_command_duration_seconds_count", cli);
    }

    @Override
    Level level(int size) {
      double[] rpc = {
        Stats.ratio(metrics[0][0], metrics[0][1]), Stats.ratio(metrics[1][0], metrics[1][1])
      };
      double[] cli = {
        Stats.ratio(metrics[0][2], metrics[0][3]), Stats.ratio(metrics[1][2], metrics[1][3])
      };
      double[] calls = {metrics[0][3] / size, metrics[1][3] / size};
      return new Level(
          backend,
          DRIVER,
          c,
          size,
          Load.Result.merge(creates),
          Load.Result.merge(deletes),
          rpc,
          cli,
          calls,
          Map.of());
    }
  }

  /**
   * The driver's cost without the backend's slow parts: a bare round trip, and calls that only look
   * (on volumes made for it); and what the baselines add.
   */
  private void measureOverheads(int calls) throws Exception {
    Progress.say("%s: driver calls that only look, and the baselines' overheads", backend);
    csi.v1.IdentityGrpc.IdentityBlockingStub identity =
        csi.v1.IdentityGrpc.newBlockingStub(channel);
    overheads.put(
        "Probe (gRPC round trip)",
        Load.run(
                1,
                PROBES,
                i ->
                    identity
                        .withDeadlineAfter(DEADLINE_S, TimeUnit.SECONDS)
                        .probe(csi.v1.Csi.ProbeRequest.getDefaultInstance()))
            .summary());
    for (int i = 0; i < calls; i++) {
      stub().createVolume(requests.create(volumeName("o", 1, i), bytes));
    }
    overheads.put(
        "CreateVolume of an existing volume (lookup only)",
        Load.run(1, calls, i -> stub().createVolume(requests.create(volumeName("o", 1, i), bytes)))
            .summary());
    for (int i = 0; i < calls; i++) {
      stub().deleteVolume(requests.delete(requests.id(volumeName("o", 1, i))));
    }
    overheads.put(
        "DeleteVolume of a missing volume (lookup only)",
        Load.run(
                1,
                calls,
                i -> stub().deleteVolume(requests.delete(requests.id(volumeName("o", 1, i)))))
            .summary());
    overheads.putAll(baselines.overheads());
  }

  /** Rows for the overheads table: backend, call, summary. */
  void overheadRows(Table t) {
    overheads.forEach(
        (name, s) ->
            t.row(
                backend,
                name,
                s.count(),
                s.errors(),
                Table.Num.of(s.p50(), 2),
                Table.Num.of(s.p99(), 2)));
  }

  static Table overheadTable() {
    return new Table(
        "driver-overheads",
        "Driver calls that do not change anything, and baseline start-up costs",
        "backend",
        "call",
        "calls",
        "errors",
        "p50 ms",
        "p99 ms");
  }

  private ControllerGrpc.ControllerBlockingStub stub() {
    return controller.withDeadlineAfter(DEADLINE_S, TimeUnit.SECONDS);
  }

  private String volumeName(String tag, int c, int i) {
    return "bench-" + runId + "-" + tag + c + "-" + i;
  }

  // ---- tables -------------------------------------------------------------------------------

  /**
   * @param notes what each backend's baselines do, one line each
   */
  static Table table(List<Level> levels, List<String> notes) {
    Table t =
        new Table(
            "provisioning",
            "Provisioning: CreateVolume / DeleteVolume (2 MiB requested, RWX)",
            "backend",
            "mode",
            "conc",
            "n",
            "create/s",
            "create p50 ms",
            "p95",
            "p99",
            "create err",
            "delete/s",
            "delete p50 ms",
            "p95",
            "p99",
            "delete err");
    for (Level l : levels) {
      Stats.Summary c = l.create().summary();
      Stats.Summary d = l.delete().summary();
      t.row(
          l.backend(),
          l.mode(),
          l.concurrency(),
          l.n(),
          Table.Num.of(c.okPerSecond(), 1),
          Table.Num.of(c.p50(), 1),
          Table.Num.of(c.p95(), 1),
          Table.Num.of(c.p99(), 1),
          c.errors(),
          Table.Num.of(d.okPerSecond(), 1),
          Table.Num.of(d.p50(), 1),
          Table.Num.of(d.p95(), 1),
          Table.Num.of(d.p99(), 1),
          d.errors());
    }
    t.note(
        "create/s and delete/s = successful operations / wall time of the batch; latencies over"
            + " successful calls.");
    t.note("driver = CSI over the controller's unix socket.");
    notes.forEach(t::note);
    return t;
  }

  /**
   * The driver against each baseline of each backend: latencies (p50) at the lowest concurrency,
   * throughput at the highest.
   */
  static Table ratios(List<Level> levels, int low, int high) {
    Table t =
        new Table(
            "provisioning-ratios",
            "Driver vs raw baselines",
            "backend",
            "metric",
            "driver",
            "baseline",
            "baseline value",
            "ratio driver/baseline");
    for (String backend : levels.stream().map(Level::backend).distinct().toList()) {
      for (boolean latency : new boolean[] {true, false}) {
        int c = latency ? low : high;
        for (boolean create : new boolean[] {true, false}) {
          String metric =
              (create ? "create" : "delete") + (latency ? " p50 ms" : "/s") + ", concurrency " + c;
          Level driver = find(levels, backend, DRIVER, c);
          for (Level base : levels) {
            if (base.backend().equals(backend)
                && base.concurrency() == c
                && !base.mode().equals(DRIVER)) {
              double d = value(driver, create, latency);
              double b = value(base, create, latency);
              t.row(
                  backend,
                  metric,
                  Table.Num.of(d, 1),
                  base.mode(),
                  Table.Num.of(b, 1),
                  Table.Num.of(Stats.ratio(d, b), 2));
            }
          }
        }
      }
    }
    return t;
  }

  /**
   * What the targets judge for one backend: the zero-errors check at the highest concurrency, and
   * the driver against a baseline for each of its goals.
   */
  static Targets.Provisioned targetInputs(
      List<Level> levels, String backend, List<Targets.Goal> goals, int high) {
    Level top = find(levels, backend, DRIVER, high);
    return new Targets.Provisioned(
        backend,
        top == null ? 0 : Math.min(top.concurrency(), top.n()),
        top == null ? 0 : top.create().summary().count(),
        top == null ? 0 : top.create().summary().errors(),
        goals.stream()
            .map(
                g -> {
                  boolean latency = g.measure() == Targets.Measure.LATENCY;
                  return new Targets.Ratio(
                      g,
                      value(find(levels, backend, DRIVER, g.concurrency()), true, latency),
                      value(find(levels, backend, g.baseline(), g.concurrency()), true, latency));
                })
            .toList());
  }

  static Level find(List<Level> levels, String backend, String mode, int c) {
    return levels.stream()
        .filter(l -> l.backend().equals(backend) && l.mode().equals(mode) && l.concurrency() == c)
        .findFirst()
        .orElse(null);
  }

  static double value(Level l, boolean create, boolean latency) {
    if (l == null) {
      return Double.NaN;
    }
    Stats.Summary s = (create ? l.create() : l.delete()).summary();
    return latency ? s.p50() : s.okPerSecond();
  }

  static Table breakdown(List<Level> levels) {
    Table t =
        new Table(
            "provisioning-breakdown",
            "Where the time goes (means, ms)",
            "backend",
            "mode",
            "conc",
            "op",
            "client",
            "server RPC",
            "CLI call",
            "CLI calls/op",
            "mkdir",
            "setfattr",
            "rmdir",
            "backoff/op");
    for (Level l : levels) {
      for (int k = 0; k < 2; k++) {
        boolean create = k == 0;
        Stats.Summary s = (create ? l.create() : l.delete()).summary();
        Map<String, Double> o = l.otherSteps();
        t.row(
            l.backend(),
            l.mode(),
            l.concurrency(),
            create ? "create" : "delete",
            Table.Num.of(s.mean(), 1),
            Table.Num.of(l.rpcMs()[k], 1),
            Table.Num.of(l.cliMs()[k], 1),
            Table.Num.of(l.cliCalls()[k], 2),
            Table.Num.of(create ? o.getOrDefault("mkdir", Double.NaN) : Double.NaN, 1),
            Table.Num.of(create ? o.getOrDefault("setfattr", Double.NaN) : Double.NaN, 1),
            Table.Num.of(create ? Double.NaN : o.getOrDefault("rmdir", Double.NaN), 1),
            Table.Num.of(
                o.getOrDefault(create ? "backoff per create" : "backoff per delete", Double.NaN),
                1));
      }
    }
    t.note(
        "driver: server RPC and CLI times from the controller's own metrics"
            + " (mooring_rpc_duration_seconds, mooring_backend_command_duration_seconds); client ="
            + " as the caller saw it.");
    t.note(
        "glusterfs: at concurrency > 1 the driver's server time includes waiting for its"
            + " per-Gluster-volume CLI lock. cephfs: the driver talks librados, not the CLI (no CLI"
            + " calls unless librados is missing).");
    return t;
  }

  static Table errors(List<Level> levels) {
    Table t =
        new Table(
            "provisioning-errors",
            "Provisioning errors",
            "backend",
            "mode",
            "conc",
            "op",
            "count",
            "message");
    for (Level l : levels) {
      l.create()
          .errors()
          .forEach((msg, n) -> t.row(l.backend(), l.mode(), l.concurrency(), "create", n, msg));
      l.delete()
          .errors()
          .forEach((msg, n) -> t.row(l.backend(), l.mode(), l.concurrency(), "delete", n, msg));
    }
    return t;
  }
}
