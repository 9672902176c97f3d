package io.mooring.tools.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The performance targets, judged against measured numbers. Pure; see TargetsTest. */
final class Targets {

  static final double PUBLISH_P50_MAX_MS = 20;
  static final double NODE_RSS_IDLE_MAX_MIB = 60;
  static final double NODE_RSS_AFTER_MAX_MIB = 96;
  static final double CONTROLLER_RSS_IDLE_MAX_MIB = 64;
  static final double START_TO_PROBE_MAX_MS = 1000;
  static final int CREATE_CONCURRENCY = 100;
  static final double SCALE_CREATE_RATIO_MAX = 1.2;
  static final double SCALE_LIST_MAX_MS = 1000;

  private Targets() {}

  enum Verdict {
    MET("met"),
    NOT_MET("NOT MET"),
    NOT_MEASURED("not measured"),
    INFORMATION("information");

    final String label;

    Verdict(String label) {
      this.label = label;
    }

    static Verdict of(boolean met) {
      return met ? MET : NOT_MET;
    }
  }

  record Target(String name, String goal, String measured, Verdict verdict) {}

  /** What a ratio goal compares: CreateVolume p50 (at most the limit) or creates/s (at least). */
  enum Measure {
    LATENCY,
    RATE
  }

  /**
   * One ratio goal of a backend: the driver against {@code baseline} at {@code concurrency}.
   *
   * @param limit the most (LATENCY) or least (RATE) times the baseline that meets it
   */
  record Goal(Measure measure, String baseline, int concurrency, double limit) {

    static Goal latency(String baseline, int concurrency, double limit) {
      return new Goal(Measure.LATENCY, baseline, concurrency, limit);
    }

    static Goal rate(String baseline, int concurrency, double limit) {
      return new Goal(Measure.RATE, baseline, concurrency, limit);
    }
  }

  /**
   * A goal with its numbers: p50 in ms or creates/s, NaN where a level did not run.
   *
   * @param driver the driver's number
   * @param baseline the baseline's number
   */
  record Ratio(Goal goal, double driver, double baseline) {}

  /**
   * The provisioning numbers of one backend; NaN (or a zero count) where they were not measured.
   *
   * @param createInFlight CreateVolume calls in flight at once in the zero-errors check
   * @param createCount CreateVolume calls made in that check
   * @param createErrors how many of them failed
   * @param ratios its goals, in order
   */
  record Provisioned(
      String backend, int createInFlight, int createCount, int createErrors, List<Ratio> ratios) {}

  /**
   * The numbers of one node mode's run; NaN (or a negative count) where it did not run.
   *
   * @param mode its title, e.g. glusterfs
   * @param shared whether its volumes are meant to share one FUSE client (judged), else one each
   *     (shown)
   * @param publishP50 NodePublishVolume p50, ms
   * @param nodeVolumes volumes published at once in the run
   * @param fuseClients FUSE client processes of the node plugin with all of them published
   * @param nodeRssAfterMiB node plugin RSS after the run
   */
  record NodeRun(
      String mode,
      boolean shared,
      double publishP50,
      int nodeVolumes,
      int fuseClients,
      double nodeRssAfterMiB) {

    static NodeRun none(String mode, boolean shared) {
      return new NodeRun(mode, shared, Double.NaN, 0, -1, Double.NaN);
    }
  }

  /**
   * The node plugin's numbers; NaN where they were not measured.
   *
   * @param runs one per node mode, in order
   * @param nodeRssIdleMiB node plugin RSS right after start (median of the starts)
   * @param startToProbeMs median time from spawn to first successful Probe
   * @param controllerRssIdleMiB controller RSS right after start, its backends connected
   */
  record Node(
      List<NodeRun> runs,
      double nodeRssIdleMiB,
      double startToProbeMs,
      double controllerRssIdleMiB) {}

  /**
   * The scale section's numbers of one backend; NaN where they were not measured.
   *
   * @param n volumes made; @param firstP50 CreateVolume p50 of the first volumes, ms
   * @param lastP50 CreateVolume p50 of the last volumes, at n, ms
   * @param pagedListMs ListVolumes of all n in pages of {@link Scale#PAGE}, ms in total
   */
  record Scaled(String backend, int n, double firstP50, double lastP50, double pagedListMs) {}

  /** The scale targets per backend, in the order given. */
  static List<Target> scale(List<Scaled> scaled) {
    List<Target> out = new ArrayList<>();
    for (Scaled in : scaled) {
      double ratio = Stats.ratio(in.lastP50(), in.firstP50());
      out.add(
          judged(
              in.backend()
                  + ": CreateVolume p50 at "
                  + in.n()
                  + " volumes vs the first "
                  + Scale.SAMPLE,
              "<= " + fmt(SCALE_CREATE_RATIO_MAX) + " x",
              ratio,
              String.format(
                  Locale.ROOT, "%.2f x (%.1f ms vs %.1f ms)", ratio, in.lastP50(), in.firstP50()),
              ratio <= SCALE_CREATE_RATIO_MAX));
      out.add(
          judged(
              in.backend()
                  + ": ListVolumes of "
                  + in.n()
                  + " volumes in pages of "
                  + Scale.PAGE
                  + ", in total",
              "<= " + fmt(SCALE_LIST_MAX_MS / 1000) + " s",
              in.pagedListMs(),
              String.format(Locale.ROOT, "%.3f s", in.pagedListMs() / 1000),
              in.pagedListMs() <= SCALE_LIST_MAX_MS));
    }
    return out;
  }

