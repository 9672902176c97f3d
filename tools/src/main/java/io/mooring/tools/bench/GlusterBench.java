package io.mooring.tools.bench;

import io.mooring.volume.GlusterContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * GlusterFS under test: a replica volume on the storage host (scripts/storage-host-up), which the
 * controller manages over SSH. Its provisioning baselines do what CreateVolume and DeleteVolume do
 * with the plain tools from this side ({@link RawClient}): mkdir and setfattr on the benchmark's
 * own FUSE mount, the gluster CLI over an SSH connection like the driver's ({@link SshLink}). "raw"
 * without retry, "raw+retry" retrying glusterd's lock errors with the driver's backoff, and, to
 * explain what SSH costs, "raw-on-storage-host": the CLI run on the storage host itself (as it
 * would run there, never as the driver runs it), at the lowest concurrency only.
 */
final class GlusterBench implements BenchBackend {

  /** The backend type, as the controller reads it in the backends file. */
  static final String TYPE = GlusterContext.TYPE;

  static final String RAW = "raw";
  static final String RAW_RETRY = "raw+retry";
  static final String RAW_ON_HOST = "raw-on-storage-host";

  /** The raw baseline's ssh control socket lives in WORK/raw-ssh. */
  static final String RAW_SSH_DIR = "raw-ssh";

  private static final String RAW_BASE = "/bench-raw";
  private static final int WARM_UP = 3;
  private static final int OVERHEAD_CALLS = 10;
  private static final int QUOTA_CALLS = 3;

  /** Where distributions put gsyncd, which the gluster CLI runs at every start. */
  private static final List<String> GSYNCD =
      List.of(
          "/usr/lib/x86_64-linux-gnu/glusterfs/gsyncd",
          "/usr/lib/aarch64-linux-gnu/glusterfs/gsyncd",
          "/usr/libexec/glusterfs/gsyncd",
          "/usr/lib/glusterfs/gsyncd");

  private final BenchOptions.Gluster gluster;
  private final long storageHolder;

