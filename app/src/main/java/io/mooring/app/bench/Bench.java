package io.mooring.app.bench;

import csi.v1.ControllerGrpc;
import csi.v1.Csi.DeleteVolumeRequest;
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
import java.util.concurrent.TimeUnit;

/**
 * The benchmark (issue "Benchmarks"), run by scripts/bench against a local GlusterFS volume:
 * <ol>
 *   <li>provisioning through the controller plugin's socket against the raw CLI baseline;
 *   <li>node: stage/publish latency, FUSE clients and their memory;
 *   <li>footprint: plugin RSS and time from spawn to first Probe;
 *   <li>(--jvm-flags) the node plugin under other JVM flags.
 * </ol>
 * Prints tables on stdout (progress on stderr) and writes them as CSV and JSON to --out. Exit code
 * 0 when every section ran, 1 when one failed, 2 for bad arguments, 3 with --strict when a target
 * was not met.
 */
public final class Bench {

  private static final long VOLUME_BYTES = 2L << 20;
  private static final String BACKEND = "bench";

  private final BenchOptions o;
  private final Map<String, Object> meta = new LinkedHashMap<>();
  private final List<Table> tables = new ArrayList<>();
  private final List<String> failures = new ArrayList<>();
  private final String runId = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
  private Table overheads;

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
    try (Noise noise = new Noise(java.util.Set.of(o.work().toString(), o.glusterVolume()))) {
      return run(noise);
    }
  }

  private int run(Noise noise) throws Exception {
    describeMachine();
    Path backends = Files.writeString(o.work().resolve("backends.yaml"), """
        backends:
          - name: %s
            type: glusterfs
            servers: [%s]
            volume: %s
            basePath: /mooring
        """.formatted(BACKEND, o.glusterServer(), o.glusterVolume()));
    String metrics = "127.0.0.1:" + freePort();

    Footprint footprint = new Footprint();
    List<Provisioning.Level> levels = List.of();
    NodeTrial.Result node = null;
    try (Csi csi = new Csi()) {
      Progress.say("starting the controller plugin (scripts/mooring controller)");
      Plugin.Spec controllerSpec = new Plugin.Spec("controller", "controller", List.of("--backends", backends.toString(),
          "--state-dir", o.work().resolve("controller-state").toString(), "--metrics-address", metrics),
          null, Map.of(), false);
      try (Plugin controller = Plugin.start(o.root(), o.work(), controllerSpec, csi)) {
        Thread.sleep(NodeTrial.IDLE_MS);
        footprint.controllerStart(controller);
        ControllerGrpc.ControllerBlockingStub stub = ControllerGrpc.newBlockingStub(controller.channel());

        if (o.provisioning()) {
          List<Provisioning.Level> measured = section("1 provisioning", () -> provisioning(controller.channel(), metrics));
          levels = measured == null ? List.of() : measured;
        }

        List<Volume> nodeVolumes = section("node volumes", () -> createNodeVolumes(stub));
        Path stateDir = o.work().resolve("node-state");
        Files.createDirectories(stateDir);
        NodeTrial.Context ctx = new NodeTrial.Context(o.root(), o.work(), csi, o.work().resolve("kubelet"), stateDir);
        Plugin.Spec nodeSpec = new Plugin.Spec("node", "node", List.of("--node-id", "bench-node",
            "--state-dir", stateDir.toString()), null, Map.of(), false);
        if (nodeVolumes != null) {
          Progress.say("2+3 node plugin: %d starts, then stage+publish %d volumes", o.starts(), nodeVolumes.size());
          node = section("2 node", () -> NodeTrial.run(ctx, nodeSpec, o.starts(), nodeVolumes));
          if (o.jvm()) {
            section("4 JVM flags", () -> jvm(ctx, nodeSpec, nodeVolumes));
          }
          section("delete node volumes", () -> deleteNodeVolumes(stub, nodeVolumes));
        }
        footprint.controllerAfter(controller);
      }
    }

    if (!levels.isEmpty()) {
      tables.add(Provisioning.table(levels));
      int low = Collections.min(o.concurrency());
      int high = Collections.max(o.concurrency());
      tables.add(Provisioning.ratios(levels, low, high));
      tables.add(Provisioning.breakdown(levels));
      if (overheads != null) {
        tables.add(overheads);
      }
      Table errors = Provisioning.errors(levels);
      if (!errors.rows().isEmpty()) {
        tables.add(errors);
      }
    }
    if (node != null) {
      tables.add(NodeBench.latencyTable(node.bench(), o.nodeVolumes()));
      tables.add(NodeBench.fuseTable(node.bench()));
    }
    tables.add(footprint.table(node));
    List<Targets.Target> targets = Targets.evaluate(targetInputs(levels, node));
    tables.add(Targets.table(targets));
    int jvmAt = tables.indexOf(tables.stream().filter(t -> t.id().equals("jvm-flags")).findFirst().orElse(null));
    if (jvmAt >= 0) { // experiments after the targets
      tables.add(tables.remove(jvmAt));
      tables.stream().filter(t -> t.id().equals("node-classes")).findFirst().ifPresent(t -> {
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

  private List<Provisioning.Level> provisioning(io.grpc.Channel channel, String metrics) throws Exception {
    Path mount = o.work().resolve("raw-mount");
    Files.createDirectories(mount);
    Progress.say("1 provisioning: mounting %s:/%s at %s for the raw baseline", o.glusterServer(), o.glusterVolume(),
        mount);
    if (exec(List.of("mount", "-t", "glusterfs", o.glusterServer() + ":/" + o.glusterVolume(), mount.toString())) != 0) {
      throw new IllegalStateException("cannot mount the Gluster volume for the raw baseline");
    }
    try {
      Provisioning p = new Provisioning(channel, BACKEND, metrics, mount, o.glusterVolume(), VOLUME_BYTES, runId);
      List<Provisioning.Level> levels = p.run(o.concurrency(), o.n(), o.quick());
      overheads = p.overheadTable();
      return levels;
    } finally {
      if (exec(List.of("umount", mount.toString())) != 0) {
        exec(List.of("umount", "-l", mount.toString()));
      }
    }
  }

  private List<Volume> createNodeVolumes(ControllerGrpc.ControllerBlockingStub stub) throws Exception {
    Progress.say("creating %d volumes for the node run (not measured)", o.nodeVolumes());
    Volume[] out = new Volume[o.nodeVolumes()];
    Load.Result r = Load.run(10, o.nodeVolumes(), i -> out[i] = stub.withDeadlineAfter(600, TimeUnit.SECONDS)
        .createVolume(Csi.create("bench-" + runId + "-node-" + i, VOLUME_BYTES)).getVolume());
    if (r.summary().errors() > 0) {
      throw new IllegalStateException("could not create the node run's volumes: " + r.errorText());
    }
    return List.of(out);
  }

  private Void deleteNodeVolumes(ControllerGrpc.ControllerBlockingStub stub, List<Volume> volumes) throws Exception {
    Load.Result r = Load.run(10, volumes.size(), i -> stub.withDeadlineAfter(600, TimeUnit.SECONDS)
        .deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(volumes.get(i).getVolumeId()).build()));
    if (r.summary().errors() > 0) {
      throw new IllegalStateException("could not delete the node run's volumes: " + r.errorText());
    }
    return null;
  }

  private Void jvm(NodeTrial.Context ctx, Plugin.Spec nodeSpec, List<Volume> volumes) throws Exception {
    String launcher = JvmExperiments.launcherDefaults(o.root());
    meta.put("launcher default JVM flags", launcher);
    if (!launcher.equals(JvmExperiments.DEFAULT)) {
      Progress.say("warning: scripts/mooring's defaults (%s) differ from the experiments' baseline (%s)", launcher,
          JvmExperiments.DEFAULT);
    }
    Path cds = o.work().resolve("node-cds.jsa");
    Progress.say("4 JVM flags: AppCDS training (CdsTraining)");
    double trainMs = JvmExperiments.trainCds(o.root(), cds);
    meta.put("AppCDS archive MiB", Files.exists(cds) ? Math.round(Files.size(cds) / 104857.6) / 10.0 : null);
    meta.put("AppCDS training ms", Double.isNaN(trainMs) ? null : Math.round(trainMs));
    tables.add(JvmExperiments.classCensus(ctx, nodeSpec.rename("node-classes"), JvmExperiments.DEFAULT,
        "launcher defaults"));
    List<JvmExperiments.Row> rows = JvmExperiments.run(ctx, nodeSpec, o.starts(), volumes, cds,
        JvmExperiments.variants(cds));
    tables.add(JvmExperiments.table(rows, volumes.size()));
    return null;
  }

  private Targets.Inputs targetInputs(List<Provisioning.Level> levels, NodeTrial.Result node) {
    int low = Collections.min(o.concurrency());
    int high = Collections.max(o.concurrency());
    Provisioning.Level highDriver = Provisioning.find(levels, Provisioning.DRIVER, high);
    int inFlight = highDriver == null ? 0 : Math.min(highDriver.concurrency(), highDriver.n());
    int count = highDriver == null ? 0 : highDriver.create().summary().count();
    int errors = highDriver == null ? 0 : highDriver.create().summary().errors();
    NodeBench.Result b = node == null ? null : node.bench();
    NodeBench.Fuse all = b == null ? null : b.fuseAt(o.nodeVolumes() + " published");
    return new Targets.Inputs(inFlight, count, errors,
        Provisioning.value(Provisioning.find(levels, Provisioning.DRIVER, low), true, true),
        Provisioning.value(Provisioning.find(levels, Provisioning.RAW, low), true, true),
        Provisioning.value(highDriver, true, false),
        Provisioning.value(Provisioning.find(levels, Provisioning.RAW_RETRY, high), true, false), high,
        b == null ? Double.NaN : b.publish().p50(), all == null ? 0 : all.published(), all == null ? -1 : all.clients(),
        node == null ? Double.NaN : node.medianIdleRssMiB(), node == null ? Double.NaN : node.after().rssMiB(),
        node == null ? Double.NaN : node.medianProbeMs());
  }

  // ---- footprint (section 3) --------------------------------------------------------------------

  /** Controller numbers gathered along the way; node numbers come from the node trial. */
  private static final class Footprint {
    double controllerProbeMs = Double.NaN;
    long controllerCpuMs = -1;
    Procs.Memory controllerIdle = Procs.Memory.NONE;
    Procs.Memory controllerAfter = Procs.Memory.NONE;

    void controllerStart(Plugin p) {
      controllerProbeMs = p.startToProbeMs();
      controllerCpuMs = p.cpuMsAtProbe();
      controllerIdle = p.memory();
      Progress.say("  controller: first Probe after %.0f ms, idle RSS %.1f MiB", controllerProbeMs,
          controllerIdle.rssMiB());
    }

    void controllerAfter(Plugin p) {
      controllerAfter = p.memory();
    }

    Table table(NodeTrial.Result node) {
      Table t = new Table("footprint", "Footprint (launcher defaults)", "plugin", "start->probe ms", "CPU ms at probe",
          "idle RSS MiB", "after RSS MiB", "peak RSS MiB", "after anon MiB");
      if (node != null) {
        for (int i = 0; i < node.starts().size(); i++) {
          NodeTrial.Start s = node.starts().get(i);
          t.row("node, start " + (i + 1), Table.Num.of(s.probeMs(), 0), s.cpuMs(), Table.Num.of(s.idle().rssMiB(), 1),
              null, null, null);
        }
        t.row("node (median)", Table.Num.of(node.medianProbeMs(), 0), Table.Num.of(node.medianCpuMs(), 0),
            Table.Num.of(node.medianIdleRssMiB(), 1), Table.Num.of(node.after().rssMiB(), 1),
            Table.Num.of(node.after().hwmMiB(), 1), Table.Num.of(node.after().anonMiB(), 1));
        if (node.bench() != null) {
          t.row("node, all volumes published", null, null, null, Table.Num.of(node.bench().pluginAllPublished().rssMiB(), 1),
              null, Table.Num.of(node.bench().pluginAllPublished().anonMiB(), 1));
        }
      }
      t.row("controller", Table.Num.of(controllerProbeMs, 0), controllerCpuMs, Table.Num.of(controllerIdle.rssMiB(), 1),
          Table.Num.of(controllerAfter.rssMiB(), 1), Table.Num.of(controllerAfter.hwmMiB(), 1),
          Table.Num.of(controllerAfter.anonMiB(), 1));
      t.note("start->probe: from just before scripts/mooring is spawned to the first successful Probe (polled every "
          + Plugin.POLL.toMillis() + " ms); idle: " + NodeTrial.IDLE_MS + " ms after that; after: node once every volume"
          + " is unstaged again, controller after all provisioning; peak = VmHWM.");
      return t;
    }
  }

  // ---- output ---------------------------------------------------------------------------------

  private void report() throws IOException {
    StringBuilder text = new StringBuilder();
    text.append("Mooring benchmark  ").append(meta.get("started")).append("  ").append(meta.get("host"))
        .append("  (").append(meta.get("cpus")).append(" cpus, ").append(meta.get("memory")).append(")\n");
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
    Files.writeString(o.out().resolve("results.json"), Json.write(json));
    Files.writeString(o.out().resolve("report.txt"), text);
    Progress.say("wrote %s/{results.json,report.txt,%s}", o.out(),
        String.join(",", tables.stream().map(t -> t.id() + ".csv").toList()));
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
    meta.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    meta.put("gluster", output(List.of("gluster", "--version")).lines().findFirst().orElse("?"));
    String commit = output(List.of("git", "-C", o.root().toString(), "rev-parse", "--short", "HEAD")).strip();
    meta.put("commit", commit.isEmpty() ? "unknown (not a git checkout)" : commit
        + (output(List.of("git", "-C", o.root().toString(), "status", "--porcelain", "--untracked-files=no")).isBlank()
            ? "" : " (with uncommitted changes)"));
    meta.put("run", (o.quick() ? "--quick, " : "") + "N=" + o.n() + " per level (a level makes max(N, concurrency)),"
        + " concurrency " + o.concurrency() + ", node volumes " + o.nodeVolumes() + ", node starts " + o.starts()
        + ", volume " + o.glusterServer() + ":/" + o.glusterVolume());
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

  private static int exec(List<String> argv) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", argv) + " timed out");
    }
    if (p.exitValue() != 0) {
      Progress.say("%s: exit %d: %s", String.join(" ", argv), p.exitValue(), out.strip());
    }
    return p.exitValue();
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
