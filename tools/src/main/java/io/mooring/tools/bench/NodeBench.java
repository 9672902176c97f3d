package io.mooring.tools.bench;

import csi.v1.Csi.NodePublishVolumeRequest;
import csi.v1.Csi.NodeStageVolumeRequest;
import csi.v1.Csi.NodeUnpublishVolumeRequest;
import csi.v1.Csi.NodeUnstageVolumeRequest;
import csi.v1.Csi.Volume;
import csi.v1.NodeGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Section 2: on one node plugin, NodeStage + NodePublish each volume in turn (as pods start), and
 * the pod's first and second write into it, then NodeUnpublish + NodeUnstage each; every call and
 * write timed. Counts the plugin's FUSE clients (processes of the workload's FUSE program whose
 * arguments contain the plugin's state dir) and their RSS with 0, 1 and all volumes published, and
 * again when all are unstaged.
 */
final class NodeBench {

  private static final long DEADLINE_S = 120;
  private static final int WRITE_BYTES = 4096;
  private static final long EXIT_WAIT_MS = 5000;
  private static final long EXIT_POLL_MS = 50;

  /**
   * What a run stages: the volumes, each one's node-stage secrets, and the name (comm) of the FUSE
   * client processes that serve them.
   */
  record Workload(List<Volume> volumes, List<Map<String, String>> secrets, String program) {

    Workload {
      if (secrets.size() != volumes.size()) {
        throw new IllegalArgumentException(
            volumes.size() + " volumes but " + secrets.size() + " secrets");
      }
    }
  }

  /** FUSE clients and their summed memory at one point of the run. */
  record Fuse(String when, int published, int clients, Procs.Memory memory) {}

  record Result(
      Stats.Summary stage,
      Stats.Summary publish,
      Stats.Summary firstWrite,
      Stats.Summary secondWrite,
      Stats.Summary unpublish,
      Stats.Summary unstage,
      List<Fuse> fuse,
      Procs.Memory pluginAllPublished,
      Map<String, Integer> errors) {

    Fuse fuseAt(String when) {
      return fuse.stream().filter(f -> f.when().equals(when)).findFirst().orElse(null);
    }
  }

  private NodeBench() {}

