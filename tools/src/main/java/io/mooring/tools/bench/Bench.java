package io.mooring.tools.bench;

import csi.v1.ControllerGrpc;
import csi.v1.Csi.Volume;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark (issue "Benchmarks"), run by scripts/bench against a GlusterFS volume and a
 * single-node Ceph cluster (either or both) on a storage host apart from this side: its own network
 * and mount namespace, reached by its address only (scripts/storage-host-up):
 *
 * <ol>
 *   <li>provisioning through the controller plugin's socket against each backend's raw baselines;
 *   <li>node, per backend and way of staging ({@link NodeMode}): stage/publish latency, FUSE
 *       clients and their memory, each on a node plugin of its own;
 *   <li>footprint: plugin RSS and time from spawn to first Probe;
 *   <li>(--jvm-flags) the node plugin under other JVM flags.
 * </ol>
 *
 * Prints tables on stdout (progress on stderr) and writes them as CSV and JSON to --out. Exit code
 * 0 when every section ran, 1 when one failed, 2 for bad arguments, 3 with --strict when a target
 * was not met.
 */
public final class Bench {

  private static final long VOLUME_BYTES = 2L << 20;

  private final BenchOptions o;
  private final Map<String, Object> meta = new LinkedHashMap<>();
  private final List<Table> tables = new ArrayList<>();
  private final List<String> failures = new ArrayList<>();
  private final String runId = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
  private final List<Provisioning.Level> levels = new ArrayList<>();
  private final List<String> baselineNotes = new ArrayList<>();
  private final Table overheads = Provisioning.overheadTable();
  private final List<NodeRun> nodeRuns = new ArrayList<>();

  /** A node mode's run; its result is null when it failed. */
  private record NodeRun(NodeMode mode, NodeTrial.Result result) {}

  private Bench(BenchOptions options) {
    this.o = options;
  }

