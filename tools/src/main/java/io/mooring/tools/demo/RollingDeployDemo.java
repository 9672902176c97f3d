package io.mooring.tools.demo;

import csi.v1.ControllerGrpc;
import csi.v1.Csi.CapacityRange;
import csi.v1.Csi.CreateVolumeRequest;
import csi.v1.Csi.DeleteVolumeRequest;
import csi.v1.Csi.NodeGetVolumeStatsRequest;
import csi.v1.Csi.NodePublishVolumeRequest;
import csi.v1.Csi.NodeStageVolumeRequest;
import csi.v1.Csi.NodeUnpublishVolumeRequest;
import csi.v1.Csi.NodeUnstageVolumeRequest;
import csi.v1.Csi.Volume;
import csi.v1.Csi.VolumeCapability;
import csi.v1.Csi.VolumeCapability.AccessMode;
import csi.v1.Csi.VolumeUsage;
import csi.v1.NodeGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.mooring.exec.Command;
import io.mooring.exec.ProcessCommandRunner;
import io.mooring.volume.CephContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The rolling deploy of a 2-replica app, played the way Kubernetes plays it against the CSI sockets
 * of one controller and two node plugins, each node in its own mount namespace. The "app" runs in a
 * node's namespace (nsenter into its plugin's process). Exits 0 and prints PASS only when every
 * step did what a rolling deploy needs.
 *
 * <p>Usage: {@code RollingDeployDemo CONTROLLER_SOCK NODE_A_SOCK NODE_A_PID NODE_B_SOCK NODE_B_PID
 * KUBELET_BASE [SECRETS_DIR]}; node X keeps its kubelet directory in KUBELET_BASE/X. SECRETS_DIR
 * holds one file per secret (as a mounted Kubernetes Secret does), sent as provisioner and
 * node-stage secrets.
 */
public final class RollingDeployDemo {

  private static final VolumeCapability RWX =
      VolumeCapability.newBuilder()
          .setMount(VolumeCapability.MountVolume.getDefaultInstance())
          .setAccessMode(AccessMode.newBuilder().setMode(AccessMode.Mode.MULTI_NODE_MULTI_WRITER))
          .build();

  private final ProcessCommandRunner runner = new ProcessCommandRunner();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final EpollEventLoopGroup group = new EpollEventLoopGroup(1);
  private int step;
  private Map<String, String> secrets = Map.of();
  private boolean failed;

  /** One simulated node: its plugin's socket, a process in its mount namespace, its kubelet dir. */
  private record Node(String name, NodeGrpc.NodeBlockingStub csi, long pid, Path kubelet) {
    Path staging(String pv) {
      return kubelet
          .resolve("plugins/kubernetes.io/csi/mooring.csi.io")
          .resolve(pv)
          .resolve("globalmount");
    }

    Path target(String pod, String pv) {
      return kubelet
          .resolve("pods")
          .resolve(pod)
          .resolve("volumes/kubernetes.io~csi")
          .resolve(pv)
          .resolve("mount");
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 6 && args.length != 7) {
      System.err.println(
          "usage: RollingDeployDemo CONTROLLER_SOCK NODE_A_SOCK NODE_A_PID NODE_B_SOCK NODE_B_PID"
              + " KUBELET_BASE [SECRETS_DIR]");
      System.exit(2);
    }
    RollingDeployDemo demo = new RollingDeployDemo();
    boolean ok;
    try {
      ok = demo.run(args);
    } finally {
      demo.close();
    }
    System.out.println(
        ok ? "PASS: both replicas shared one volume across nodes during the rollout" : "FAIL");
    System.exit(ok ? 0 : 1);
  }

