package io.mooring.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.ControllerGrpc;
import csi.v1.Csi.CapacityRange;
import csi.v1.Csi.CreateVolumeRequest;
import csi.v1.Csi.DeleteVolumeRequest;
import csi.v1.Csi.NodePublishVolumeRequest;
import csi.v1.Csi.NodeStageVolumeRequest;
import csi.v1.Csi.NodeUnpublishVolumeRequest;
import csi.v1.Csi.NodeUnstageVolumeRequest;
import csi.v1.Csi.ProbeRequest;
import csi.v1.Csi.ProbeResponse;
import csi.v1.Csi.Volume;
import csi.v1.IdentityGrpc;
import csi.v1.NodeGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mooring.testing.GlusterFixture;
import io.mooring.testing.StorageHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a real network does to a cluster whose storage is elsewhere: the storage host's link goes
 * down and comes back, and its glusterd restarts, under the real program (controller and node in
 * one process) with published volumes, for GlusterFS and CephFS. Prints the recovery times.
 */
class StorageOutageIT {

  Path dir;
  Path stateDir;
  RunningPlugin plugin;

  /**
   * What CreateVolume and NodeStageVolume carry (CephFS: the provisioner's and node-stage Secrets).
   */
  Map<String, String> secrets = Map.of();

  @BeforeEach
  void setUp() throws Exception {
    dir = Files.createTempDirectory("mo");
    // short: ssh's connection sockets live below it (SshTransport.MAX_CONTROL_DIR)
    stateDir = Files.createDirectories(dir.resolve("s")).toRealPath();
  }

  void start(String backend) throws Exception {
    Path backends = Files.writeString(dir.resolve("backends.yaml"), "backends:\n" + backend);
    plugin =
        RunningPlugin.start(
            dir.resolve("csi.sock"),
            dir.resolve("plugin.log"),
            "all",
            "--node-id",
            "n1",
            "--backends",
            backends.toString(),
            "--state-dir",
            stateDir.toString(),
            "--health-interval",
            "1s");
  }

  void startGluster() throws Exception {
    start(GlusterFixture.backendYaml("gluster-it", GlusterFixture.uniqueBasePath()));
  }

  /** A CephFS backend on a subvolume group of its own, removed again by {@link #tearDown}. */
  String startCeph() throws Exception {
    CephAdmin admin = CephAdmin.ofFixture();
    secrets = admin.secrets();
    Path secretDir = admin.writeSecretDir(dir.resolve("secret"));
    cephGroup = "outage-" + UUID.randomUUID().toString().substring(0, 8);
    start(
        """
          - name: ceph-it
            type: cephfs
            monitors: [%s]
            fsName: %s
            subvolumeGroup: %s
            adminSecretDir: %s
        """
            .formatted(System.getenv("CEPH_MONITORS"), cephFs(), cephGroup, secretDir));
    return System.getenv("CEPH_MONITORS");
  }

  String cephGroup;

  static String cephFs() {
    return System.getenv().getOrDefault("CEPH_FS", "cephfs");
  }

  @AfterEach
  void tearDown() throws Exception {
    StorageHost.linkUp();
    if (plugin != null) {
      plugin.close();
      System.out.println("--- plugin log\n" + plugin.log()); // the recovery as the plugin saw it
    }
    GlusterFixture.removeUnder(dir, stateDir);
    if (cephGroup != null) {
      GlusterFixture.run(
          "ceph",
          "--conf",
          System.getenv("CEPH_CONF"),
          "fs",
          "subvolumegroup",
          "rm",
          cephFs(),
          cephGroup,
          "--force");
    }
  }

  ControllerGrpc.ControllerBlockingStub controller(int seconds) {
    return ControllerGrpc.newBlockingStub(plugin.channel())
        .withDeadlineAfter(seconds, TimeUnit.SECONDS);
  }