  public static void main(String[] args) {
    BenchOptions options;
    try {
      options = BenchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    int rc;
    try {
      rc = new Bench(options).run();
    } catch (Exception e) {
      e.printStackTrace();
      rc = 1;
    }
    System.exit(rc);
  }

  private int run() throws Exception {
    Files.createDirectories(o.work());
    Files.createDirectories(o.out());
    java.util.Set<String> ours = new java.util.HashSet<>(java.util.Set.of(o.work().toString()));
    if (o.gluster() != null) {
      ours.add(o.gluster().volume());
      ours.add(o.gluster().server()); // FUSE clients and ssh connections name the storage host
    }
    if (o.ceph() != null) {
      ours.add(o.ceph().conf().toString()); // its CLI calls and the rados baseline name the conf
      ours.add(o.ceph().monitors());
    }
    try (Noise noise = new Noise(ours)) {
      return run(noise);
    }
  }

  private int run(Noise noise) throws Exception {
    describeMachine();
    List<BenchBackend> backends = new ArrayList<>();
    if (o.gluster() != null) {
      backends.add(new GlusterBench(o.gluster(), o.storageHolder()));
    }
    if (o.ceph() != null) {
      backends.add(new CephBench(o.root(), o.ceph(), o.work().resolve("ceph-admin")));
    }
    Path backendsFile =
        Files.writeString(
            o.work().resolve("backends.yaml"),
            "backends:\n" + String.join("", backends.stream().map(BenchBackend::yaml).toList()));
    if (o.scale() > 0) {
      return scale(noise, backends);
    }
    if (o.snapshotsOnly()) {
      return snapshotsOnly(noise, backends);
    }
    String metrics = "127.0.0.1:" + freePort();

    Footprint footprint = new Footprint();
    try (CsiClient csi = new CsiClient()) {
      Progress.say("starting the controller plugin (scripts/mooring controller)");
      Plugin.Spec controllerSpec =
          new Plugin.Spec(
              "controller",
              "controller",
              List.of(
                  "--backends",
                  backendsFile.toString(),
                  "--state-dir",
                  controllerState().toString(),
                  "--metrics-address",
                  metrics),
              null,
              Map.of(),
              false);
      try (Plugin controller = Plugin.start(o.root(), o.work(), controllerSpec, csi)) {
        Thread.sleep(NodeTrial.IDLE_MS);
        footprint.controllerStart(controller);
        ControllerGrpc.ControllerBlockingStub stub =
            ControllerGrpc.newBlockingStub(controller.channel());

        if (o.provisioning()) {
          for (BenchBackend b : backends) {
            section(
                "1 provisioning " + b.type(), () -> provisioning(b, controller.channel(), metrics));
          }
        }

        Path stateDir = o.work().resolve("node-state");
        Files.createDirectories(stateDir);
        NodeTrial.Context ctx =
            new NodeTrial.Context(o.root(), o.work(), csi, o.work().resolve("kubelet"), stateDir);
        Plugin.Spec nodeSpec =
            new Plugin.Spec(
                "node",
                "node",
                // with its metrics server, as deployed (deploy/base/node.yaml)
                List.of(
                    "--node-id",
                    "bench-node",
                    "--state-dir",
                    stateDir.toString(),
                    "--metrics-address",
                    "127.0.0.1:" + freePort()),
                null,
                Map.of(),
                false);
        for (BenchBackend b : backends) {
          node(b, stub, ctx, nodeSpec);
        }
        footprint.controllerAfter(controller, controllerSsh());
      }
      footprint.controllerStopped(controllerSsh());
      if (o.snapshotMiB() > 0) {
        snapshots(csi, backends);
      }
    }

    int low = Collections.min(o.concurrency());
    int high = Collections.max(o.concurrency());
    if (!levels.isEmpty()) {
      tables.add(Provisioning.table(levels, baselineNotes));
      tables.add(Provisioning.ratios(levels, low, high));
      tables.add(Provisioning.breakdown(levels));
      if (!overheads.rows().isEmpty()) {
        tables.add(overheads);
      }
      Table errors = Provisioning.errors(levels);
      if (!errors.rows().isEmpty()) {
        tables.add(errors);
      }
    }
    for (NodeRun run : nodeRuns) {
      if (run.result() != null && run.result().bench() != null) {
        tables.add(NodeBench.latencyTable(run.mode(), run.result().bench(), o.nodeVolumes()));
        tables.add(NodeBench.fuseTable(run.mode(), run.result().bench(), run.result().after()));
      }
    }
    NodeTrial.Result startUp =
        nodeRuns.stream().map(NodeRun::result).filter(Objects::nonNull).findFirst().orElse(null);
    tables.add(footprint.table(startUp, nodeRuns));
    List<Targets.Provisioned> provisioned =
        o.provisioning()
            ? backends.stream()
                .map(b -> Provisioning.targetInputs(levels, b.type(), b.goals(low, high), high))
                .toList()
            : List.of();
    List<Targets.Target> targets =
        Targets.evaluate(provisioned, nodeInputs(startUp, footprint.controllerIdle.rssMiB()));
    tables.add(Targets.table(targets));
    int jvmAt =
        tables.indexOf(
            tables.stream().filter(t -> t.id().equals("jvm-flags")).findFirst().orElse(null));
    if (jvmAt >= 0) { // experiments after the targets
      tables.add(tables.remove(jvmAt));
      tables.stream()
          .filter(t -> t.id().equals("node-classes"))
          .findFirst()
          .ifPresent(
              t -> {
                tables.remove(t);
                tables.add(t);
              });
    }
    tables.add(noise.finish());
    meta.put("failures", failures);
    meta.put("finished", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    report();
    if (!failures.isEmpty()) {
      return 1;
    }
    boolean missed = targets.stream().anyMatch(t -> t.verdict() == Targets.Verdict.NOT_MET);
    return o.strict() && missed ? 3 : 0;
  }

  /** The snapshot section alone. */
  private int snapshotsOnly(Noise noise, List<BenchBackend> backends) throws Exception {
    try (CsiClient csi = new CsiClient()) {
      snapshots(csi, backends);
    }
    tables.add(noise.finish());
    meta.put("failures", failures);
    meta.put("finished", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    report();
    return failures.isEmpty() ? 0 : 1;
  }

  /**
   * The snapshot section ({@link SnapshotBench}): each backend on a controller of its own, since
   * the snapshot capabilities are the plugin's and a backend without snapshots would hide them.
   */
  private void snapshots(CsiClient csi, List<BenchBackend> backends) throws IOException {
    List<SnapshotBench.Result> results = new ArrayList<>();
    int rounds = o.quick() ? 3 : 5;
    for (BenchBackend b : backends) {
      Plugin.Spec spec = ownController("snapshots-" + b.type(), b.yaml());
      SnapshotBench.Result r =
          section(
              "snapshots " + b.type(),
              () ->
                  new SnapshotBench(
                          b, o.root(), o.work(), spec, csi, runId, o.snapshotMiB(), rounds)
                      .run());
      if (r != null) {
        results.add(r);
      }
    }
    if (!results.isEmpty()) {
      tables.add(SnapshotBench.table(results));
    }
  }

  /**
   * A controller of its own for one backend entry: its backends file {@code backends-<name>.yaml}
   * in the work directory, the plugin {@code controller-<name>}.
   */
  private Plugin.Spec ownController(String name, String backendYaml) throws IOException {
    Path file =
        Files.writeString(
            o.work().resolve("backends-" + name + ".yaml"), "backends:\n" + backendYaml);
    return new Plugin.Spec(
        "controller-" + name,
        "controller",
        List.of("--backends", file.toString(), "--state-dir", controllerState().toString()),
        null,
        Map.of(),
        false);
  }

  /** The scale section alone: each backend on a controller of its own, one after the other. */
  private int scale(Noise noise, List<BenchBackend> backends) throws Exception {
    List<Scale.Result> results = new ArrayList<>();
    try (CsiClient csi = new CsiClient()) {
      for (BenchBackend b : backends) {
        Plugin.Spec spec = ownController(b.type(), b.yamlWithoutSecrets(o.work()));
        Scale.Result r =
            section(
                "scale " + b.type(),
                () ->
                    new Scale(b, o.root(), o.work(), spec, csi, VOLUME_BYTES, runId, o.scale())
                        .run());
        if (r != null) {
          results.add(r);
        }
      }
    }
    List<Targets.Target> targets = Targets.scale(Scale.targetInputs(results));
    if (!results.isEmpty()) {
      tables.add(Scale.table(results));
      Table quota = Scale.quotaTable(results);
      if (quota != null) {
        tables.add(quota);
      }
    }
    tables.add(Targets.table(targets));
    tables.add(noise.finish());
    meta.put("failures", failures);
    meta.put("finished", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    report();
    if (!failures.isEmpty()) {
      return 1;
    }
    boolean missed = targets.stream().anyMatch(t -> t.verdict() == Targets.Verdict.NOT_MET);
    return o.strict() && missed ? 3 : 0;
  }

  // ---- sections -------------------------------------------------------------------------------

  private interface Section<T> {
    T run() throws Exception;
  }

  /** Runs a section; a failure is reported and the benchmark goes on with the others. */
  private <T> T section(String name, Section<T> body) {
    long t0 = System.nanoTime();
    try {
      T result = body.run();
      meta.put("section " + name + " seconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
      return result;
    } catch (Exception e) {
      Progress.say("section %s FAILED: %s", name, e);
      failures.add(name + ": " + e);
      return null;
    }
  }

  private Void provisioning(BenchBackend backend, io.grpc.Channel channel, String metrics)
      throws Exception {
    try (Provisioning.Baselines baselines =
        backend.baselines(o.work(), VOLUME_BYTES, runId, o.quick())) {
      Provisioning p = new Provisioning(channel, backend, baselines, metrics, VOLUME_BYTES, runId);
      levels.addAll(p.run(o.concurrency(), o.n(), o.quick()));
      baselineNotes.add(baselines.describe());
      p.overheadRows(overheads);
    }
    return null;
  }

  /**
   * Sections 2 and 4 for one backend: its volumes staged each way it has ({@link NodeMode}), each
   * way on a node plugin of its own. The first run of the benchmark also measures the plugin's
   * start-up (section 3) and, with --jvm-flags, runs the JVM flag experiments; later ones start the
   * plugin once.
   */
  private void node(
      BenchBackend backend,
      ControllerGrpc.ControllerBlockingStub stub,
      NodeTrial.Context ctx,
      Plugin.Spec nodeSpec) {
    List<NodeMode> modes = backend.nodeModes(runId);
    List<Volume> volumes =
        section(
            "node volumes " + backend.type(), () -> createNodeVolumes(stub, backend.requests()));
    for (NodeMode mode : modes) {
      boolean first = nodeRuns.isEmpty();
      NodeMode.Secrets secrets =
          volumes == null
              ? null
              : section("node keys " + mode.id(), () -> mode.keys().make(volumes));
      NodeTrial.Result result = null;
      if (secrets != null) {
        NodeBench.Workload workload =
            new NodeBench.Workload(volumes, secrets.perVolume(), mode.program());
        int starts = first ? o.starts() : 1;
        Progress.say(
            "2 node, %s: %d node plugin start(s), then stage+publish %d volumes",
            mode.title(), starts, volumes.size());
        result =
            section("2 node " + mode.id(), () -> NodeTrial.run(ctx, nodeSpec, starts, workload));
        if (first && o.jvm()) {
          section("4 JVM flags", () -> jvm(ctx, nodeSpec, workload));
        }
        section(
            "remove node keys " + mode.id(),
            () -> {
              secrets.close();
              return null;
            });
      }
      nodeRuns.add(new NodeRun(mode, result));
    }
    if (volumes != null) {
      section(
          "delete node volumes " + backend.type(),
          () -> deleteNodeVolumes(stub, backend.requests(), volumes));
    }
  }

  private List<Volume> createNodeVolumes(
      ControllerGrpc.ControllerBlockingStub stub, CsiClient.Requests requests) throws Exception {
    Progress.say("creating %d volumes for the node run (not measured)", o.nodeVolumes());
    Volume[] out = new Volume[o.nodeVolumes()];
    Load.Result r =
        Load.run(
            10,
            o.nodeVolumes(),
            i ->
                out[i] =
                    stub.withDeadlineAfter(600, TimeUnit.SECONDS)
                        .createVolume(
                            requests.create("bench-" + runId + "-node-" + i, VOLUME_BYTES))
                        .getVolume());
    if (r.summary().errors() > 0) {
      throw new IllegalStateException("could not create the node run's volumes: " + r.errorText());
    }
    return List.of(out);
  }

  private Void deleteNodeVolumes(
      ControllerGrpc.ControllerBlockingStub stub, CsiClient.Requests requests, List<Volume> volumes)
      throws Exception {
    Load.Result r =
        Load.run(
            10,
            volumes.size(),
            i ->
                stub.withDeadlineAfter(600, TimeUnit.SECONDS)
                    .deleteVolume(requests.delete(volumes.get(i).getVolumeId())));
    if (r.summary().errors() > 0) {
      throw new IllegalStateException("could not delete the node run's volumes: " + r.errorText());
    }
    return null;
  }

  private Void jvm(NodeTrial.Context ctx, Plugin.Spec nodeSpec, NodeBench.Workload workload)
      throws Exception {
    String defaults = JvmExperiments.defaults(o.root());
    meta.put("JVM flags (" + JvmExperiments.OPTIONS + ")", defaults);
    Path cds = o.work().resolve("node-cds.jsa");
    Progress.say("4 JVM flags: AppCDS training (CdsTraining)");
    double trainMs = JvmExperiments.trainCds(o.root(), cds);
    meta.put(
        "AppCDS archive MiB",
        Files.exists(cds) ? Math.round(Files.size(cds) / 104857.6) / 10.0 : null);
    meta.put("AppCDS training ms", Double.isNaN(trainMs) ? null : Math.round(trainMs));
    tables.add(
        JvmExperiments.classCensus(
            ctx, nodeSpec.rename("node-classes"), defaults, "launcher defaults"));
    List<JvmExperiments.Row> rows =
        JvmExperiments.run(
            ctx, nodeSpec, o.starts(), workload, cds, JvmExperiments.variants(defaults, cds));
    tables.add(JvmExperiments.table(rows, workload.volumes().size()));
    return null;
  }

  /**
   * The controller's ssh processes: sessions name the storage host, connection masters (whose
   * command line ssh rewrites to "ssh: SOCKET [mux]") their socket below the controller's state
   * dir. None without GlusterFS.
   */
  private List<Procs.Proc> controllerSsh() {
    if (o.gluster() == null) {
      return List.of();
    }
    String baseline = o.work().resolve(GlusterBench.RAW_SSH_DIR).toString();
    String state = controllerState().toString() + "/";
    return Procs.all().stream()
        .filter(
            p ->
                p.comm().equals("ssh")
                    && !p.cmdline().contains(baseline)
                    && (p.cmdline().contains(o.gluster().server()) || p.cmdline().contains(state)))
        .toList();
  }

  /**
   * A short name: the controller's ssh control sockets go below it, and a unix socket path is
   * short.
   */
  private Path controllerState() {
    return o.work().resolve("cs");
  }

  /**
   * @param startUp the run whose starts were measured; null when none ran
   * @param controllerIdleMiB the controller's idle RSS
   */
  private Targets.Node nodeInputs(NodeTrial.Result startUp, double controllerIdleMiB) {
    List<Targets.NodeRun> runs = nodeRuns.stream().map(this::nodeInputs).toList();
    return startUp == null
        ? new Targets.Node(runs, Double.NaN, Double.NaN, controllerIdleMiB)
        : new Targets.Node(
            runs, startUp.medianIdleRssMiB(), startUp.medianProbeMs(), controllerIdleMiB);
  }

  private Targets.NodeRun nodeInputs(NodeRun run) {
    NodeMode mode = run.mode();
    NodeBench.Result b = run.result() == null ? null : run.result().bench();
    if (b == null) {
      return Targets.NodeRun.none(mode.title(), mode.shared());
    }
    NodeBench.Fuse all = b.fuseAt(o.nodeVolumes() + " published");
    return new Targets.NodeRun(
        mode.title(),
        mode.shared(),
        b.publish().p50(),
        all == null ? 0 : all.published(),
        all == null ? -1 : all.clients(),
        run.result().after().rssMiB());
  }

  // ---- footprint (section 3) --------------------------------------------------------------------

  /** Controller numbers gathered along the way; node numbers come from the node trial. */
  private static final class Footprint {
    double controllerProbeMs = Double.NaN;
    long controllerCpuMs = -1;
    Procs.Memory controllerIdle = Procs.Memory.NONE;
    Procs.Memory controllerAfter = Procs.Memory.NONE;

    /**
     * The controller's ssh processes at the end: how many, their memory; and how many outlived it.
     */
    int controllerSsh;

    Procs.Memory controllerSshMemory = Procs.Memory.NONE;
    int sshAfterStop;

    void controllerStart(Plugin p) {
      controllerProbeMs = p.startToProbeMs();
      controllerCpuMs = p.cpuMsAtProbe();
      controllerIdle = p.memory();
      Progress.say(
          "  controller: first Probe after %.0f ms, idle RSS %.1f MiB",
          controllerProbeMs, controllerIdle.rssMiB());
    }

    void controllerAfter(Plugin p, List<Procs.Proc> ssh) {
      controllerAfter = p.memory();
      controllerSsh = ssh.size();
      controllerSshMemory =
          ssh.stream()
              .map(q -> Procs.memory(q.pid()))
              .reduce(Procs.Memory::plus)
              .orElse(Procs.Memory.NONE);
    }

    void controllerStopped(List<Procs.Proc> ssh) {
      sshAfterStop = ssh.size();
      if (!ssh.isEmpty()) {
        Progress.say(
            "warning: %d ssh process(es) of the controller outlived it: %s",
            ssh.size(), String.join(", ", ssh.stream().map(q -> Long.toString(q.pid())).toList()));
      }
    }

    /**
     * @param startUp the node run whose starts are shown; null when none ran
     */
    Table table(NodeTrial.Result startUp, List<NodeRun> runs) {
      Table t =
          new Table(
              "footprint",
              "Footprint (launcher defaults)",
              "plugin",
              "start->probe ms",
              "CPU ms at probe",
              "idle RSS MiB",
              "after RSS MiB",
              "peak RSS MiB",
              "after anon MiB");
      if (startUp != null) {
        for (int i = 0; i < startUp.starts().size(); i++) {
          NodeTrial.Start s = startUp.starts().get(i);
          t.row(
              "node, start " + (i + 1),
              Table.Num.of(s.probeMs(), 0),
              s.cpuMs(),
              Table.Num.of(s.idle().rssMiB(), 1),
              null,
              null,
              null);
        }
        t.row(
            "node (median)",
            Table.Num.of(startUp.medianProbeMs(), 0),
            Table.Num.of(startUp.medianCpuMs(), 0),
            Table.Num.of(startUp.medianIdleRssMiB(), 1),
            null,
            null,
            null);
      }
      for (NodeRun run : runs) {
        NodeTrial.Result r = run.result();
        if (r == null) {
          continue;
        }
        if (r.bench() != null) {
          t.row(
              "node, " + run.mode().title() + ": all volumes published",
              null,
              null,
              null,
              Table.Num.of(r.bench().pluginAllPublished().rssMiB(), 1),
              null,
              Table.Num.of(r.bench().pluginAllPublished().anonMiB(), 1));
        }
        t.row(
            "node, " + run.mode().title() + ": after",
            null,
            null,
            null,
            Table.Num.of(r.after().rssMiB(), 1),
            Table.Num.of(r.after().hwmMiB(), 1),
            Table.Num.of(r.after().anonMiB(), 1));
      }
      t.row(
          "controller",
          Table.Num.of(controllerProbeMs, 0),
          controllerCpuMs,
          Table.Num.of(controllerIdle.rssMiB(), 1),
          Table.Num.of(controllerAfter.rssMiB(), 1),
          Table.Num.of(controllerAfter.hwmMiB(), 1),
          Table.Num.of(controllerAfter.anonMiB(), 1));
      if (controllerSsh > 0) {
        t.row(
            "controller's ssh to the storage host (" + controllerSsh + " processes)",
            null,
            null,
            null,
            Table.Num.of(controllerSshMemory.rssMiB(), 1),
            Table.Num.of(controllerSshMemory.hwmMiB(), 1),
            Table.Num.of(controllerSshMemory.anonMiB(), 1));
      }
      if (sshAfterStop > 0) {
        t.note(
            sshAfterStop
                + " ssh process(es) of the controller were still running after it stopped.");
      }
      t.note(
          "start->probe: from just before scripts/mooring is spawned to the first successful Probe"
              + " (polled every "
              + Plugin.POLL.toMillis()
              + " ms); idle: "
              + NodeTrial.IDLE_MS
              + " ms after that; after: node once every volume is unstaged again (a node plugin per"
              + " node mode; the first one's starts are shown), controller after all provisioning;"
              + " peak = VmHWM.");
      return t;
    }
  }

  // ---- output ---------------------------------------------------------------------------------

  private void report() throws IOException {
    StringBuilder text = new StringBuilder();
    text.append("Mooring benchmark  ")
        .append(meta.get("started"))
        .append("  ")
        .append(meta.get("host"))
        .append("  (")
        .append(meta.get("cpus"))
        .append(" cpus, ")
        .append(meta.get("memory"))
        .append(")\n");
    text.append("run: ").append(meta.get("run")).append('\n').append('\n');
    for (Table t : tables) {
      text.append(t.render()).append('\n');
    }
    if (!failures.isEmpty()) {
      text.append("FAILED sections:\n");
      failures.forEach(f -> text.append("  ").append(f).append('\n'));
    }
    System.out.print(text);
    System.out.flush();

    try (var old = Files.newDirectoryStream(o.out(), "*.{csv,json,txt}")) {
      for (Path p : old) {
        Files.delete(p);
      }
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("meta", meta);
    Map<String, Object> byId = new LinkedHashMap<>();
    for (Table t : tables) {
      Files.writeString(o.out().resolve(t.id() + ".csv"), t.csv());
      byId.put(t.id(), t.json());
    }
    json.put("tables", byId);
    Files.writeString(o.out().resolve("results.json"), JsonWriter.write(json));
    Files.writeString(o.out().resolve("report.txt"), text);
    Progress.say(
        "wrote %s/{results.json,report.txt,%s}",
        o.out(), String.join(",", tables.stream().map(t -> t.id() + ".csv").toList()));
  }

  private void describeMachine() {
    meta.put("started", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    try {
      meta.put("host", InetAddress.getLocalHost().getHostName());
    } catch (IOException e) {
      meta.put("host", "?");
    }
    meta.put("cpus", Runtime.getRuntime().availableProcessors());
    meta.put("memory", firstLine("/proc/meminfo").replaceAll("MemTotal:\\s*", "").strip());
    meta.put("kernel", firstLine("/proc/sys/kernel/osrelease"));
    meta.put(
        "java",
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    if (o.gluster() != null) {
      meta.put("gluster", output(List.of("gluster", "--version")).lines().findFirst().orElse("?"));
    }
    if (o.ceph() != null) {
      meta.put("ceph", output(List.of("ceph", "--version")).strip());
    }
    String commit =
        output(List.of("git", "-C", o.root().toString(), "rev-parse", "--short", "HEAD")).strip();
    meta.put(
        "commit",
        commit.isEmpty()
            ? "unknown (not a git checkout)"
            : commit
                + (output(
                            List.of(
                                "git",
                                "-C",
                                o.root().toString(),
                                "status",
                                "--porcelain",
                                "--untracked-files=no"))
                        .isBlank()
                    ? ""
                    : " (with uncommitted changes)"));
    String sections =
        o.scale() > 0
            ? "--scale: " + o.scale() + " volumes per backend (the scale section alone)"
            : (o.quick() ? "--quick, " : "")
                + "N="
                + o.n()
                + " per level (a level makes max(N, concurrency)),"
                + " concurrency "
                + o.concurrency()
                + ", node volumes "
                + o.nodeVolumes()
                + ", node starts "
                + o.starts();
    meta.put(
        "run",
        sections
            + (o.gluster() == null
                ? ""
                : ", Gluster volume "
                    + o.gluster().server()
                    + ":/"
                    + o.gluster().volume()
                    + " managed over ssh")
            + (o.ceph() == null ? "" : ", CephFS " + o.ceph().fs() + " at " + o.ceph().monitors()));
    meta.put("load average at start", Procs.loadavg());
  }

  private static String firstLine(String file) {
    try {
      return Files.readAllLines(Path.of(file)).get(0).strip();
    } catch (IOException | IndexOutOfBoundsException e) {
      return "?";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String output(List<String> argv) {
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      String out;
      try (InputStream in = p.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : "";
    } catch (IOException e) {
      return "?";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }
}
