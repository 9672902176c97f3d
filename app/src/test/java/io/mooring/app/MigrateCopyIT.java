package io.mooring.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import csi.v1.Csi.Volume;
import csi.v1.NodeGrpc;
import io.mooring.copy.TreeCompare;
import io.mooring.exec.ProcessCommandRunner;
import io.mooring.testing.GlusterFixture;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The copy step of {@code mooring migrate} for real: the real program (controller and node in one
 * process) creates a Mooring GlusterFS volume and a CephFS one and publishes both as for a pod; the
 * GlusterFS one is filled with files of other owners, modes, times, xattrs, hard links and
 * symlinks; {@code mooring copy} (what the copy Job runs) copies it into the CephFS one and
 * verifies. A source with POSIX ACLs fails loudly: Mooring's FUSE mounts do not take ACLs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MigrateCopyIT {

  Path dir;
  Path stateDir;
  RunningPlugin plugin;
  Map<String, String> cephSecrets;
  String cephGroup = "migrate-" + UUID.randomUUID().toString().substring(0, 8);
  Volume gluster;
  Volume ceph;
  Path source;
  Path target;

  @BeforeAll
  void start() throws Exception {
    dir = Files.createTempDirectory("mm");
    stateDir = Files.createDirectories(dir.resolve("s")).toRealPath();
    CephAdmin admin = CephAdmin.ofFixture();
    cephSecrets = admin.secrets();
    Path backends =
        Files.writeString(
            dir.resolve("backends.yaml"),
            "backends:\n"
                + GlusterFixture.backendYaml("gluster-it", GlusterFixture.uniqueBasePath())
                + """
                  - name: ceph-it
                    type: cephfs
                    monitors: [%s]
                    fsName: %s
                    subvolumeGroup: %s
                    adminSecretDir: %s
                """
                    .formatted(
                        System.getenv("CEPH_MONITORS"),
                        StorageOutageIT.cephFs(),
                        cephGroup,
                        admin.writeSecretDir(dir.resolve("secret"))));
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
            stateDir.toString());
    gluster = create("pvc-migrate-source", "gluster-it", Map.of());
    ceph = create("pvc-migrate-target", "ceph-it", cephSecrets);
    source = publish(gluster, "src", Map.of());
    target = publish(ceph, "dst", cephSecrets);
  }

  @AfterAll
  void stop() throws Exception {
    try {
      for (Volume v : new Volume[] {gluster, ceph}) {
        if (v != null) {
          unpublish(v, v == gluster ? "src" : "dst");
          controller()
              .deleteVolume(
                  DeleteVolumeRequest.newBuilder()
                      .setVolumeId(v.getVolumeId())
                      .putAllSecrets(cephSecrets)
                      .build());
        }
      }
    } finally {
      plugin.close();
      GlusterFixture.removeUnder(dir, stateDir);
      GlusterFixture.run(
          "ceph",
          "--conf",
          System.getenv("CEPH_CONF"),
          "fs",
          "subvolumegroup",
          "rm",
          StorageOutageIT.cephFs(),
          cephGroup,
          "--force");
    }
  }

  @Test
  void copiesAGlusterVolumeIntoACephfsVolumeWithEverythingAndVerifies() throws Exception {
    byte[] data = new byte[4 << 20];
    new Random(42).nextBytes(data);
    Path app = Files.createDirectory(source.resolve("app"));
    Files.createDirectories(app.resolve("bin"));
    Files.write(app.resolve("data.bin"), data);
    Files.createLink(app.resolve("data.hardlink"), app.resolve("data.bin"));
    Files.writeString(app.resolve("bin/run.sh"), "#!/bin/sh\n");
    Path config = Files.writeString(app.resolve("config.yml"), "a: 1\n");
    xattrs(config).write("checksum", ByteBuffer.wrap("abc".getBytes(StandardCharsets.UTF_8)));
    Files.createSymbolicLink(app.resolve("current"), Path.of("bin/run.sh"));
    Files.createSymbolicLink(app.resolve("dangling"), Path.of("/nonexistent/x"));
    Files.createDirectories(source.resolve("dir with space"));
    Files.writeString(source.resolve("dir with space/empty file"), "");
    Files.createDirectory(source.resolve("tmp"));
    run("chown", "-R", "1001:2002", app.toString());
    run("chown", "999:999", source.toString());
    run("chmod", "2775", app.toString());
    run("chmod", "0640", config.toString());
    run("chmod", "0755", app.resolve("bin/run.sh").toString());
    run("chmod", "1777", source.resolve("tmp").toString());
    run("chmod", "0750", source.toString());
    Files.setLastModifiedTime(config, FileTime.from(Instant.parse("2001-02-03T04:05:06.789Z")));

    Result first = copy(source, target);
    assertEquals(0, first.exit, first::toString);
    assertTrue(
        first.out.contains(
            "5 files (8388623 bytes, SHA-256 each), 5 directories, 2 symlinks, 2 hard-linked,"
                + " 1 extended attributes and ACLs: the copy equals the source"),
        first.out);
    assertTrue(first.out.contains("the copy equals the source"), first.out);
    System.out.println(first.out);

    Path copied = target.resolve("app");
    assertArrayEquals(data, Files.readAllBytes(copied.resolve("data.bin")));
    assertTrue(Files.isSameFile(copied.resolve("data.bin"), copied.resolve("data.hardlink")));
    assertEquals(1001, Files.getAttribute(copied.resolve("config.yml"), "unix:uid"));
    assertEquals(2002, Files.getAttribute(copied.resolve("config.yml"), "unix:gid"));
    assertEquals(0100640, Files.getAttribute(copied.resolve("config.yml"), "unix:mode"));
    assertEquals(042775, Files.getAttribute(copied, "unix:mode"));
    assertEquals(041777, Files.getAttribute(target.resolve("tmp"), "unix:mode"));
    assertEquals(
        Instant.parse("2001-02-03T04:05:06.789Z"),
        Files.getLastModifiedTime(copied.resolve("config.yml")).toInstant());
    assertEquals("abc", read(xattrs(copied.resolve("config.yml")), "checksum"));
    assertEquals(Path.of("/nonexistent/x"), Files.readSymbolicLink(copied.resolve("dangling")));
    assertEquals(999, Files.getAttribute(target, "unix:uid"), "the root's owner travels");
    assertEquals(040750, Files.getAttribute(target, "unix:mode"));
    assertTrue(
        xattrs(source).list().contains("mooring"), "the GlusterFS volume's root holds its record");
    assertFalse(xattrs(target).list().contains("mooring"), "which does not travel");

    // the Job's pod is replaced (node lost) and copies again over what the first one left
    Files.writeString(copied.resolve("bin/run.sh"), "half-writ");
    Result again = copy(source, target);
    assertEquals(0, again.exit, again::toString);
    assertEquals("#!/bin/sh\n", Files.readString(copied.resolve("bin/run.sh")));

    // what the verification catches on real volumes: a byte changed behind its back
    FileTime time = Files.getLastModifiedTime(copied.resolve("data.bin"));
    data[1234] ^= 1;
    Files.write(copied.resolve("data.bin"), data);
    Files.setLastModifiedTime(copied.resolve("data.bin"), time);
    TreeCompare.Report caught =
        new TreeCompare(new ProcessCommandRunner()).compare(source, target, Duration.ofMinutes(1));
    assertEquals(
        List.of(
            "app/data.bin: content differs (SHA-256)",
            "app/data.hardlink: content differs (SHA-256)"),
        caught.shown());
  }

  @Test
  void aSourceWithAclsFailsLoudlyOnAMooringVolume() throws Exception {
    // a single-attach volume (any file system that keeps ACLs) as the source
    Path local = Files.createDirectories(dir.resolve("block-volume"));
    Files.writeString(local.resolve("shared.txt"), "x");
    run("setfacl", "-m", "u:4321:rw", local.resolve("shared.txt").toString());
    Path into = Files.createDirectories(target.resolve("acl-test"));

    Result result;
    try {
      result = copy(local, into);
    } finally {
      run("rm", "-rf", "--one-file-system", into.toString()); // the other test copies to the root
    }

    assertEquals(1, result.exit, result::toString);
    assertTrue(result.err.contains("Operation not supported"), result.err);
    assertFalse(result.out.contains("verified"), "nothing is called verified: " + result.out);
  }

  record Result(int exit, String out, String err) {}

  static Result copy(Path from, Path to) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] args = {"copy", from.toString(), to.toString()};
    int exit =
        Main.commandLine(args)
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(args);
    return new Result(exit, out.toString(), err.toString());
  }

  ControllerGrpc.ControllerBlockingStub controller() {
    return ControllerGrpc.newBlockingStub(plugin.channel()).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  Volume create(String name, String backend, Map<String, String> secrets) {
    return controller()
        .createVolume(
            CreateVolumeRequest.newBuilder()
                .setName(name)
                .addVolumeCapabilities(NodeRestartIT.RWX)
                .putParameters("backend", backend)
                .putAllSecrets(secrets)
                .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(64L << 20))
                .build())
        .getVolume();
  }

  Path staging(String pv) {
    return dir.resolve("kubelet/plugins/kubernetes.io/csi/mooring.csi.io/" + pv + "/globalmount");
  }

  Path publish(Volume volume, String pv, Map<String, String> secrets) {
    NodeGrpc.NodeBlockingStub node =
        NodeGrpc.newBlockingStub(plugin.channel()).withDeadlineAfter(60, TimeUnit.SECONDS);
    Path published =
        dir.resolve("kubelet/pods/copy-job/volumes/kubernetes.io~csi/" + pv + "/mount");
    node.nodeStageVolume(
        NodeStageVolumeRequest.newBuilder()
            .setVolumeId(volume.getVolumeId())
            .setStagingTargetPath(staging(pv).toString())
            .setVolumeCapability(NodeRestartIT.RWX)
            .putAllSecrets(secrets)
            .putAllVolumeContext(volume.getVolumeContextMap())
            .build());
    node.nodePublishVolume(
        NodePublishVolumeRequest.newBuilder()
            .setVolumeId(volume.getVolumeId())
            .setStagingTargetPath(staging(pv).toString())
            .setTargetPath(published.toString())
            .setVolumeCapability(NodeRestartIT.RWX)
            .putAllVolumeContext(volume.getVolumeContextMap())
            .build());
    return published;
  }

  void unpublish(Volume volume, String pv) {
    NodeGrpc.NodeBlockingStub node =
        NodeGrpc.newBlockingStub(plugin.channel()).withDeadlineAfter(60, TimeUnit.SECONDS);
    node.nodeUnpublishVolume(
        NodeUnpublishVolumeRequest.newBuilder()
            .setVolumeId(volume.getVolumeId())
            .setTargetPath(
                dir.resolve("kubelet/pods/copy-job/volumes/kubernetes.io~csi/" + pv + "/mount")
                    .toString())
            .build());
    node.nodeUnstageVolume(
        NodeUnstageVolumeRequest.newBuilder()
            .setVolumeId(volume.getVolumeId())
            .setStagingTargetPath(staging(pv).toString())
            .build());
  }

  static void run(String... argv) {
    GlusterFixture.run(argv);
  }

  static UserDefinedFileAttributeView xattrs(Path path) {
    return Files.getFileAttributeView(
        path, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
  }

  static String read(UserDefinedFileAttributeView view, String name) throws Exception {
    ByteBuffer buf = ByteBuffer.allocate(view.size(name));
    view.read(name, buf);
    return new String(buf.array(), StandardCharsets.UTF_8);
  }
}
