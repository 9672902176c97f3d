package io.mooring.node;

import csi.v1.Csi.NodePublishVolumeRequest;
import csi.v1.Csi.NodeStageVolumeRequest;
import csi.v1.Csi.VolumeCapability;
import csi.v1.NodeGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.mooring.exec.CommandResult;
import io.mooring.exec.CommandRunner;
import io.mooring.mount.MountProbe;
import io.mooring.mount.Mounter;
import io.mooring.node.ceph.CephClients;
import io.mooring.node.ceph.CephFuse;
import io.mooring.node.gluster.GlusterClients;
import io.mooring.testing.RecordedEvents;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** A NodeService served in-process over a given Mounter, with request builders for tests. */
final class InProcessNode implements AutoCloseable {

  static final String BACKEND = "gluster-a";
  static final String DF =
      "1B-blocks Used Avail Inodes IUsed IFree\n10485760 4096 10481664 1000 10 990\n";

  final Path stateDir;
  final Path kubelet;
  final Mounter mounter;
  final SharedMounts<GlusterClients> mounts;
  final SharedMounts<CephClients> ceph;
  final AtomicInteger wakes = new AtomicInteger();
  final RecordedEvents events = new RecordedEvents();
  final PodEvents pods;
  final NodeGrpc.NodeBlockingStub stub;
  private final MountProbe probe = new MountProbe(Duration.ofSeconds(5));
  private final Server server;
  private final ManagedChannel channel;

  InProcessNode(Path root, Mounter mounter, Duration lockWait) {
    this(root, mounter, command -> new CommandResult(0, DF, "", 1), lockWait);
  }

  /**
   * @param runner runs df and ceph-fuse
   */
  InProcessNode(Path root, Mounter mounter, CommandRunner runner, Duration lockWait) {
    try {
      this.stateDir = Files.createDirectories(root.resolve("state")).toRealPath();
      this.kubelet = Files.createDirectories(root.resolve("kubelet")).toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.mounter = mounter;
    this.pods = new PodEvents(events, stateDir.resolve("pods"));
    this.mounts =
        new SharedMounts<>(
            new GlusterClients(stateDir, mounter, ClientLimits.GLUSTER),
            mounter,
            probe,
            lockWait,
            Optional.empty(),
            pods);
    this.ceph =
        new SharedMounts<>(
            new CephClients(stateDir, new CephFuse(ClientLimits.CEPH, runner), mounter::table),
            mounter,
            probe,
            lockWait,
            Optional.empty(),
            pods);
    NodeService service =
        new NodeService(
            "node-1",
            Map.of(),
            mounter,
            NodePlugin.kinds(mounts, ceph, mounter, new VolumeStats(runner)),
            wakes::incrementAndGet,
            lockWait,
            pods);
    String name = InProcessServerBuilder.generateName();
    try {
      this.server =
          InProcessServerBuilder.forName(name).directExecutor().addService(service).build().start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    this.stub = NodeGrpc.newBlockingStub(channel);
  }

  static VolumeCapability capability(VolumeCapability.AccessMode.Mode mode, String... flags) {
    return VolumeCapability.newBuilder()
        .setMount(
            VolumeCapability.MountVolume.newBuilder().addAllMountFlags(java.util.List.of(flags)))
        .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(mode))
        .build();
  }

  static VolumeCapability rwx() {
    return capability(VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER);
  }

  static String id(String dir) {
    return "v1:" + BACKEND + ":" + dir;
  }

  static Map<String, String> context(String dir) {
    return Map.of(
        "backend",
        BACKEND,
        "type",
        "glusterfs",
        "servers",
        "g1,g2",
        "volume",
        "vol",
        "path",
        "/base/" + dir);
  }

  Path staging(String dir) {
    return kubelet.resolve("plugins/mooring/" + dir + "/globalmount");
  }

  Path target(String dir, String pod) {
    return kubelet.resolve("pods/" + pod + "/volumes/" + dir + "/mount");
  }

  /**
   * The volume's directory as the fake client would show it (fake mounts leave directories alone).
   */
  void createVolumeDir(String dir) throws IOException {
    Files.createDirectories(mounts.path(BACKEND).resolve("base").resolve(dir));
  }

  NodeStageVolumeRequest stage(String dir) {
    return NodeStageVolumeRequest.newBuilder()
        .setVolumeId(id(dir))
        .setStagingTargetPath(staging(dir).toString())
        .setVolumeCapability(rwx())
        .putAllVolumeContext(context(dir))
        .build();
  }

  NodePublishVolumeRequest publish(String dir, String pod) {
    return NodePublishVolumeRequest.newBuilder()
        .setVolumeId(id(dir))
        .setStagingTargetPath(staging(dir).toString())
        .setTargetPath(target(dir, pod).toString())
        .setVolumeCapability(rwx())
        .putAllVolumeContext(context(dir))
        .build();
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.shutdownNow();
  }
}