  Volume create(String name, int seconds) {
    return controller(seconds)
        .createVolume(
            CreateVolumeRequest.newBuilder()
                .setName(name)
                .addVolumeCapabilities(NodeRestartIT.RWX)
                .putAllSecrets(secrets)
                .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(16L << 20))
                .build())
        .getVolume();
  }

  ProbeResponse probe() {
    return IdentityGrpc.newBlockingStub(plugin.channel())
        .withDeadlineAfter(20, TimeUnit.SECONDS)
        .probe(ProbeRequest.getDefaultInstance());
  }

  Path publish(Volume volume) {
    NodeGrpc.NodeBlockingStub node =
        NodeGrpc.newBlockingStub(plugin.channel()).withDeadlineAfter(60, TimeUnit.SECONDS);
    Path staging = dir.resolve("kubelet/plugins/kubernetes.io/csi/mooring.csi.io/pv/globalmount");
    Path target = dir.resolve("kubelet/pods/pod-a/volumes/kubernetes.io~csi/pv/mount");
    node.nodeStageVolume(
        NodeStageVolumeRequest.newBuilder()
            .setVolumeId(volume.getVolumeId())
            .setStagingTargetPath(staging.toString())
            .setVolumeCapability(NodeRestartIT.RWX)
            .putAllSecrets(secrets)
            .putAllVolumeContext(volume.getVolumeContextMap())
            .build());
    node.nodePublishVolume(
        NodePublishVolumeRequest.newBuilder()
            .setVolumeId(volume.getVolumeId())
            .setStagingTargetPath(staging.toString())
            .setTargetPath(target.toString())
            .setVolumeCapability(NodeRestartIT.RWX)
            .putAllVolumeContext(volume.getVolumeContextMap())
            .build());
    return target;
  }

  void unpublish(Volume volume, Path target) {
    NodeGrpc.NodeBlockingStub node =
        NodeGrpc.newBlockingStub(plugin.channel()).withDeadlineAfter(60, TimeUnit.SECONDS);
    node.nodeUnpublishVolume(
        NodeUnpublishVolumeRequest.newBuilder()
            .setVolumeId(volume.getVolumeId())
            .setTargetPath(target.toString())
            .build());
    node.nodeUnstageVolume(
        NodeUnstageVolumeRequest.newBuilder()
            .setVolumeId(volume.getVolumeId())
            .setStagingTargetPath(
                dir.resolve("kubelet/plugins/kubernetes.io/csi/mooring.csi.io/pv/globalmount")
                    .toString())
            .build());
    delete(volume);
  }

  void delete(Volume volume) {
    controller(60)
        .deleteVolume(
            DeleteVolumeRequest.newBuilder()
                .setVolumeId(volume.getVolumeId())
                .putAllSecrets(secrets)
                .build());
  }

  /** Polls {@code ok} every 250 ms until it holds; returns the milliseconds it took. */
  static long millisUntil(int maxSeconds, String what, Supplier<Boolean> ok)
      throws InterruptedException {
    long start = System.nanoTime();
    while (!ok.get()) {
      assertTrue(
          System.nanoTime() - start < maxSeconds * 1_000_000_000L,
          what + " not within " + maxSeconds + " s");
      Thread.sleep(250);
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  static boolean writesAndReads(Path target, String text) {
    try {
      Files.writeString(target.resolve("probe.txt"), text);
      return Files.readString(target.resolve("probe.txt")).equals(text);
    } catch (IOException e) {
      return false;
    }
  }

  Volume createSucceeds(String name) {
    try {
      return create(name, 30);
    } catch (StatusRuntimeException e) {
      return null; // the provisioner retries
    }
  }

  @Test
  void glusterLinkDownFailsRpcsFastAndThePublishedVolumeComesBackWithTheLink() throws Exception {
    startGluster();
    linkOutage("GlusterFS", GlusterFixture.server());
  }

  @Test
  void cephLinkDownFailsRpcsFastAndThePublishedVolumeComesBackWithTheLink() throws Exception {
    String monitors = startCeph();
    linkOutage("CephFS", monitors.split(":")[0]);
  }

  /**
   * The link goes down under a published volume and comes back; {@code address} is named in errors.
   */
  void linkOutage(String backend, String address) throws Exception {
    Volume volume = create("pvc-outage-a", 60);
    Path target = publish(volume);
    assertTrue(writesAndReads(target, "before"));

    StorageHost.linkDown();
    long down = System.nanoTime();
    StatusRuntimeException failed = null;
    try {
      create("pvc-outage-b", 120); // the provisioner's --timeout in deploy/
    } catch (StatusRuntimeException e) {
      failed = e;
    }
    long createMs = (System.nanoTime() - down) / 1_000_000;
    assertTrue(failed != null, "CreateVolume succeeded with the storage link down");
    assertEquals(Status.Code.UNAVAILABLE, failed.getStatus().getCode(), failed.toString());
    assertTrue(failed.getStatus().getDescription().contains(address), failed.toString());
    assertTrue(createMs < 60_000, "CreateVolume took " + createMs + " ms to fail");
    // Nothing is held: the next call fails just as fast instead of queueing behind the first.
    long again = System.nanoTime();
    StatusRuntimeException second =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class, () -> create("pvc-outage-b", 120));
    long againMs = (System.nanoTime() - again) / 1_000_000;
    assertEquals(Status.Code.UNAVAILABLE, second.getStatus().getCode(), second.toString());
    assertTrue(againMs < 60_000, "second CreateVolume took " + againMs + " ms");
    long probeStart = System.nanoTime();
    ProbeResponse notReady = probe();
    long probeMs = (System.nanoTime() - probeStart) / 1_000_000;
    assertFalse(notReady.getReady().getValue(), "Probe ready with the storage link down");
    System.out.printf(
        backend
            + ", link down: CreateVolume UNAVAILABLE after %d ms, again after %d ms, Probe not"
            + " ready in %d ms%n",
        createMs,
        againMs,
        probeMs);

    StorageHost.linkUp();
    long ioMs =
        millisUntil(
            180,
            "the published volume reads and writes again",
            () -> writesAndReads(target, "after"));
    long readyMs =
        millisUntil(
            120,
            "Probe ready",
            () -> {
              assertTrue(
                  plugin.process.isAlive(),
                  () -> "the plugin died: exit " + plugin.process.exitValue());
              try {
                return probe().getReady().getValue();
              } catch (StatusRuntimeException e) {
                // a plugin that died resets the connection: the next round says so, with its exit
                // code
                System.out.println("Probe: " + e.getStatus());
                return false;
              }
            });
    Volume[] next = new Volume[1];
    long createAgainMs =
        millisUntil(
            120, "CreateVolume succeeds", () -> (next[0] = createSucceeds("pvc-outage-b")) != null);
    System.out.printf(
        backend
            + ", link up: published volume reads+writes again after %d ms, Probe ready after %d ms"
            + " more, CreateVolume ok after %d ms more%n",
        ioMs,
        readyMs,
        createAgainMs);
    assertTrue(plugin.process.isAlive(), "no restart needed");
    delete(next[0]);
    unpublish(volume, target);
  }

  @Test
  void createVolumeSucceedsAfterGlusterdRestarts() throws Exception {
    startGluster();
    Volume first = create("pvc-glusterd-a", 60);
    long restart = System.nanoTime();
    StorageHost.restartGlusterd();
    Volume[] next = new Volume[1];
    long ms =
        millisUntil(
            120,
            "CreateVolume after glusterd's restart",
            () -> (next[0] = createSucceeds("pvc-glusterd-b")) != null);
    System.out.printf(
        "glusterd restarted: CreateVolume ok %d ms after the restart began (%d ms of retries)%n",
        (System.nanoTime() - restart) / 1_000_000, ms);
    delete(first);
    delete(next[0]);
  }
}
