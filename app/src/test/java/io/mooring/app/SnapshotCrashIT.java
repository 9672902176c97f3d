package io.mooring.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.ControllerGrpc;
import csi.v1.Csi.CapacityRange;
import csi.v1.Csi.CreateSnapshotRequest;
import csi.v1.Csi.CreateVolumeRequest;
import csi.v1.Csi.DeleteSnapshotRequest;
import csi.v1.Csi.DeleteVolumeRequest;
import csi.v1.Csi.GetPluginCapabilitiesRequest;
import csi.v1.Csi.GroupControllerGetCapabilitiesRequest;
import csi.v1.Csi.GroupControllerServiceCapability;
import csi.v1.Csi.ListVolumesRequest;
import csi.v1.Csi.PluginCapability;
import csi.v1.Csi.Volume;
import csi.v1.Csi.VolumeCapability;
import csi.v1.Csi.VolumeContentSource;
import csi.v1.GroupControllerGrpc;
import csi.v1.IdentityGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mooring.testing.GlusterFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: a restore or clone cut off by a SIGKILL of the controller while Ceph copies converges
 * when the provisioner retries against the restarted controller: one volume with the source's
 * content, no leftover subvolume, reservation or temporary snapshot.
 */
class SnapshotCrashIT {

  static final long MIB = 1 << 20;

  /** Seconds the mgr's cloner waits before it copies (Ceph 16.2.11 and later). */
  static final String CLONE_DELAY = "mgr/volumes/snapshot_clone_delay";

  Path dir;
  Path backends;
  String group;
  RunningPlugin controller;
  int generation;

  @BeforeEach
  void setUp() throws Exception {
    dir = Files.createTempDirectory("mooring-snap-crash");
    Path secretDir = Files.createDirectories(dir.resolve("secret"));
    Files.writeString(
        secretDir.resolve("adminID"), System.getenv().getOrDefault("CEPH_ADMIN_ID", "admin"));
    Files.copy(Path.of(System.getenv("CEPH_ADMIN_KEY_FILE")), secretDir.resolve("adminKey"));
    group = "crash-" + UUID.randomUUID().toString().substring(0, 8);
    backends =
        Files.writeString(
            dir.resolve("backends.yaml"),
            """
            backends:
              - name: ceph-crash
                type: cephfs
                monitors: [%s]
                fsName: %s
                subvolumeGroup: %s
                adminSecretDir: %s
            """
                .formatted(System.getenv("CEPH_MONITORS"), ChurnIT.cephFs(), group, secretDir));
    // Ceph starts each copy this long after it is asked: the calls below are cut off while it is
    // pending, whatever the machine's speed (an idle CI machine copied the data within 1 s)
    ceph("config", "set", "mgr", CLONE_DELAY, "5");
    start();
  }

  void start() throws Exception {
    controller =
        RunningPlugin.start(
            dir.resolve("csi.sock"),
            dir.resolve("controller-" + generation++ + ".log"),
            "controller",
            "--backends",
            backends.toString(),
            "--state-dir",
            Files.createDirectories(dir.resolve("state")).toString());
  }

  @AfterEach
  void tearDown() throws Exception {
    ceph("config", "rm", "mgr", CLONE_DELAY);
    if (controller != null) {
      controller.close();
    }
    for (String sub : subvolumes()) {
      for (String snap : names(ceph("fs", "subvolume", "snapshot", "ls", fs(), sub, group))) {
        ceph("fs", "subvolume", "snapshot", "rm", fs(), sub, snap, group, "--force");
      }
      ceph("fs", "subvolume", "rm", fs(), sub, group, "--force");
    }
    ceph("fs", "subvolumegroup", "rm", fs(), group, "--force");
    GlusterFixture.run("rm", "-rf", "--one-file-system", dir.toString());
  }

  ControllerGrpc.ControllerBlockingStub stub(int seconds) {
    return ControllerGrpc.newBlockingStub(controller.channel())
        .withDeadlineAfter(seconds, TimeUnit.SECONDS);
  }

