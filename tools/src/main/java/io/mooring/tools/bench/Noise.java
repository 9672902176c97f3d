package io.mooring.tools.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What else the machine did while the benchmark ran. Samples /proc every 2 s, so that processes
 * that start and end during the run (a CI build, another test suite) are counted too; the CPU of
 * processes shorter than that (CLI calls, mostly the benchmark's own) is only in the remainder.
 */
final class Noise implements AutoCloseable {

  private static final long SAMPLE_MS = 2000;
  private static final String OURS =
      "benchmark (bench JVM, plugins, its CLI calls, FUSE clients, bricks, Ceph)";
  private static final String KERNEL = "kernel threads";
  private static final String GLUSTER =
      "gluster: glusterd, daemons of other volumes, gsyncd --version of CLI calls";
  private static final String OTHER = "other processes";

  /** One process as sampled: CPU ticks when first and last seen. */
  private static final class Seen {
    final Procs.Proc first;
    Procs.Proc last;
    final long baseline;

    Seen(Procs.Proc p, long baseline) {
      this.first = p;
      this.last = p;
      this.baseline = baseline;
    }
  }

  private final Map<String, Seen> seen = new ConcurrentHashMap<>();
  private final long[] machineBefore;
  private final long startNanos = System.nanoTime();
  private final String loadBefore;
  private final Thread sampler;
  private final Set<String> ours;
  private volatile boolean running = true;

  /**
   * @param ours command-line fragments that mark the benchmark's own processes (work dir, volume)
   */
  Noise(Set<String> ours) {
    this.ours = ours;
    machineBefore = Procs.machineTicks();
    loadBefore = Procs.loadavg();
    sample(true);
    sampler =
        new Thread(
            () -> {
              while (running) {
                try {
                  Thread.sleep(SAMPLE_MS);
                } catch (InterruptedException e) {
                  return;
                }
                sample(false);
              }
            },
            "bench-noise");
    sampler.setDaemon(true);
    sampler.start();
  }

  private void sample(boolean initial) {
    for (Procs.Proc p : Procs.all()) {
      // Seen first at the start: count from here. Seen first later: it started during the run.
      seen.compute(
          p.key(),
          (k, s) -> {
            if (s == null) {
              return new Seen(p, initial ? p.cpuTicks() : 0);
            }
            s.last = p;
            return s;
          });
    }
  }

  @Override
  public void close() {
    running = false;
    sampler.interrupt();
  }

  Table finish() {
    close();
    sample(false);
    long[] machine = Procs.machineTicks();
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    double busy = (machine[0] - machineBefore[0]) / (double) Procs.CLOCK_TICKS_PER_SECOND;
    int cores = Runtime.getRuntime().availableProcessors();
    long self = ProcessHandle.current().pid();
    Map<String, Double> byClass = new TreeMap<>();
    Map<String, Double> others = new HashMap<>();
    for (Seen s : seen.values()) {
      long ticks = s.last.cpuTicks() - s.baseline;
      if (ticks <= 0) {
        continue;
      }
      double cpu = ticks / (double) Procs.CLOCK_TICKS_PER_SECOND;
      String cls = classify(s.last, self);
      byClass.merge(cls, cpu, Double::sum);
      if (cls.equals(OTHER)) {
        String cmd = s.last.cmdline();
        others.merge(cmd.length() > 90 ? cmd.substring(0, 90) + "..." : cmd, cpu, Double::sum);
      }
    }
    double attributed = byClass.values().stream().mapToDouble(Double::doubleValue).sum();
    double capacity = seconds * cores;
    Table t =
        new Table(
            "noise",
            String.format(
                Locale.ROOT,
                "Machine load during the benchmark (%d cores, %.0f s)",
                cores,
                seconds),
            "what",
            "CPU s",
            "share of machine");
    t.row("whole machine (busy)", Table.Num.of(busy, 1), Table.Num.of(busy / capacity, 2));
    for (String cls : List.of(OURS, GLUSTER, OTHER, KERNEL)) {
      double cpu = byClass.getOrDefault(cls, 0.0);
      t.row(cls, Table.Num.of(cpu, 1), Table.Num.of(cpu / capacity, 2));
      if (cls.equals(OTHER)) {
        List<Map.Entry<String, Double>> top = new ArrayList<>(others.entrySet());
        top.sort(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()));
        for (Map.Entry<String, Double> e : top.subList(0, Math.min(5, top.size()))) {
          t.row(
              "  " + e.getKey(),
              Table.Num.of(e.getValue(), 1),
              Table.Num.of(e.getValue() / capacity, 2));
        }
      }
    }
    double rest = Math.max(0, busy - attributed);
    t.row(
        "processes shorter than " + SAMPLE_MS / 1000 + " s (mostly the benchmark's CLI calls)",
        Table.Num.of(rest, 1),
        Table.Num.of(rest / capacity, 2));
    t.note("load average before: " + loadBefore + ", after: " + Procs.loadavg() + ".");
    return t;
  }

  private String classify(Procs.Proc p, long self) {
    if (p.pid() == self || ours.stream().anyMatch(o -> p.cmdline().contains(o))) {
      return OURS;
    }
    if (p.cmdline().isEmpty()) {
      return KERNEL;
    }
    if (p.comm().startsWith("gluster") || p.cmdline().contains("/glusterfs/")) {
      return GLUSTER;
    }
    return OTHER;
  }
}
