package io.mooring.tools.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a node plugin several times (each timed to its first Probe, its RSS read after an idle
 * pause), keeps the last one, runs the node benchmark on it and reads its RSS afterwards. Sections
 * 2 and 3 are one trial with the launcher's flags; each JVM flag set of section 4 is another.
 */
final class NodeTrial {

  /** How long a freshly started plugin idles before its "idle" RSS is read. */
  static final long IDLE_MS = 1000;

  /**
   * Where trials run: the repository, the work dir, and the node plugin's kubelet and state dirs.
   */
  record Context(Path root, Path work, CsiClient csi, Path kubelet, Path stateDir) {}

  /** One start: time to first Probe, CPU used by then, memory after idling. */
  record Start(double probeMs, long cpuMs, Procs.Memory idle) {}

  /**
   * @param after the plugin's memory once every volume is unpublished and unstaged again
   */
  record Result(List<Start> starts, NodeBench.Result bench, Procs.Memory after) {

    double medianProbeMs() {
      return Stats.median(starts.stream().map(Start::probeMs).toList());
    }

    double medianCpuMs() {
      return Stats.median(starts.stream().map(s -> (double) s.cpuMs()).toList());
    }

    double medianIdleRssMiB() {
      return Stats.median(starts.stream().map(s -> s.idle().rssMiB()).toList());
    }

    double medianIdleAnonMiB() {
      return Stats.median(starts.stream().map(s -> s.idle().anonMiB()).toList());
    }
  }

  private NodeTrial() {}

  /**
   * @param workload what to stage and publish; null for start-up measurements only
   */
  static Result run(Context ctx, Plugin.Spec spec, int starts, NodeBench.Workload workload)
      throws Exception {
    List<Start> measured = new ArrayList<>();
    Plugin current = null;
    int rebuilds = 0;
    try {
      while (true) {
        current = Plugin.start(ctx.root(), ctx.work(), spec, ctx.csi());
        Thread.sleep(IDLE_MS);
        Start s = new Start(current.startToProbeMs(), current.cpuMsAtProbe(), current.memory());
        if (current.rebuilt() && rebuilds++ < 2) {
          Progress.say(
              "  %s: the launcher rebuilt the jar during this start; not counted, starting again",
              spec.name());
        } else {
          measured.add(s);
          Progress.say(
              "  %s start %d: first Probe after %.0f ms (%d ms CPU), idle RSS %.1f MiB",
              spec.name(), measured.size(), s.probeMs(), s.cpuMs(), s.idle().rssMiB());
          if (measured.size() == starts) {
            break;
          }
        }
        current.close();
        current = null;
      }
      NodeBench.Result bench =
          workload == null ? null : NodeBench.run(current, workload, ctx.kubelet(), ctx.stateDir());
      Procs.Memory after = current.memory();
      return new Result(measured, bench, after);
    } finally {
      if (current != null) {
        current.close();
      }
    }
  }
}