  /**
   * @param kubelet a kubelet root: staging paths go to plugins/kubernetes.io/csi/..., targets to
   *     pods/...
   * @param stateDir the node plugin's --state-dir (its FUSE clients have it in their arguments)
   */
  static Result run(Plugin node, Workload workload, Path kubelet, Path stateDir)
      throws IOException, InterruptedException {
    List<Volume> volumes = workload.volumes();
    String program = workload.program();
    NodeGrpc.NodeBlockingStub stub = NodeGrpc.newBlockingStub(node.channel());
    String needle = stateDir.toRealPath() + "/";
    List<Stats.Sample> stage = new ArrayList<>();
    List<Stats.Sample> publish = new ArrayList<>();
    List<Stats.Sample> firstWrite = new ArrayList<>();
    List<Stats.Sample> secondWrite = new ArrayList<>();
    List<Stats.Sample> unpublish = new ArrayList<>();
    List<Stats.Sample> unstage = new ArrayList<>();
    Map<String, Integer> errors = new TreeMap<>();
    List<Fuse> fuse = new ArrayList<>();
    fuse.add(fuse("0 published", 0, program, needle));

    long start = System.nanoTime();
    String run = Long.toHexString(start); // a backend's node runs share its volumes
    for (int i = 0; i < volumes.size(); i++) {
      Volume v = volumes.get(i);
      Map<String, String> secrets = workload.secrets().get(i);
      Path staging = staging(kubelet, i);
      Path target = target(kubelet, i);
      Files.createDirectories(staging.getParent()); // the kubelet makes these
      Files.createDirectories(target.getParent());
      boolean staged =
          time(
              stage,
              errors,
              "stage",
              () ->
                  stub(stub)
                      .nodeStageVolume(
                          NodeStageVolumeRequest.newBuilder()
                              .setVolumeId(v.getVolumeId())
                              .setStagingTargetPath(staging.toString())
                              .setVolumeCapability(CsiClient.RWX)
                              .putAllVolumeContext(v.getVolumeContextMap())
                              .putAllSecrets(secrets)
                              .build()));
      boolean published =
          staged
              && time(
                  publish,
                  errors,
                  "publish",
                  () ->
                      stub(stub)
                          .nodePublishVolume(
                              NodePublishVolumeRequest.newBuilder()
                                  .setVolumeId(v.getVolumeId())
                                  .setStagingTargetPath(staging.toString())
                                  .setTargetPath(target.toString())
                                  .setVolumeCapability(CsiClient.RWX)
                                  .putAllVolumeContext(v.getVolumeContextMap())
                                  .build()));
      if (published
          && time(firstWrite, errors, "first write", () -> write(target, "first-" + run))) {
        time(secondWrite, errors, "second write", () -> write(target, "second-" + run));
      }
      if (i == 0) {
        fuse.add(fuse("1 published", 1, program, needle));
      }
    }
    double upMs = (System.nanoTime() - start) / 1e6;
    // the writes are not RPCs: their total time is not a rate of calls
    double writeMs =
        firstWrite.stream().mapToDouble(Stats.Sample::millis).sum()
            + secondWrite.stream().mapToDouble(Stats.Sample::millis).sum();
    fuse.add(fuse(volumes.size() + " published", volumes.size(), program, needle));
    Procs.Memory plugin = node.memory();

    start = System.nanoTime();
    for (int i = 0; i < volumes.size(); i++) {
      Volume v = volumes.get(i);
      Path target = target(kubelet, i);
      Path staging = staging(kubelet, i);
      time(
          unpublish,
          errors,
          "unpublish",
          () ->
              stub(stub)
                  .nodeUnpublishVolume(
                      NodeUnpublishVolumeRequest.newBuilder()
                          .setVolumeId(v.getVolumeId())
                          .setTargetPath(target.toString())
                          .build()));
      time(
          unstage,
          errors,
          "unstage",
          () ->
              stub(stub)
                  .nodeUnstageVolume(
                      NodeUnstageVolumeRequest.newBuilder()
                          .setVolumeId(v.getVolumeId())
                          .setStagingTargetPath(staging.toString())
                          .build()));
    }
    double downMs = (System.nanoTime() - start) / 1e6;
    fuse.add(exited("all unstaged", program, needle));
    return new Result(
        Stats.summarize(stage, upMs),
        Stats.summarize(publish, upMs),
        Stats.summarize(firstWrite, writeMs),
        Stats.summarize(secondWrite, writeMs),
        Stats.summarize(unpublish, downMs),
        Stats.summarize(unstage, downMs),
        fuse,
        plugin,
        errors);
  }

  private static NodeGrpc.NodeBlockingStub stub(NodeGrpc.NodeBlockingStub stub) {
    return stub.withDeadlineAfter(DEADLINE_S, TimeUnit.SECONDS);
  }