  static CreateVolumeRequest create(String name, VolumeContentSource source) {
    CreateVolumeRequest.Builder req =
        CreateVolumeRequest.newBuilder()
            .setName(name)
            .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(512 * MIB))
            .addVolumeCapabilities(
                VolumeCapability.newBuilder()
                    .setMount(VolumeCapability.MountVolume.getDefaultInstance())
                    .setAccessMode(
                        VolumeCapability.AccessMode.newBuilder()
                            .setMode(VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER)));
    if (source != null) {
      req.setVolumeContentSource(source);
    }
    return req.build();
  }

  @Test
  void aCephfsControllerServesSnapshotsAndGroupSnapshots() {
    assertTrue(
        IdentityGrpc.newBlockingStub(controller.channel())
            .getPluginCapabilities(GetPluginCapabilitiesRequest.getDefaultInstance())
            .getCapabilitiesList()
            .stream()
            .anyMatch(
                c ->
                    c.getService().getType()
                        == PluginCapability.Service.Type.GROUP_CONTROLLER_SERVICE));
    assertEquals(
        GroupControllerServiceCapability.RPC.Type.CREATE_DELETE_GET_VOLUME_GROUP_SNAPSHOT,
        GroupControllerGrpc.newBlockingStub(controller.channel())
            .groupControllerGetCapabilities(
                GroupControllerGetCapabilitiesRequest.getDefaultInstance())
            .getCapabilities(0)
            .getRpc()
            .getType());
  }

  @Test
  void restoresAndClonesCutOffByASigkillConvergeOnRetry() throws Exception {
    Volume source = stub(60).createVolume(create("pvc-crash-src", null)).getVolume();
    String path = source.getVolumeContextMap().get("path");
    String sum =
        onMount(
            path, "dd if=/dev/urandom of=blob bs=4M count=48 status=none && sync && md5sum < blob");
    String snapshot =
        stub(60)
            .createSnapshot(
                CreateSnapshotRequest.newBuilder()
                    .setName("snapshot-crash")
                    .setSourceVolumeId(source.getVolumeId())
                    .build())
            .getSnapshot()
            .getSnapshotId();
    VolumeContentSource.Builder fromSnapshot = VolumeContentSource.newBuilder();
    fromSnapshot.getSnapshotBuilder().setSnapshotId(snapshot);
    VolumeContentSource.Builder fromVolume = VolumeContentSource.newBuilder();
    fromVolume.getVolumeBuilder().setVolumeId(source.getVolumeId());

    for (CreateVolumeRequest req :
        List.of(
            create("pvc-crash-restored", fromSnapshot.build()),
            create("pvc-crash-clone", fromVolume.build()))) {
      // with the clone delay, a 2 s deadline leaves the copy pending
      StatusRuntimeException cut =
          assertThrows(StatusRuntimeException.class, () -> stub(2).createVolume(req));
      assertTrue(
          Set.of(Status.Code.ABORTED, Status.Code.DEADLINE_EXCEEDED)
              .contains(cut.getStatus().getCode()),
          cut.getStatus().toString());
      controller.kill();
      start();
      Volume made = retried(req);
      assertEquals(sum, onMount(made.getVolumeContextMap().get("path"), "md5sum < blob"));
    }

    String sourceDir = dirOf(source.getVolumeId());
    assertEquals(
        Set.of(snapshot.substring(snapshot.lastIndexOf(':') + 1)),
        names(ceph("fs", "subvolume", "snapshot", "ls", fs(), sourceDir, group)),
        "the clone's temporary snapshot is gone; the user's stays");
    Set<String> listed = new TreeSet<>();
    stub(60)
        .listVolumes(ListVolumesRequest.getDefaultInstance())
        .getEntriesList()
        .forEach(e -> listed.add(dirOf(e.getVolume().getVolumeId())));
    assertEquals(subvolumes(), listed, "ListVolumes and Ceph agree: no orphan, none lost");
    assertEquals(3, listed.size());
    assertFalse(omapKeys().contains("reserved."), omapKeys());

    stub(60).deleteSnapshot(DeleteSnapshotRequest.newBuilder().setSnapshotId(snapshot).build());
    for (String d : listed) {
      stub(60)
          .deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId("v1:ceph-crash:" + d).build());
    }
    assertEquals(Set.of(), subvolumes());
  }

  /**
   * The CreateVolume, retried while it answers ABORTED (the copy goes on), as the provisioner does.
   */
  Volume retried(CreateVolumeRequest req) throws InterruptedException {
    for (int attempt = 1; ; attempt++) {
      try {
        return stub(30).createVolume(req).getVolume();
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.ABORTED || attempt == 20) {
          throw e;
        }
        Thread.sleep(500);
      }
    }
  }

  /** Runs {@code script} in a ceph-fuse mount of {@code cephPath} (as the admin); its output. */
  String onMount(String cephPath, String script) throws Exception {
    Path at = Files.createDirectories(dir.resolve("mnt"));
    GlusterFixture.run(
        "ceph-fuse", "--conf", System.getenv("CEPH_CONF"), "-r", cephPath, at.toString());
    try {
      return GlusterFixture.run("sh", "-c", "cd " + at + " && " + script).strip();
    } finally {
      GlusterFixture.run("umount", at.toString());
    }
  }

  String omapKeys() {
    try {
      return GlusterFixture.run(
          "rados",
          "--conf",
          System.getenv("CEPH_CONF"),
          "-p",
          "cephfs." + fs() + ".meta",
          "-N",
          "mooring",
          "listomapkeys",
          "volumes." + group);
    } catch (RuntimeException e) {
      return "";
    }
  }

  Set<String> subvolumes() {
    try {
      return names(ceph("fs", "subvolume", "ls", fs(), group));
    } catch (RuntimeException e) {
      return Set.of(); // no group
    }
  }

  static Set<String> names(String json) {
    Set<String> out = new TreeSet<>();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\"name\":\\s*\"([^\"]+)\"").matcher(json);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  static String dirOf(String volumeId) {
    return volumeId.substring(volumeId.lastIndexOf(':') + 1);
  }

  static String fs() {
    return ChurnIT.cephFs();
  }

  static String ceph(String... args) {
    String[] withFormat = Arrays.copyOf(args, args.length + 2);
    withFormat[args.length] = "--format";
    withFormat[args.length + 1] = "json";
    return ChurnIT.ceph(withFormat);
  }
}