  private boolean run(String[] a) throws IOException {
    secrets = a.length == 7 ? readSecrets(Path.of(a[6])) : Map.of();
    ControllerGrpc.ControllerBlockingStub controller =
        ControllerGrpc.newBlockingStub(channel(a[0]));
    // Each node has its own kubelet directory, as separate machines would.
    Path kubelet = Path.of(a[5]);
    Node nodeA =
        new Node(
            "node-a",
            NodeGrpc.newBlockingStub(channel(a[1])),
            Long.parseLong(a[2]),
            kubelet.resolve("node-a"));
    Node nodeB =
        new Node(
            "node-b",
            NodeGrpc.newBlockingStub(channel(a[3])),
            Long.parseLong(a[4]),
            kubelet.resolve("node-b"));
    String pv = "pvc-demo-" + Long.toHexString(System.nanoTime());

    Volume volume =
        step(
            "CreateVolume " + pv + " (RWX, 64 MiB)",
            () ->
                controller
                    .createVolume(
                        CreateVolumeRequest.newBuilder()
                            .setName(pv)
                            .addVolumeCapabilities(RWX)
                            .setCapacityRange(
                                CapacityRange.newBuilder().setRequiredBytes(64L << 20))
                            .putAllSecrets(secrets)
                            .build())
                    .getVolume());
    if (volume == null) {
      return false;
    }
    String id = volume.getVolumeId();
    System.out.println("      volume_id=" + id + " context=" + volume.getVolumeContextMap());

    mount(nodeA, volume, pv, "web-v1");
    app(
        nodeA,
        "old pod web-v1 on node-a writes",
        "echo 'written by v1 on node-a' > " + nodeA.target("web-v1", pv) + "/shared.txt");
    mount(nodeB, volume, pv, "web-v2");
    check(
        app(
            nodeB,
            "surge: new pod web-v2 on node-b reads v1's data while v1 still runs",
            "cat " + nodeB.target("web-v2", pv) + "/shared.txt"),
        "written by v1 on node-a");
    app(
        nodeB,
        "web-v2 writes on node-b",
        "echo 'written by v2 on node-b' >> " + nodeB.target("web-v2", pv) + "/shared.txt");
    check(
        app(
            nodeA,
            "web-v1 on node-a sees v2's write (both mounted at once)",
            "cat " + nodeA.target("web-v1", pv) + "/shared.txt"),
        "written by v2 on node-b");
    step(
        "df in web-v2 shows the volume's size",
        () -> dfShowsSize(nodeB, nodeB.target("web-v2", pv), volume.getCapacityBytes()));
    step(
        "NodeGetVolumeStats on node-b",
        () -> {
          var stats =
              nodeB
                  .csi()
                  .nodeGetVolumeStats(
                      NodeGetVolumeStatsRequest.newBuilder()
                          .setVolumeId(id)
                          .setVolumePath(nodeB.target("web-v2", pv).toString())
                          .build());
          System.out.println(
              "      usage="
                  + stats.getUsageList().stream()
                      .map(u -> u.getUnit() + ":" + u.getUsed() + "/" + u.getTotal())
                      .toList()
                  + " abnormal="
                  + stats.getVolumeCondition().getAbnormal());
          long total =
              stats.getUsageList().stream()
                  .filter(u -> u.getUnit() == VolumeUsage.Unit.BYTES)
                  .mapToLong(VolumeUsage::getTotal)
                  .findFirst()
                  .orElse(-1);
          if (total != volume.getCapacityBytes()) {
            throw new IllegalStateException(
                "total bytes " + total + ", not the volume's " + volume.getCapacityBytes());
          }
          return stats;
        });
    unmount(nodeA, id, pv, "web-v1");
    check(
        app(
            nodeB,
            "old pod gone: web-v2 keeps reading",
            "cat " + nodeB.target("web-v2", pv) + "/shared.txt"),
        "written by v1 on node-a");
    app(
        nodeB,
        "web-v2 keeps writing",
        "echo 'still writing' >> " + nodeB.target("web-v2", pv) + "/shared.txt");
    unmount(nodeB, id, pv, "web-v2");
    step(
        "DeleteVolume",
        () ->
            controller.deleteVolume(
                DeleteVolumeRequest.newBuilder().setVolumeId(id).putAllSecrets(secrets).build()));
    return !failed;
  }

  private void mount(Node node, Volume volume, String pv, String pod) {
    step(
        node.name() + ": NodeStageVolume",
        () ->
            node.csi()
                .nodeStageVolume(
                    NodeStageVolumeRequest.newBuilder()
                        .setVolumeId(volume.getVolumeId())
                        .setStagingTargetPath(node.staging(pv).toString())
                        .setVolumeCapability(RWX)
                        .putAllVolumeContext(volume.getVolumeContextMap())
                        .putAllSecrets(secrets)
                        .build()));
    step(
        node.name() + ": NodePublishVolume for pod " + pod,
        () ->
            node.csi()
                .nodePublishVolume(
                    NodePublishVolumeRequest.newBuilder()
                        .setVolumeId(volume.getVolumeId())
                        .setStagingTargetPath(node.staging(pv).toString())
                        .setTargetPath(node.target(pod, pv).toString())
                        .setVolumeCapability(RWX)
                        .putAllVolumeContext(volume.getVolumeContextMap())
                        .build()));
  }