  /**
   * Provisioning targets per backend, in the order given, then the node targets: per node mode,
   * then the plugin's.
   */
  static List<Target> evaluate(List<Provisioned> provisioning, Node node) {
    List<Target> out = new ArrayList<>();
    provisioning.forEach(p -> provisioning(p, out));
    node(node, out);
    return out;
  }

  private static void provisioning(Provisioned in, List<Target> out) {
    String createName =
        in.backend()
            + ": "
            + CREATE_CONCURRENCY
            + " concurrent CreateVolume (distinct names): zero"
            + " errors";
    if (in.createCount() <= 0) {
      out.add(missing(createName, "0 errors"));
    } else {
      String measured =
          in.createErrors()
              + " errors in "
              + in.createCount()
              + " calls, "
              + in.createInFlight()
              + " in flight";
      boolean enough = in.createInFlight() >= CREATE_CONCURRENCY;
      out.add(
          new Target(
              createName,
              "0 errors",
              enough
                  ? measured
                  : measured + " (fewer than " + CREATE_CONCURRENCY + " in flight: not judged)",
              enough ? Verdict.of(in.createErrors() == 0) : Verdict.NOT_MEASURED));
    }

    in.ratios().forEach(r -> out.add(ratio(in.backend(), r)));
  }

  private static Target ratio(String backend, Ratio r) {
    Goal g = r.goal();
    boolean latency = g.measure() == Measure.LATENCY;
    double ratio = Stats.ratio(r.driver(), r.baseline());
    return judged(
        backend
            + (latency ? ": driver CreateVolume p50 vs " : ": driver creates/s vs ")
            + g.baseline()
            + ", concurrency "
            + g.concurrency(),
        (latency ? "<= " : ">= ") + fmt(g.limit()) + " x " + g.baseline(),
        ratio,
        String.format(
            Locale.ROOT,
            latency ? "%.2f x (%.1f ms vs %.1f ms)" : "%.2f x (%.1f/s vs %.1f/s)",
            ratio,
            r.driver(),
            r.baseline()),
        latency ? ratio <= g.limit() : ratio >= g.limit());
  }

  private static void node(Node in, List<Target> out) {
    in.runs().forEach(run -> nodeRun(run, out));
    out.add(
        judged(
            "node plugin RSS idle, with --metrics-address",
            "<= " + fmt(NODE_RSS_IDLE_MAX_MIB) + " MiB",
            in.nodeRssIdleMiB(),
            String.format(Locale.ROOT, "%.1f MiB", in.nodeRssIdleMiB()),
            in.nodeRssIdleMiB() <= NODE_RSS_IDLE_MAX_MIB));
    out.add(
        judged(
            "node plugin start to first Probe (median)",
            "<= " + fmt(START_TO_PROBE_MAX_MS / 1000) + " s",
            in.startToProbeMs(),
            String.format(Locale.ROOT, "%.3f s", in.startToProbeMs() / 1000),
            in.startToProbeMs() <= START_TO_PROBE_MAX_MS));
    out.add(
        judged(
            "controller RSS idle, its backends connected",
            "<= " + fmt(CONTROLLER_RSS_IDLE_MAX_MIB) + " MiB",
            in.controllerRssIdleMiB(),
            String.format(Locale.ROOT, "%.1f MiB", in.controllerRssIdleMiB()),
            in.controllerRssIdleMiB() <= CONTROLLER_RSS_IDLE_MAX_MIB));
  }

  /**
   * Publish latency and plugin memory are judged in every mode; FUSE clients where the volumes are
   * meant to share one (a mode with a client per key shows its count as information).
   */
  private static void nodeRun(NodeRun in, List<Target> out) {
    out.add(
        judged(
            in.mode() + ": NodePublishVolume p50",
            "<= " + fmt(PUBLISH_P50_MAX_MS) + " ms",
            in.publishP50(),
            String.format(Locale.ROOT, "%.1f ms", in.publishP50()),
            in.publishP50() <= PUBLISH_P50_MAX_MS));

    String fuseName = in.mode() + ": FUSE clients for the published volumes";
    String goal = in.shared() ? "exactly 1" : "information: one per volume key";
    if (in.fuseClients() < 0 || in.nodeVolumes() <= 0) {
      out.add(missing(fuseName, goal));
    } else {
      out.add(
          new Target(
              fuseName,
              goal,
              in.fuseClients() + " for " + in.nodeVolumes() + " volumes",
              in.shared() ? Verdict.of(in.fuseClients() == 1) : Verdict.INFORMATION));
    }

    out.add(
        judged(
            in.mode() + ": node plugin RSS after the run",
            "<= " + fmt(NODE_RSS_AFTER_MAX_MIB) + " MiB",
            in.nodeRssAfterMiB(),
            String.format(Locale.ROOT, "%.1f MiB", in.nodeRssAfterMiB()),
            in.nodeRssAfterMiB() <= NODE_RSS_AFTER_MAX_MIB));
  }

  private static Target judged(
      String name, String goal, double value, String measured, boolean met) {
    if (Double.isNaN(value)) {
      return missing(name, goal);
    }
    return new Target(name, goal, measured, Verdict.of(met));
  }

  private static Target missing(String name, String goal) {
    return new Target(name, goal, "-", Verdict.NOT_MEASURED);
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

  static Table table(List<Target> targets) {
    Table t = new Table("targets", "Targets", "target", "goal", "measured", "verdict");
    targets.forEach(x -> t.row(x.name(), x.goal(), x.measured(), x.verdict().label));
    return t;
  }
}
