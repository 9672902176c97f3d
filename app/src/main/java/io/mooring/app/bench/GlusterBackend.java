package io.mooring.app.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * GlusterFS under test: a replica volume from scripts/gluster-up. Its provisioning baselines do
 * what CreateVolume and DeleteVolume do with the plain tools on the benchmark's own FUSE mount
 * ({@link RawClient}): "raw" without retry, "raw+retry" retrying glusterd's lock errors with the
 * driver's backoff.
 */
final class GlusterBackend implements BenchBackend {

  static final String TYPE = "glusterfs";
  static final String RAW = "raw";
  static final String RAW_RETRY = "raw+retry";
  private static final String RAW_BASE = "/bench-raw";
  private static final int WARM_UP = 3;

  /** Where distributions put gsyncd, which the gluster CLI runs at every start. */
  private static final List<String> GSYNCD = List.of("/usr/lib/x86_64-linux-gnu/glusterfs/gsyncd",
      "/usr/lib/aarch64-linux-gnu/glusterfs/gsyncd", "/usr/libexec/glusterfs/gsyncd", "/usr/lib/glusterfs/gsyncd");

  private final BenchOptions.Gluster gluster;

  GlusterBackend(BenchOptions.Gluster gluster) {
    this.gluster = gluster;
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public String yaml() {
    return """
          - name: %s
            type: glusterfs
            servers: [%s]
            volume: %s
            basePath: /mooring
            management: local
        """.formatted(TYPE, gluster.server(), gluster.volume());
  }

  @Override
  public String program() {
    return "gluster";
  }

  @Override
  public String latencyBaseline() {
    return RAW;
  }

  @Override
  public String throughputBaseline() {
    return RAW_RETRY;
  }

  @Override
  public Csi.Requests requests() {
    return new Csi.Requests(TYPE, Map.of());
  }

  /** No node-stage secrets: every volume is a bind on the backend's one glusterfs client. */
  @Override
  public List<NodeMode> nodeModes(String runId) {
    return List.of(new NodeMode(TYPE, TYPE, "glusterfs", true, "The first NodeStageVolume mounts the backend's"
        + " glusterfs FUSE client; the last NodeUnstageVolume unmounts it.", volumes -> NodeMode.Secrets.none(
        volumes.size())));
  }

  @Override
  public Provisioning.Baselines baselines(Path work, long bytes, String runId, boolean quick) throws Exception {
    Path mount = work.resolve("raw-mount");
    Files.createDirectories(mount);
    Progress.say("glusterfs: mounting %s:/%s at %s for the raw baseline", gluster.server(), gluster.volume(), mount);
    if (exec(List.of("mount", "-t", "glusterfs", gluster.server() + ":/" + gluster.volume(), mount.toString())) != 0) {
      throw new IllegalStateException("cannot mount the Gluster volume for the raw baseline");
    }
    Files.createDirectories(mount.resolve(RAW_BASE.substring(1)));
    return new Baselines(mount, bytes, runId);
  }

  private final class Baselines implements Provisioning.Baselines {
    private final Path mount;
    private final long bytes;
    private final String runId;

    Baselines(Path mount, long bytes, String runId) {
      this.mount = mount;
      this.bytes = bytes;
      this.runId = runId;
    }

    @Override
    public void warmUp() throws Exception {
      RawClient raw = new RawClient(mount, gluster.volume(), RAW_BASE);
      for (int i = 0; i < WARM_UP; i++) {
        raw.create(dir("warm", 0, i), bytes, true);
        raw.delete(dir("warm", 0, i), true);
      }
    }

    /** Without retry at the top concurrency of a quick run: its error rate shows at the lower ones already. */
    @Override
    public List<Provisioning.Mode> modes(int c, int size, int rounds, boolean cheap) {
      return cheap ? List.of(new Raw(c, true)) : List.of(new Raw(c, false), new Raw(c, true));
    }

    @Override
    public Map<String, Stats.Summary> overheads() throws Exception {
      Path gsyncd = GSYNCD.stream().map(Path::of).filter(Files::isExecutable).findFirst().orElse(null);
      if (gsyncd == null) {
        return Map.of();
      }
      return Map.of("gsyncd --version (every gluster CLI call runs it first)", Load.run(1, 10, i -> {
        Process p = new ProcessBuilder(gsyncd.toString(), "--version").redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
          throw new IllegalStateException("gsyncd --version failed");
        }
      }).summary());
    }

    @Override
    public String describe() {
      return "glusterfs: raw = mkdir + setfattr + gluster quota limit-usage (delete: quota remove + rmdir) as"
          + " processes, no retry; raw+retry = the same, lock errors retried with the driver's backoff.";
    }

    @Override
    public void close() throws Exception {
      if (exec(List.of("umount", mount.toString())) != 0) {
        exec(List.of("umount", "-l", mount.toString()));
      }
    }

    private String dir(String tag, int c, int i) {
      return runId + "-" + tag + c + "-" + i;
    }

    private final class Raw extends Provisioning.Mode {
      final boolean retry;
      final RawClient raw = new RawClient(mount, gluster.volume(), RAW_BASE);

      Raw(int c, boolean retry) {
        super(c);
        this.retry = retry;
      }

      @Override
      String name() {
        return retry ? RAW_RETRY : RAW;
      }

      private String dir(int i) {
        return Baselines.this.dir(retry ? "r" : "n", c, i);
      }

      @Override
      void batch(int from, int to) throws Exception {
        creates.add(Load.run(c, to - from, i -> raw.create(dir(from + i), bytes, retry)));
        deletes.add(Load.run(c, to - from, i -> raw.delete(dir(from + i), retry)));
        RawClient tidy = new RawClient(mount, gluster.volume(), RAW_BASE); // not timed with the others
        for (int i = from; i < to; i++) { // whatever failed: tidy up for the next round; not measured
          if (Files.exists(mount.resolve(RAW_BASE.substring(1)).resolve(dir(i)))) {
            try {
              tidy.delete(dir(i), true);
            } catch (Exception ignored) {
              // left for gluster-down
            }
          }
        }
      }

      @Override
      Provisioning.Level level(int size) {
        Map<String, RawClient.Step> steps = raw.steps();
        double[] cli = {stepMs(steps, "gluster limit-usage"), stepMs(steps, "gluster remove")};
        double[] calls = {stepCount(steps, "gluster limit-usage") / size, stepCount(steps, "gluster remove") / size};
        Map<String, Double> other = new TreeMap<>();
        other.put("mkdir", stepMs(steps, "mkdir"));
        other.put("setfattr", stepMs(steps, "setfattr"));
        other.put("rmdir", stepMs(steps, "rmdir"));
        other.put("backoff per create", stepTotalMs(steps, "backoff gluster limit-usage") / size);
        other.put("backoff per delete", stepTotalMs(steps, "backoff gluster remove") / size);
        return new Provisioning.Level(TYPE, name(), c, size, Load.Result.merge(creates), Load.Result.merge(deletes),
            new double[] {Double.NaN, Double.NaN}, cli, calls, other);
      }
    }
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

  private static int exec(List<String> argv) throws IOException, InterruptedException {
    Exec.Outcome out = Exec.run(argv, 60);
    if (out.exit() != 0) {
      Progress.say("%s: exit %d: %s", String.join(" ", argv), out.exit(), out.output().strip());
    }
    return out.exit();
  }
}
