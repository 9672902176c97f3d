package io.mooring.tools.bench;

import io.mooring.app.CdsTraining;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Section 4: the node plugin's footprint and start-up under other JVM flags. Each flag set is a
 * {@link NodeTrial}: three starts (median time to first Probe, median idle RSS), then the node run,
 * then the RSS after it. Also: an AppCDS archive made by a training run, and a census of the
 * classes loaded by the first Probe.
 */
final class JvmExperiments {

  /** The plugins' JVM flags: the one file scripts/mooring, the image and this benchmark use. */
  static final String OPTIONS = "app/jvm.options";

  /** The defaults before the footprint work: the baseline of the ladder in {@link #variants}. */
  static final String BEFORE =
      "-XX:+UseSerialGC -Xms8m -Xmx96m -XX:TieredStopAtLevel=1"
          + " -XX:ReservedCodeCacheSize=24m -XX:MaxMetaspaceSize=80m";

  private static final String NETTY = "-Dio.grpc.netty.shaded.io.netty.";

  /**
   * One flag set.
   *
   * @param opts MOORING_JAVA_OPTS, or null for the launcher's own defaults
   * @param direct run java without the launcher
   */
  record Variant(String name, String opts, Map<String, String> env, boolean direct) {

    String shown() {
      String o =
          opts == null ? "(launcher defaults: " + OPTIONS + " and its AppCDS archive)" : opts;
      if (!env.isEmpty()) {
        o =
            env.entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue())
                    .reduce((a, b) -> a + " " + b)
                    .get()
                + " "
                + o;
      }
      return o;
    }
  }

  record Row(Variant variant, NodeTrial.Result result, String error) {}

  private JvmExperiments() {}

  /** grpc-netty's pooled direct buffers (2 MiB chunks per arena) replaced by unpooled ones. */
  static final String UNPOOLED =
      "-Dio.grpc.netty.useCustomAllocator=false " + NETTY + "allocator.type=unpooled";

  /**
   * Netty's JFR buffer events: about a hundred jdk.jfr classes with pooled buffers, a dozen
   * without.
   */
  static final String NO_JFR = NETTY + "jfr.enabled=false";

  /** Let the serial collector give heap back after a collection. */
  static final String HEAP = "-XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20";

  /**
   * The launcher's defaults; then a ladder from the old defaults, one lever per rung, to the new
   * ones, so each row shows what its lever bought; then the levers that were tried and left out.
   */
  static List<Variant> variants(String defaults, Path cds) {
    String archive = " -XX:SharedArchiveFile=" + cds;
    List<Variant> v = new ArrayList<>();
    v.add(new Variant("launcher defaults (with its AppCDS archive)", null, Map.of(), false));
    v.add(new Variant("defaults, java without the launcher (no AppCDS)", defaults, Map.of(), true));
    v.add(
        new Variant(
            "no flags (JVM ergonomics: G1, 1/4 of RAM)",
            "-Dmooring.bench=ergonomics",
            Map.of(),
            false));
    String unpooled = BEFORE + " " + UNPOOLED;
    String heap = unpooled.replace("-Xms8m", "-Xms4m") + " " + HEAP;
    v.add(new Variant("old defaults", BEFORE, Map.of(), false));
    v.add(new Variant("+ netty unpooled buffers", unpooled, Map.of(), false));
    v.add(new Variant("+ heap free ratio 10-20%, -Xms4m", heap, Map.of(), false));
    v.add(
        new Variant(
            "+ CompileThresholdScaling=10 (= defaults)",
            heap + " -XX:CompileThresholdScaling=10",
            Map.of(),
            false));
    v.add(
        new Variant("+ AppCDS archive (= launcher defaults)", defaults + archive, Map.of(), false));
    v.add(new Variant("defaults + netty JFR events off", defaults + " " + NO_JFR, Map.of(), false));
    v.add(
        new Variant(
            "defaults + MALLOC_ARENA_MAX=2", defaults, Map.of("MALLOC_ARENA_MAX", "2"), false));
    v.add(
        new Variant(
            "defaults + CICompilerCount=1", defaults + " -XX:CICompilerCount=1", Map.of(), false));
    v.add(
        new Variant(
            "defaults + -XX:-UsePerfData", defaults + " -XX:-UsePerfData", Map.of(), false));
    v.add(
        new Variant(
            "defaults + AppCDS + TrimNativeHeapInterval=1000 (17.0.9+)",
            defaults + " -XX:TrimNativeHeapInterval=1000" + archive,
            Map.of(),
            false));
    v.add(
        new Variant(
            "defaults + AppCDS + -Xint (no JIT)", defaults + archive + " -Xint", Map.of(), false));
    v.add(
        new Variant(
            "defaults + AppCDS mapped unrelocated (diagnostic flag)",
            defaults + archive + " -XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0",
            Map.of(),
            false));
    v.add(
        new Variant(
            "defaults + -Xshare:off (no CDS at all)", defaults + " -Xshare:off", Map.of(), false));
    return v;
  }

  /**
   * An AppCDS archive made the way the report recommends the launcher make it: {@link CdsTraining}
   * with the launcher's default flags, against the jar scripts/mooring runs.
   *
   * @return how long the training took, ms; NaN when no archive appeared
   */
  static double trainCds(Path root, Path archive) throws Exception {
    Files.deleteIfExists(archive);
    List<String> argv =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                root.resolve("app/target/mooring-all.jar").toString(),
                CdsTraining.class.getName(),
                archive.toString()));
    argv.add("@" + root.resolve(OPTIONS));
    Path log = archive.resolveSibling("cds-training.log");
    long t0 = System.nanoTime();
    Process p =
        new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(180, java.util.concurrent.TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    double ms = (System.nanoTime() - t0) / 1e6;
    if (Files.exists(archive)) {
      Progress.say(
          "  AppCDS archive %s: %.1f MiB, training took %.0f ms",
          archive, Files.size(archive) / 1048576.0, ms);
      return ms;
    }
    Progress.say("  AppCDS training wrote no archive: %s", Plugin.tail(log, 5));
    return Double.NaN;
  }

  static List<Row> run(
      NodeTrial.Context ctx,
      Plugin.Spec base,
      int starts,
      NodeBench.Workload workload,
      Path cds,
      List<Variant> variants) {
    List<Row> rows = new ArrayList<>();
    for (Variant v : variants) {
      Progress.say("JVM flags: %s", v.name());
      if (v.opts() != null && v.opts().contains("SharedArchiveFile") && !Files.exists(cds)) {
        rows.add(new Row(v, null, "no AppCDS archive"));
        continue;
      }
      try {
        rows.add(
            new Row(
                v,
                NodeTrial.run(ctx, base.withJava(v.opts(), v.env(), v.direct()), starts, workload),
                null));
      } catch (Exception e) {
        Progress.say("  failed: %s", e.getMessage());
        rows.add(
            new Row(
                v,
                null,
                e.getMessage() == null
                    ? e.toString()
                    : e.getMessage().lines().findFirst().orElse("")));
      }
    }
    return rows;
  }

  static Table table(List<Row> rows, int volumes) {
    Table t =
        new Table(
            "jvm-flags",
            "Node plugin: JVM flag sets (" + volumes + " volumes staged+published in the run)",
            "flag set",
            "start->probe ms",
            "CPU ms at probe",
            "idle RSS MiB",
            "idle anon MiB",
            "after RSS MiB",
            "peak RSS MiB",
            "publish p50 ms",
            "stage p50 ms",
            "errors",
            "flags");
    for (Row r : rows) {
      NodeTrial.Result x = r.result();
      if (x == null) {
        t.row(
            r.variant().name(),
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            r.variant().shown() + "  [" + r.error() + "]");
        continue;
      }
      NodeBench.Result b = x.bench();
      int errors = b == null ? 0 : b.errors().values().stream().mapToInt(Integer::intValue).sum();
      t.row(
          r.variant().name(),
          Table.Num.of(x.medianProbeMs(), 0),
          Table.Num.of(x.medianCpuMs(), 0),
          Table.Num.of(x.medianIdleRssMiB(), 1),
          Table.Num.of(x.medianIdleAnonMiB(), 1),
          Table.Num.of(x.after().rssMiB(), 1),
          Table.Num.of(x.after().hwmMiB(), 1),
          Table.Num.of(b == null ? Double.NaN : b.publish().p50(), 1),
          Table.Num.of(b == null ? Double.NaN : b.stage().p50(), 1),
          errors,
          r.variant().shown());
    }
    t.note(
        "start->probe, CPU at probe, idle RSS: medians of "
            + "the starts; idle = "
            + NodeTrial.IDLE_MS
            + " ms after the first Probe. after = once every volume is unpublished and unstaged;"
            + " peak = VmHWM.");
    t.note(
        "anon = RssAnon (heap, metaspace, code, malloc); the rest of RSS is file-backed (libjvm,"
            + " the CDS archive, the jar), shared and reclaimable.");
    return t;
  }

  /**
   * Starts the node plugin once with class-load logging and counts, by library, the classes loaded
   * by the first Probe and where they came from (CDS archive or jar).
   */
  static Table classCensus(NodeTrial.Context ctx, Plugin.Spec base, String opts, String label)
      throws Exception {
    Path log = ctx.work().resolve("classes-" + base.name() + ".txt");
    Files.deleteIfExists(log);
    Plugin.Spec spec = base.withJava(opts + " -Xlog:class+load=info:file=" + log, Map.of(), false);
    Plugin p = Plugin.start(ctx.root(), ctx.work(), spec, ctx.csi());
    List<String> lines;
    try {
      lines =
          Files.readAllLines(log, StandardCharsets.ISO_8859_1); // as it stands at the first Probe
    } finally {
      p.close();
    }
    Map<String, int[]> counts = census(lines);
    Table t =
        new Table(
            "node-classes",
            "Node plugin: classes loaded by the first Probe (" + label + ")",
            "library",
            "classes",
            "from CDS archive",
            "from jar/other");
    int[] total = new int[2];
    counts.forEach(
        (lib, c) -> {
          t.row(lib, c[0] + c[1], c[0], c[1]);
          total[0] += c[0];
          total[1] += c[1];
        });
    t.row("total", total[0] + total[1], total[0], total[1]);
    return t;
  }

  /** library -> {from a CDS archive, from elsewhere}, from -Xlog:class+load lines. Pure. */
  static Map<String, int[]> census(List<String> lines) {
    Map<String, int[]> out = new TreeMap<>();
    for (String line : lines) {
      int tag = line.indexOf("[class,load] ");
      if (tag < 0) {
        continue;
      }
      String rest = line.substring(tag + "[class,load] ".length());
      int space = rest.indexOf(' ');
      String cls = space < 0 ? rest : rest.substring(0, space);
      boolean shared = rest.contains("source: shared objects file");
      int[] c = out.computeIfAbsent(library(cls), k -> new int[2]);
      c[shared ? 0 : 1]++;
    }
    return out;
  }

  private static final Map<String, String> LIBRARIES = new LinkedHashMap<>();

  static {
    LIBRARIES.put("io.grpc.netty.shaded.", "netty + grpc-netty (shaded)");
    LIBRARIES.put("io.grpc.", "grpc");
    LIBRARIES.put("com.google.protobuf.", "protobuf");
    LIBRARIES.put("com.google.common.", "guava");
    LIBRARIES.put("com.google.", "other com.google");
    LIBRARIES.put("csi.v1.", "CSI stubs (csi.v1)");
    LIBRARIES.put("io.mooring.", "mooring");
    LIBRARIES.put("ch.qos.logback.", "logback");
    LIBRARIES.put("org.slf4j.", "slf4j");
    LIBRARIES.put("picocli.", "picocli");
    LIBRARIES.put("io.prometheus.", "prometheus");
    LIBRARIES.put("org.yaml.", "snakeyaml");
    LIBRARIES.put("com.sun.jna.", "jna");
    LIBRARIES.put("java.", "JDK");
    LIBRARIES.put("javax.", "JDK");
    LIBRARIES.put("jdk.", "JDK");
    LIBRARIES.put("sun.", "JDK");
    LIBRARIES.put("com.sun.", "JDK");
  }

  static String library(String cls) {
    for (Map.Entry<String, String> e : LIBRARIES.entrySet()) {
      if (cls.startsWith(e.getKey())) {
        return e.getValue();
      }
    }
    return "other";
  }

  /** The launcher's JVM flags as scripts/mooring has them now (for the report's header). */
  /** The flags of {@link #OPTIONS} under {@code root}, on one line, without its comments. */
  static String defaults(Path root) throws IOException {
    return Files.readAllLines(root.resolve(OPTIONS)).stream()
        .map(line -> line.replaceAll("#.*", "").strip())
        .filter(line -> !line.isEmpty())
        .collect(java.util.stream.Collectors.joining(" "));
  }
}
