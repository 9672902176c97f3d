package io.mooring.app.bench;

import csi.v1.Csi.NodePublishVolumeRequest;
import csi.v1.Csi.NodeStageVolumeRequest;
import csi.v1.Csi.NodeUnpublishVolumeRequest;
import csi.v1.Csi.NodeUnstageVolumeRequest;
import csi.v1.Csi.Volume;
import csi.v1.NodeGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Section 2: on one node plugin, NodeStage + NodePublish each volume in turn (as pods start), then
 * NodeUnpublish + NodeUnstage each; every call timed. Counts the plugin's glusterfs FUSE clients
 * (glusterfs processes whose arguments contain the plugin's state dir) and their RSS with 0, 1 and
 * all volumes published, and again when all are unstaged.
 */
final class NodeBench {

  private static final long DEADLINE_S = 120;

  /** FUSE clients and their summed memory at one point of the run. */
  record Fuse(String when, int published, int clients, Procs.Memory memory) {}

  record Result(Stats.Summary stage, Stats.Summary publish, Stats.Summary unpublish, Stats.Summary unstage,
      List<Fuse> fuse, Procs.Memory pluginAllPublished, Map<String, Integer> errors) {

    Fuse fuseAt(String when) {
      return fuse.stream().filter(f -> f.when().equals(when)).findFirst().orElse(null);
    }
  }

  private NodeBench() {}

  /**
   * @param kubelet a kubelet root: staging paths go to plugins/kubernetes.io/csi/..., targets to pods/...
   * @param stateDir the node plugin's --state-dir (its FUSE clients have it in their arguments)
   */
  static Result run(Plugin node, List<Volume> volumes, Path kubelet, Path stateDir) throws IOException {
    NodeGrpc.NodeBlockingStub stub = NodeGrpc.newBlockingStub(node.channel());
    String needle = stateDir.toRealPath() + "/";
    List<Stats.Sample> stage = new ArrayList<>();
    List<Stats.Sample> publish = new ArrayList<>();
    List<Stats.Sample> unpublish = new ArrayList<>();
    List<Stats.Sample> unstage = new ArrayList<>();
    Map<String, Integer> errors = new TreeMap<>();
    List<Fuse> fuse = new ArrayList<>();
    fuse.add(fuse("0 published", 0, needle));

    long start = System.nanoTime();
    for (int i = 0; i < volumes.size(); i++) {
      Volume v = volumes.get(i);
      Path staging = staging(kubelet, i);
      Path target = target(kubelet, i);
      Files.createDirectories(staging.getParent()); // the kubelet makes these
      Files.createDirectories(target.getParent());
      boolean staged = time(stage, errors, "stage", () -> stub(stub).nodeStageVolume(NodeStageVolumeRequest.newBuilder()
          .setVolumeId(v.getVolumeId()).setStagingTargetPath(staging.toString()).setVolumeCapability(Csi.RWX)
          .putAllVolumeContext(v.getVolumeContextMap()).build()));
      if (staged) {
        time(publish, errors, "publish", () -> stub(stub).nodePublishVolume(NodePublishVolumeRequest.newBuilder()
            .setVolumeId(v.getVolumeId()).setStagingTargetPath(staging.toString()).setTargetPath(target.toString())
            .setVolumeCapability(Csi.RWX).putAllVolumeContext(v.getVolumeContextMap()).build()));
      }
      if (i == 0) {
        fuse.add(fuse("1 published", 1, needle));
      }
    }
    double upMs = (System.nanoTime() - start) / 1e6;
    fuse.add(fuse(volumes.size() + " published", volumes.size(), needle));
    Procs.Memory plugin = node.memory();

    start = System.nanoTime();
    for (int i = 0; i < volumes.size(); i++) {
      Volume v = volumes.get(i);
      Path target = target(kubelet, i);
      Path staging = staging(kubelet, i);
      time(unpublish, errors, "unpublish", () -> stub(stub).nodeUnpublishVolume(NodeUnpublishVolumeRequest
          .newBuilder().setVolumeId(v.getVolumeId()).setTargetPath(target.toString()).build()));
      time(unstage, errors, "unstage", () -> stub(stub).nodeUnstageVolume(NodeUnstageVolumeRequest.newBuilder()
          .setVolumeId(v.getVolumeId()).setStagingTargetPath(staging.toString()).build()));
    }
    double downMs = (System.nanoTime() - start) / 1e6;
    fuse.add(fuse("all unstaged", 0, needle));
    return new Result(Stats.summarize(stage, upMs), Stats.summarize(publish, upMs),
        Stats.summarize(unpublish, downMs), Stats.summarize(unstage, downMs), fuse, plugin, errors);
  }

  private static NodeGrpc.NodeBlockingStub stub(NodeGrpc.NodeBlockingStub stub) {
    return stub.withDeadlineAfter(DEADLINE_S, TimeUnit.SECONDS);
  }

  static Path staging(Path kubelet, int i) {
    return kubelet.resolve("plugins/kubernetes.io/csi/mooring.csi.io").resolve("pv-" + i).resolve("globalmount");
  }

  static Path target(Path kubelet, int i) {
    return kubelet.resolve("pods").resolve("pod-" + i).resolve("volumes/kubernetes.io~csi").resolve("pv-" + i)
        .resolve("mount");
  }

  private static boolean time(List<Stats.Sample> samples, Map<String, Integer> errors, String op, Runnable call) {
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

  private static Fuse fuse(String when, int published, String needle) {
    List<Procs.Proc> clients = Procs.named("glusterfs", needle);
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

  static Table latencyTable(Result r, int volumes) {
    Table t = new Table("node", "Node: " + volumes + " volumes on one backend, one call at a time",
        "rpc", "calls", "errors", "p50 ms", "p99 ms", "max ms");
    row(t, "NodeStageVolume", r.stage());
    row(t, "NodePublishVolume", r.publish());
    row(t, "NodeUnpublishVolume", r.unpublish());
    row(t, "NodeUnstageVolume", r.unstage());
    t.note("The first NodeStageVolume mounts the backend's glusterfs FUSE client; the last NodeUnstageVolume"
        + " unmounts it.");
    r.errors().forEach((msg, n) -> t.note("error " + n + "x " + msg));
    return t;
  }

  private static void row(Table t, String rpc, Stats.Summary s) {
    t.row(rpc, s.count(), s.errors(), Table.Num.of(s.p50(), 1), Table.Num.of(s.p99(), 1), Table.Num.of(s.max(), 1));
  }

  static Table fuseTable(Result r) {
    Table t = new Table("node-fuse", "Node: glusterfs FUSE clients of the node plugin",
        "when", "published", "FUSE clients", "RSS MiB (sum)");
    for (Fuse f : r.fuse()) {
      t.row(f.when(), f.published(), f.clients(), Table.Num.of(f.clients() == 0 ? 0 : f.memory().rssMiB(), 1));
    }
    return t;
  }
}