  private void unmount(Node node, String id, String pv, String pod) {
    step(
        node.name() + ": NodeUnpublishVolume for pod " + pod,
        () ->
            node.csi()
                .nodeUnpublishVolume(
                    NodeUnpublishVolumeRequest.newBuilder()
                        .setVolumeId(id)
                        .setTargetPath(node.target(pod, pv).toString())
                        .build()));
    step(
        node.name() + ": NodeUnstageVolume",
        () ->
            node.csi()
                .nodeUnstageVolume(
                    NodeUnstageVolumeRequest.newBuilder()
                        .setVolumeId(id)
                        .setStagingTargetPath(node.staging(pv).toString())
                        .build()));
  }

  /**
   * Compares the size {@code df} shows in the pod with the volume's. A shared ceph-fuse client
   * answers statfs for the subvolume group it mounts, whatever directory is asked (README, "For app
   * owners"): through one a difference is that known limit and said so, anywhere else it fails the
   * step. Never ok unless the sizes are equal.
   */
  private long dfShowsSize(Node node, Path target, long volumeBytes) {
    // "1B-blocks", the size, then the fsType of the mount
    String[] out =
        sh(node, "df -B1 --output=size " + target + " && findmnt -n -o FSTYPE -M " + target)
            .strip()
            .split("\\s+");
    long size = Long.parseLong(out[1]);
    System.out.println(
        "      df: " + human(size) + " on " + out[2] + ", the volume: " + human(volumeBytes));
    if (size == volumeBytes) {
      return size;
    }
    String differs = "df shows " + human(size) + ", not the volume's " + human(volumeBytes);
    if (CephContext.FS_TYPES.contains(out[2])) {
      throw new NotShown(
          differs
              + ": the shared ceph-fuse client answers statfs for the whole subvolume group"
              + " (NodeGetVolumeStats has the volume's size)");
    }
    throw new IllegalStateException(differs);
  }

  private static String human(long bytes) {
    return bytes >= 1L << 30
        ? String.format("%.1f GiB", bytes / (double) (1L << 30))
        : (bytes >> 20) + " MiB";
  }

  /** A step that cannot show what it says, for a documented reason: neither ok nor a failure. */
  private static final class NotShown extends RuntimeException {
    NotShown(String message) {
      super(message);
    }
  }

  /** One secret per file, named like the file: the layout of a mounted Kubernetes Secret. */
  private static Map<String, String> readSecrets(Path dir) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        out.put(file.getFileName().toString(), Files.readString(file).strip());
      }
    }
    return out;
  }

  private String app(Node node, String label, String script) {
    return step(label, () -> sh(node, script));
  }

  /** Runs a shell command in the node's mount namespace, as a container on that node would. */
  private String sh(Node node, String script) {
    return runner
        .run(
            Command.of("nsenter", "-t", Long.toString(node.pid()), "-m", "sh", "-c", script)
                .withTimeout(Duration.ofSeconds(30)))
        .stdout();
  }

  private void check(String output, String expected) {
    if (output == null || !output.contains(expected)) {
      failed = true;
      System.out.println("      FAILED: expected to read '" + expected + "', got: " + output);
    } else {
      System.out.println("      read: " + output.strip().replace("\n", " | "));
    }
  }

  private <T> T step(String label, Supplier<T> action) {
    step++;
    long start = System.nanoTime();
    try {
      T result = action.get();
      System.out.printf(
          "[%2d] %-72s ok   %5d ms%n", step, label, (System.nanoTime() - start) / 1_000_000);
      return result;
    } catch (NotShown e) {
      System.out.printf(
          "[%2d] %-72s no   %5d ms: %s%n",
          step, label, (System.nanoTime() - start) / 1_000_000, e.getMessage());
      return null;
    } catch (RuntimeException e) {
      failed = true;
      System.out.printf(
          "[%2d] %-72s FAIL %5d ms: %s%n",
          step, label, (System.nanoTime() - start) / 1_000_000, e.getMessage());
      return null;
    }
  }

  private ManagedChannel channel(String socket) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(socket))
            .eventLoopGroup(group)
            .channelType(EpollDomainSocketChannel.class)
            .usePlaintext()
            .build();
    channels.add(channel);
    return channel;
  }

  private void close() {
    channels.forEach(ManagedChannel::shutdownNow);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