  /**
   * @param storageHolder a process in the storage host's namespaces, or 0: no raw-on-storage-host
   */
  GlusterBench(BenchOptions.Gluster gluster, long storageHolder) {
    this.gluster = gluster;
    this.storageHolder = storageHolder;
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
        management: ssh
        ssh: {user: %s, keyFile: %s, knownHostsFile: %s}
    """
        .formatted(
            TYPE,
            gluster.server(),
            gluster.volume(),
            gluster.sshUser(),
            gluster.sshKey(),
            gluster.knownHosts());
  }

  /** management: ssh runs the gluster CLI on the storage host through ssh. */
  @Override
  public String program() {
    return "ssh";
  }

  /** The raw baseline's latency, and its throughput with the retry the driver has too. */
  @Override
  public List<Targets.Goal> goals(int low, int high) {
    return List.of(Targets.Goal.latency(RAW, low, 1.10), Targets.Goal.rate(RAW_RETRY, high, 0.9));
  }

  @Override
  public CsiClient.Requests requests() {
    return new CsiClient.Requests(TYPE, Map.of());
  }

  /** No node-stage secrets: every volume is a bind on the backend's one glusterfs client. */
  @Override
  public List<NodeMode> nodeModes(String runId) {
    return List.of(
        new NodeMode(
            TYPE,
            TYPE,
            "glusterfs",
            true,
            "The first NodeStageVolume mounts the backend's"
                + " glusterfs FUSE client; the last NodeUnstageVolume unmounts it.",
            volumes -> NodeMode.Secrets.none(volumes.size())));
  }

  @Override
  public Provisioning.Baselines baselines(Path work, long bytes, String runId, boolean quick)
      throws Exception {
    Path mount = work.resolve("raw-mount");
    Files.createDirectories(mount);
    Progress.say(
        "glusterfs: mounting %s:/%s at %s for the raw baseline",
        gluster.server(), gluster.volume(), mount);
    if (exec(mountArgv(mount)) != 0) {
      throw new IllegalStateException("cannot mount the Gluster volume for the raw baseline");
    }
    SshLink ssh = new SshLink(gluster, work.resolve(RAW_SSH_DIR));
    try {
      Files.createDirectories(mount.resolve(RAW_BASE.substring(1)));
      Progress.say(
          "glusterfs: ssh %s@%s for the raw baseline's gluster CLI",
          gluster.sshUser(), gluster.server());
      ssh.open();
    } catch (Exception e) {
      unmount(mount);
      throw e;
    }
    return new Baselines(
        mount,
        ssh,
        storageHolder > 0 ? RawClient.onStorageHost(storageHolder) : null,
        bytes,
        runId,
        quick);
  }

  private final class Baselines implements Provisioning.Baselines {
    private final Path mount;
    private final SshLink ssh;
    private final RawClient.Reach onHost;
    private final long bytes;
    private final String runId;
    private final boolean quick;

    /**
     * @param onHost the CLI on the storage host, or null to leave raw-on-storage-host out
     */
    Baselines(
        Path mount, SshLink ssh, RawClient.Reach onHost, long bytes, String runId, boolean quick) {
      this.mount = mount;
      this.ssh = ssh;
      this.onHost = onHost;
      this.bytes = bytes;
      this.runId = runId;
      this.quick = quick;
    }

    @Override
    public void warmUp() throws Exception {
      for (RawClient.Reach reach : reaches()) {
        RawClient raw = client(reach);
        for (int i = 0; i < WARM_UP; i++) {
          raw.create(dir("warm", 0, i), bytes, true);
          raw.delete(dir("warm", 0, i), true);
        }
      }
    }

    private List<RawClient.Reach> reaches() {
      return onHost == null ? List.of(ssh) : List.of(ssh, onHost);
    }

    private RawClient client(RawClient.Reach reach) {
      return new RawClient(mount, gluster.volume(), RAW_BASE, reach);
    }

    /**
     * A quick run measures only what the targets judge: without retry below the top concurrency
     * (the latency baseline), with retry at the top (the throughput baseline); every gluster call
     * costs it an ssh session. On the storage host at concurrency 1 only: it explains the latency.
     */
    @Override
    public List<Provisioning.Mode> modes(int c, int size, int rounds, boolean cheap) {
      List<Provisioning.Mode> modes = new ArrayList<>();
      if (!cheap) {
        modes.add(new Raw(c, RAW, ssh, false));
      }
      if (cheap || !quick) {
        modes.add(new Raw(c, RAW_RETRY, ssh, true));
      }
      if (onHost != null && c == 1) {
        modes.add(new Raw(c, RAW_ON_HOST, onHost, true));
      }
      return modes;
    }

    /**
     * A read-only gluster call each way, and gsyncd's start, on the storage host where the CLI
     * runs.
     */
    @Override
    public Map<String, Stats.Summary> overheads() throws Exception {
      Map<String, Stats.Summary> out = new LinkedHashMap<>();
      RawClient overSsh = client(ssh);
      out.put(
          "gluster volume info over ssh (a session on the open connection)",
          Load.run(1, OVERHEAD_CALLS, i -> overSsh.info()).summary());
      if (onHost == null) {
        return out;
      }
      RawClient there = client(onHost);
      out.put(
          "gluster volume info on the storage host (nsenter)",
          Load.run(1, OVERHEAD_CALLS, i -> there.info()).summary());
      Path gsyncd =
          GSYNCD.stream().map(Path::of).filter(Files::isExecutable).findFirst().orElse(null);
      if (gsyncd != null) {
        List<String> version = List.of(gsyncd.toString(), "--version");
        out.put(
            "gsyncd --version on the storage host (every gluster CLI call runs it first)",
            Load.run(
                    1,
                    OVERHEAD_CALLS,
                    i -> {
                      Exec.Outcome o = onHost.run(version, 30);
                      if (o.exit() != 0) {
                        throw new IllegalStateException(
                            "gsyncd --version failed: " + o.output().strip());
                      }
                    })
                .summary());
      }
      return out;
    }

    @Override
    public String describe() {
      return "glusterfs: raw = mkdir + setfattr on a FUSE mount + gluster quota limit-usage"
          + " (delete: quota remove + rmdir) as processes, the gluster CLI run over ssh (one"
          + " multiplexed connection, through the storage host's gate, as the driver's), no"
          + " retry; raw+retry = the same, lock errors retried with the driver's backoff"
          + (onHost == null
              ? ""
              : "; raw-on-storage-host = raw+retry with the CLI run on the storage"
                  + " host itself (nsenter), only at concurrency 1: what ssh adds")
          + ".";
    }

    @Override
    public void close() throws Exception {
      try {
        ssh.close();
      } finally {
        unmount(mount);
      }
    }

    private String dir(String tag, int c, int i) {
      return runId + "-" + tag + c + "-" + i;
    }

    private final class Raw extends Provisioning.Mode {
      final String name;
      final RawClient.Reach reach;
      final boolean retry;
      final RawClient raw;

      Raw(int c, String name, RawClient.Reach reach, boolean retry) {
        super(c);
        this.name = name;
        this.reach = reach;
        this.retry = retry;
        this.raw = client(reach);
      }

      @Override
      String name() {
        return name;
      }

      private String dir(int i) {
        return Baselines.this.dir(name.equals(RAW_ON_HOST) ? "h" : retry ? "r" : "n", c, i);
      }

      @Override
      void batch(int from, int to) throws Exception {
        creates.add(Load.run(c, to - from, i -> raw.create(dir(from + i), bytes, retry)));
        deletes.add(Load.run(c, to - from, i -> raw.delete(dir(from + i), retry)));
        RawClient tidy = client(reach); // not timed with the others
        for (int i = from;
            i < to;
            i++) { // whatever failed: tidy up for the next round; not measured
          if (Files.exists(mount.resolve(RAW_BASE.substring(1)).resolve(dir(i)))) {
            try {
              tidy.delete(dir(i), true);
            } catch (Exception ignored) {
              // left for storage-host-down
            }
          }
        }
      }

      @Override
      Provisioning.Level level(int size) {
        Map<String, RawClient.Step> steps = raw.steps();
        double[] cli = {stepMs(steps, "gluster limit-usage"), stepMs(steps, "gluster remove")};
        double[] calls = {
          stepCount(steps, "gluster limit-usage") / size, stepCount(steps, "gluster remove") / size
        };
        Map<String, Double> other = new TreeMap<>();
        other.put("mkdir", stepMs(steps, "mkdir"));
        other.put("setfattr", stepMs(steps, "setfattr"));
        other.put("rmdir", stepMs(steps, "rmdir"));
        other.put("backoff per create", stepTotalMs(steps, "backoff gluster limit-usage") / size);
        other.put("backoff per delete", stepTotalMs(steps, "backoff gluster remove") / size);
        return new Provisioning.Level(
            TYPE,
            name(),
            c,
            size,
            Load.Result.merge(creates),
            Load.Result.merge(deletes),
            new double[] {Double.NaN, Double.NaN},
            cli,
            calls,
            other);
      }
    }
  }

  /**
   * The quota commands on the storage host itself (glusterd's cost, without SSH): listing every
   * limit, and setting one volume's limit again to the size it has; and the size of glusterd's
   * quota.conf, which holds one entry per limit. Null without the storage host's namespaces.
   */
  @Override
  public Scale.Quota quotaAt(int volumes, String dir, long bytes) throws Exception {
    if (storageHolder <= 0) {
      return null;
    }
    RawClient.Reach host = RawClient.onStorageHost(storageHolder);
    List<String> quota =
        List.of("gluster", "--mode=script", "--xml", "volume", "quota", gluster.volume());
    int[] listed = {-1};
    Load.Result list =
        Load.run(
            1,
            QUOTA_CALLS,
            i -> listed[0] = count(ok(host.run(with(quota, "list"), 600)), "<path>"));
    Load.Result limit =
        Load.run(
            1,
            QUOTA_CALLS,
            i ->
                ok(
                    host.run(
                        with(quota, "limit-usage", "/mooring/" + dir, Long.toString(bytes)), 60)));
    Exec.Outcome conf =
        host.run(
            List.of(
                "/usr/bin/stat",
                "-c",
                "%s",
                "/var/lib/glusterd/vols/" + gluster.volume() + "/quota.conf"),
            30);
    Progress.say(
        "  quota with %d volumes: list p50 %.0f ms (%d limits), limit-usage p50 %.0f ms",
        volumes, list.summary().p50(), listed[0], limit.summary().p50());
    return new Scale.Quota(
        volumes,
        list.summary(),
        listed[0],
        limit.summary(),
        conf.exit() == 0 ? Long.parseLong(conf.output().strip()) : -1);
  }

  private static List<String> with(List<String> command, String... more) {
    List<String> argv = new ArrayList<>(command);
    argv.addAll(List.of(more));
    return argv;
  }

  /** The output of a gluster call that succeeded; else throws with what it said. */
  private static String ok(Exec.Outcome out) {
    if (out.exit() != 0 || !out.output().contains("<opRet>0</opRet>")) {
      throw new IllegalStateException(
          "gluster: exit " + out.exit() + ": " + Load.tidy(out.output()));
    }
    return out.output();
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) {
      n++;
    }
    return n;
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

  private static void unmount(Path mount) throws IOException, InterruptedException {
    WholeMount.unmount(mount);
  }

  @Override
  public WholeMount mountWhole(Path at) throws Exception {
    return WholeMount.mount(at, mountArgv(at));
  }

  private List<String> mountArgv(Path at) {
    return List.of(
        "mount", "-t", "glusterfs", gluster.server() + ":/" + gluster.volume(), at.toString());
  }

  private static int exec(List<String> argv) throws IOException, InterruptedException {
    Exec.Outcome out = Exec.run(argv, 60);
    if (out.exit() != 0) {
      Progress.say("%s: exit %d: %s", String.join(" ", argv), out.exit(), out.output().strip());
    }
    return out.exit();
  }
}
