package io.mooring.node;

import io.grpc.BindableService;
import io.mooring.errors.StorageException;
import io.mooring.events.ClusterEvents;
import io.mooring.exec.CommandRunner;
import io.mooring.mount.MountProbe;
import io.mooring.mount.Mounter;
import io.mooring.node.ceph.CephClients;
import io.mooring.node.ceph.CephFuse;
import io.mooring.node.ceph.CephKind;
import io.mooring.node.gluster.GlusterClients;
import io.mooring.node.gluster.GlusterKind;
import io.mooring.rpc.Metrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node plugin: the CSI Node service and the monitor that keeps its FUSE clients (glusterfs and
 * ceph-fuse) alive. Closing it stops the monitor but leaves every mount in place: the FUSE clients
 * serve running pods and must survive a plugin restart, after which {@link #start} adopts them.
 */
public final class NodePlugin implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(NodePlugin.class);
  private static final Path SELF_CGROUP = Path.of("/proc/self/cgroup");

  /** A stat of a healthy mount takes microseconds; one of a hung mount may take minutes. */
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

  /** RPCs on one volume: the kubelet retries an ABORTED call with backoff. */
  private static final Duration VOLUME_LOCK_WAIT = Duration.ofSeconds(10);

  /** Covers a heal of every mount of a client, which includes a mount with a 30 s timeout. */
  private static final Duration CLIENT_LOCK_WAIT = Duration.ofSeconds(60);

  private final Mounter mounter;
  private final MountProbe probe;
  private final HealthMonitor monitor;
  private final NodeService service;
  private final Optional<Cgroups> cgroups;

  /**
   * @param events where heals and abnormal clients are reported, on the pods and claims that use
   *     them
   */
  public NodePlugin(
      NodeConfig config,
      Mounter mounter,
      CommandRunner runner,
      Metrics metrics,
      ClusterEvents events) {
    this.mounter = mounter;
    this.probe = new MountProbe(PROBE_TIMEOUT);
    Path stateDir = canonical(config.stateDir());
    this.cgroups = clientCgroups(mounter);
    PodEvents pods = new PodEvents(events, stateDir.resolve("pods"));
    SharedMounts<GlusterClients> gluster =
        new SharedMounts<>(
            new GlusterClients(stateDir, mounter, config.gluster()),
            mounter,
            probe,
            CLIENT_LOCK_WAIT,
            cgroups,
            pods);
    SharedMounts<CephClients> ceph =
        new SharedMounts<>(
            new CephClients(stateDir, new CephFuse(config.ceph(), runner), mounter::table),
            mounter,
            probe,
            CLIENT_LOCK_WAIT,
            cgroups,
            pods);
    this.monitor = new HealthMonitor(List.of(gluster, ceph), metrics, config.healthInterval());
    this.service =
        new NodeService(
            config.nodeId(),
            config.topology(),
            mounter,
            kinds(gluster, ceph, mounter, new VolumeStats(runner)),
            monitor::wake,
            VOLUME_LOCK_WAIT,
            pods);
  }

  /** Ceph first: a Gluster backend's client answers for any volume ({@link GlusterKind#find}). */
  static List<VolumeKind> kinds(
      SharedMounts<GlusterClients> gluster,
      SharedMounts<CephClients> ceph,
      Mounter mounter,
      VolumeStats stats) {
    Staging staging = new Staging(mounter);
    return List.of(
        new CephKind(ceph, mounter, staging, stats), new GlusterKind(gluster, staging, stats));
  }

  public List<BindableService> services() {
    return List.of(service);
  }

  /** Adopts the mounts a previous run left, heals what is broken, then checks periodically. */
  public void start() {
    cgroups.ifPresent(Cgroups::removeUnused);
    monitor.logAdopted(mounter.table());
    monitor.check();
    monitor.start();
  }

  @Override
  public void close() {
    monitor.close();
    cgroups.ifPresent(Cgroups::close);
  }

  /** Never fails the node: without cgroups, clients run as before, in the container's. */
  private static Optional<Cgroups> clientCgroups(Mounter mounter) {
    try {
      Cgroups cgroups = Cgroups.setUp(Files.readString(SELF_CGROUP), mounter.table());
      LOG.info("FUSE clients run in {}", cgroups);
      return Optional.of(cgroups);
    } catch (IOException | StorageException e) {
      LOG.warn(
          "FUSE clients run without memory limits of their own, and an OOM in this container kills"
              + " them all: {}",
          e.getMessage());
      return Optional.empty();
    }
  }

  /** Mount points are compared with mountinfo, which shows paths with symbolic links resolved. */
  private static Path canonical(Path stateDir) {
    try {
      return Files.createDirectories(stateDir).toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create state dir " + stateDir, e);
    }
  }
}