  /**
   * A pod's small durable write: 4 KiB into a new file of the published volume, fsync'd, so that it
   * reaches the bricks (or OSDs) and their quota check.
   */
  private static void write(Path target, String name) {
    try (FileChannel file =
        FileChannel.open(
            target.resolve(name), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      file.write(ByteBuffer.allocate(WRITE_BYTES));
      file.force(true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path staging(Path kubelet, int i) {
    return kubelet
        .resolve("plugins/kubernetes.io/csi/mooring.csi.io")
        .resolve("pv-" + i)
        .resolve("globalmount");
  }

  static Path target(Path kubelet, int i) {
    return kubelet
        .resolve("pods")
        .resolve("pod-" + i)
        .resolve("volumes/kubernetes.io~csi")
        .resolve("pv-" + i)
        .resolve("mount");
  }

  private static boolean time(
      List<Stats.Sample> samples, Map<String, Integer> errors, String op, Runnable call) {
    long t0 = System.nanoTime();
    boolean ok = true;
    try {
      call.run();
    } catch (RuntimeException e) {
      ok = false;
      errors.merge(op + ": " + Load.describe(e), 1, Integer::sum);
    }
    samples.add(new Stats.Sample((System.nanoTime() - t0) / 1e6, ok));
    return ok;
  }

  /**
   * The clients left once nothing is staged. An unmounted client exits on its own, a little later
   * (ceph-fuse closes its MDS session first): only one still there after {@value #EXIT_WAIT_MS} ms
   * counts.
   */
  private static Fuse exited(String when, String program, String needle)
      throws InterruptedException {
    long deadline = System.nanoTime() + EXIT_WAIT_MS * 1_000_000;
    Fuse f = fuse(when, 0, program, needle);
    while (f.clients() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(EXIT_POLL_MS);
      f = fuse(when, 0, program, needle);
    }
    return f;
  }

  private static Fuse fuse(String when, int published, String program, String needle) {
    List<Procs.Proc> clients = Procs.named(program, needle);
    Procs.Memory sum = new Procs.Memory(0, 0, 0, 0);
    for (Procs.Proc p : clients) {
      Procs.Memory m = Procs.memory(p.pid());
      if (m.rssKib() >= 0) {
        sum = sum.plus(m);
      }
    }
    return new Fuse(when, published, clients.size(), sum);
  }

  // ---- tables -------------------------------------------------------------------------------

  static Table latencyTable(NodeMode mode, Result r, int volumes) {
    Table t =
        new Table(
            "node-" + mode.id(),
            "Node, " + mode.title() + ": " + volumes + " volumes, one call at a time",
            "rpc",
            "calls",
            "errors",
            "p50 ms",
            "p99 ms",
            "max ms");
    row(t, "NodeStageVolume", r.stage());
    row(t, "NodePublishVolume", r.publish());
    row(t, "first write (4 KiB, fsync)", r.firstWrite());
    row(t, "second write", r.secondWrite());
    row(t, "NodeUnpublishVolume", r.unpublish());
    row(t, "NodeUnstageVolume", r.unstage());
    t.note(mode.note());
    t.note(
        "first write: a pod's first 4 KiB (fsync'd) into each volume once published, a new file;"
            + " the volumes are new to the backend's first node run (made by the controller just"
            + " before it). On GlusterFS a brick's first quota check of a new directory would show"
            + " here (deploy/README.md, \"GlusterFS prerequisites\").");
    r.errors().forEach((msg, n) -> t.note("error " + n + "x " + msg));
    return t;
  }

  private static void row(Table t, String rpc, Stats.Summary s) {
    t.row(
        rpc,
        s.count(),
        s.errors(),
        Table.Num.of(s.p50(), 1),
        Table.Num.of(s.p99(), 1),
        Table.Num.of(s.max(), 1));
  }

  /**
   * @param after the node plugin's memory once every volume is unstaged again
   */
  static Table fuseTable(NodeMode mode, Result r, Procs.Memory after) {
    Table t =
        new Table(
            "node-fuse-" + mode.id(),
            "Node, " + mode.title() + ": " + mode.program() + " FUSE clients of the node plugin",
            "when",
            "published",
            "FUSE clients",
            "RSS MiB (sum)");
    for (Fuse f : r.fuse()) {
      t.row(
          f.when(),
          f.published(),
          f.clients(),
          Table.Num.of(f.clients() == 0 ? 0 : f.memory().rssMiB(), 1));
    }
    t.note(
        String.format(
            Locale.ROOT,
            "all unstaged: once the clients have exited (up to %d ms after the last"
                + " NodeUnstageVolume). Node plugin RSS: %.1f MiB with all volumes published, %.1f"
                + " MiB after.",
            EXIT_WAIT_MS,
            r.pluginAllPublished().rssMiB(),
            after.rssMiB()));
    return t;
  }
}
