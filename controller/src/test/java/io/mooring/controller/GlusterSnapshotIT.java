package io.mooring.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.ControllerGrpc;
import csi.v1.Csi.ControllerGetCapabilitiesRequest;
import csi.v1.Csi.ControllerServiceCapability.RPC.Type;
import csi.v1.Csi.CreateSnapshotRequest;
import csi.v1.Csi.CreateVolumeRequest;
import csi.v1.Csi.DeleteSnapshotRequest;
import csi.v1.Csi.DeleteVolumeRequest;
import csi.v1.Csi.ListSnapshotsRequest;
import csi.v1.Csi.ListSnapshotsResponse;
import csi.v1.Csi.ListVolumesRequest;
import csi.v1.Csi.Snapshot;
import csi.v1.Csi.Volume;
import csi.v1.Csi.VolumeContentSource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mooring.controller.backend.gluster.GlusterBackend;
import io.mooring.controller.config.FixtureBackends;
import io.mooring.exec.ProcessCommandRunner;
import io.mooring.mount.SystemMounter;
import io.mooring.testing.GlusterFixture;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Copy-based snapshots, restores and clones of GlusterFS volumes, through the Controller service,
 * against the fixture's replicated Gluster volume. Files are written through a mount of its own
 * with {@code acl}, as an app with ACLs would.
 */
class GlusterSnapshotIT {

  static final long MIB = 1 << 20;

  /** user:999:rwx on top of the mode bits, as setfacl -m u:999:rwx writes it. */
  static final String ACL = "0sAgAAAAEABwD/////AgAHAOcDAAAEAAUA/////xAABwD/////IAAFAP////8=";

  static Path stateDir;
  static Path view;
  static String basePath;

  GlusterBackend backend;
  InProcessController controller;
  ControllerGrpc.ControllerBlockingStub stub;

  @BeforeAll
  static void mountView() throws IOException {
    stateDir = Files.createTempDirectory("msnap");
    view = Files.createDirectories(stateDir.resolve("view"));
    GlusterFixture.run(
        "mount",
        "-t",
        "glusterfs",
        "-o",
        "acl,entry-timeout=0,attribute-timeout=0",
        GlusterFixture.server() + ":/" + GlusterFixture.volume(),
        view.toString());
    basePath = GlusterFixture.uniqueBasePath();
  }

  @AfterAll
  static void cleanUp() {
    GlusterFixture.run("rm", "-rf", view.resolve(basePath.substring(1)).toString());
    GlusterFixture.unmountQuietly(view);
    GlusterFixture.unmountQuietly(stateDir.resolve("mounts").resolve("gluster-snap"));
    GlusterFixture.run("rm", "-rf", "--one-file-system", stateDir.toString());
  }

  @BeforeEach
  void startController() throws IOException {
    backend =
        GlusterBackend.create(
            FixtureBackends.gluster("gluster-snap", basePath),
            new ProcessCommandRunner(),
            new SystemMounter(new ProcessCommandRunner()),
            stateDir);
    controller = new InProcessController(List.of(backend), Duration.ofMinutes(2));
    stub = controller.stub;
  }

  @AfterEach
  void stopController() {
    controller.close();
    backend.close();
  }

  Path dirOf(String volumeId) {
    return view.resolve(basePath.substring(1))
        .resolve(volumeId.substring(volumeId.lastIndexOf(':') + 1));
  }

  Volume volume(String name, long bytes) {
    return stub.createVolume(GlusterControllerIT.create(name, bytes, null)).getVolume();
  }

  /** Retried as the sidecars retry while a copy runs (ABORTED). */
  static <T> T retried(Supplier<T> call) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (true) {
      try {
        return call.get();
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.ABORTED || System.nanoTime() > until) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  Snapshot snapshot(String name, String volumeId) throws InterruptedException {
    CreateSnapshotRequest req =
        CreateSnapshotRequest.newBuilder().setName(name).setSourceVolumeId(volumeId).build();
    return retried(() -> stub.createSnapshot(req).getSnapshot());
  }

  Volume populate(String name, VolumeContentSource source, long bytes) throws InterruptedException {
    CreateVolumeRequest req =
        GlusterControllerIT.create(name, bytes, null).toBuilder()
            .setVolumeContentSource(source)
            .build();
    return retried(() -> stub.createVolume(req).getVolume());
  }

  void deleteSnapshot(String id) {
    stub.deleteSnapshot(DeleteSnapshotRequest.newBuilder().setSnapshotId(id).build());
  }

  void deleteVolume(String id) {
    stub.deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(id).build());
  }

  /** Files an app keeps: owners, modes, a hard link, a symlink, a user xattr and an ACL. */
  static void fill(Path root) throws IOException {
    Path docs = Files.createDirectories(root.resolve("docs"));
    Path file = Files.writeString(docs.resolve("a.txt"), "first version");
    Files.setAttribute(file, "unix:uid", 1234);
    Files.setAttribute(file, "unix:gid", 5678);
    GlusterFixture.run("chmod", "0640", file.toString());
    GlusterFixture.run("chmod", "2770", root.toString());
    GlusterFixture.run("chown", "1000:2000", root.toString());
    Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2020-01-02T03:04:05Z")));
    Files.createLink(docs.resolve("hard.txt"), file);
    Files.createSymbolicLink(docs.resolve("link"), Path.of("/etc/passwd"));
    GlusterFixture.run("setfattr", "-n", "user.color", "-v", "blue", file.toString());
    GlusterFixture.run("setfattr", "-n", "system.posix_acl_access", "-v", ACL, docs.toString());
    try (OutputStream out = Files.newOutputStream(root.resolve("blob"))) {
      byte[] block = new byte[1 << 20];
      for (int i = 0; i < 8; i++) {
        block[0] = (byte) i;
        out.write(block);
      }
    }
  }

  /** Everything a copy keeps of the tree below {@code root} (its own record aside). */
  static Map<String, String> manifest(Path root) throws Exception {
    Map<String, String> out = new TreeMap<>();
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(root)) {
      paths = walk.toList();
    }
    for (Path p : paths) {
      Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
      StringBuilder s = new StringBuilder();
      s.append(a.get("mode")).append(' ').append(a.get("uid")).append(':').append(a.get("gid"));
      if (Files.isSymbolicLink(p)) {
        s.append(" -> ").append(Files.readSymbolicLink(p));
      } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        s.append(" nlink=").append(a.get("nlink")).append(' ').append(sha256(p));
      }
      if (!p.equals(root) && !Files.isSymbolicLink(p)) {
        s.append(" mtime=").append(a.get("lastModifiedTime"));
      }
      if (!Files.isSymbolicLink(p)) {
        for (String line :
            GlusterFixture.run(
                    "getfattr", "-d", "-m", "-", "-e", "base64", "--absolute-names", p.toString())
                .lines()
                .toList()) {
          if (!line.startsWith("#") && !line.isBlank() && !line.startsWith("user.mooring=")) {
            s.append(' ').append(line);
          }
        }
      }
      out.put(root.relativize(p).toString(), s.toString());
    }
    return out;
  }

  /**
   * The tree at {@code dir} is as expected; if not, it is read again 2 s later, and both reads are
   * shown (to tell a copy that lost something from a client that showed stale attributes).
   */
  static void assertSameTree(Map<String, String> expected, Path dir) throws Exception {
    Map<String, String> first = manifest(dir);
    if (!first.equals(expected)) {
      Thread.sleep(2000);
      assertEquals(expected, manifest(dir), "first read: " + first);
    }
  }

  static String sha256(Path file) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(file)) {
      md.update(in.readAllBytes());
    }
    return HexFormat.of().formatHex(md.digest());
  }

  @Test
  void aRestoreHoldsTheSnapshotMomentAndOutlivesItsSource() throws Exception {
    assertTrue(
        stub
            .controllerGetCapabilities(ControllerGetCapabilitiesRequest.getDefaultInstance())
            .getCapabilitiesList()
            .stream()
            .map(c -> c.getRpc().getType())
            .toList()
            .containsAll(
                List.of(Type.CREATE_DELETE_SNAPSHOT, Type.LIST_SNAPSHOTS, Type.CLONE_VOLUME)));
    assertFalse(
        GroupControllerService.servedFor(new Backends(List.of(backend))),
        "copies make no group snapshots");
    Volume source = volume("pvc-gsnap-src", 64 * MIB);
    Path src = dirOf(source.getVolumeId());
    fill(src);
    Map<String, String> atSnapshot = manifest(src);
    assertTrue(atSnapshot.get("docs").contains("system.posix_acl_access="), atSnapshot.toString());
    assertTrue(atSnapshot.get("docs/a.txt").contains("user.color="), atSnapshot.toString());

    Snapshot snap = snapshot("gsnap-1", source.getVolumeId());
    assertTrue(snap.getReadyToUse());
    assertEquals(64 * MIB, snap.getSizeBytes());
    assertEquals(snap, snapshot("gsnap-1", source.getVolumeId()), "idempotent");

    Files.writeString(src.resolve("docs/a.txt"), "second version");
    Files.writeString(src.resolve("later.txt"), "after the snapshot");
    Volume other = volume("pvc-gsnap-other", 8 * MIB);
    assertEquals(
        Status.Code.ALREADY_EXISTS,
        assertThrows(StatusRuntimeException.class, () -> snapshot("gsnap-1", other.getVolumeId()))
            .getStatus()
            .getCode());
    assertEquals(
        Status.Code.OUT_OF_RANGE,
        assertThrows(
                StatusRuntimeException.class,
                () -> populate("pvc-gsnap-small", fromSnapshot(snap), 32 * MIB))
            .getStatus()
            .getCode());

    Volume restored = populate("pvc-gsnap-restored", fromSnapshot(snap), 128 * MIB);
    assertEquals(snap.getSnapshotId(), restored.getContentSource().getSnapshot().getSnapshotId());
    assertSameTree(atSnapshot, dirOf(restored.getVolumeId()));
    assertTrue(
        GlusterControllerIT.quotaList().contains(basePath + "/" + dirName(restored)),
        "the restored volume has its limit");
    assertEquals(restored, populate("pvc-gsnap-restored", fromSnapshot(snap), 128 * MIB));
    List<String> listed =
        stub.listVolumes(ListVolumesRequest.getDefaultInstance()).getEntriesList().stream()
            .map(e -> e.getVolume().getVolumeId())
            .sorted()
            .toList();
    assertEquals(
        Stream.of(source, other, restored).map(Volume::getVolumeId).sorted().toList(),
        listed,
        "snapshots and copies are never volumes");

    // the source goes first; its snapshot still restores
    deleteVolume(source.getVolumeId());
    Volume later = populate("pvc-gsnap-later", fromSnapshot(snap), 64 * MIB);
    assertSameTree(atSnapshot, dirOf(later.getVolumeId()));

    deleteSnapshot(snap.getSnapshotId());
    deleteSnapshot(snap.getSnapshotId());
    assertEquals(
        0, stub.listSnapshots(ListSnapshotsRequest.getDefaultInstance()).getEntriesCount());
    for (Volume v : List.of(other, restored, later)) {
      deleteVolume(v.getVolumeId());
    }
    assertEquals(List.of(), leftovers());
  }

  @Test
  void aCloneCopiesALiveVolumeAndASnapshotDeletedFirstLeavesItsVolume() throws Exception {
    Volume source = volume("pvc-gclone-src", 32 * MIB);
    Path src = dirOf(source.getVolumeId());
    fill(src);
    VolumeContentSource ofSource =
        VolumeContentSource.newBuilder()
            .setVolume(
                VolumeContentSource.VolumeSource.newBuilder().setVolumeId(source.getVolumeId()))
            .build();
    Volume clone = populate("pvc-gclone", ofSource, 32 * MIB);
    assertSameTree(manifest(src), dirOf(clone.getVolumeId()));
    assertEquals(source.getVolumeId(), clone.getContentSource().getVolume().getVolumeId());

    Snapshot snap = snapshot("gclone-snap", source.getVolumeId());
    deleteSnapshot(snap.getSnapshotId());
    assertEquals("first version", Files.readString(src.resolve("docs/a.txt")), "volume whole");
    for (Volume v : List.of(source, clone)) {
      deleteVolume(v.getVolumeId());
    }
    assertEquals(List.of(), leftovers());
  }

  @Test
  void concurrentRepeatsMakeOneSnapshotAndListsPage() throws Exception {
    Volume source = volume("pvc-gpage-src", 16 * MIB);
    Files.writeString(dirOf(source.getVolumeId()).resolve("f"), "x");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Snapshot>> same = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        Callable<Snapshot> take = () -> snapshot("gpage-0", source.getVolumeId());
        same.add(pool.submit(take));
      }
      Snapshot first = same.get(0).get();
      for (Future<Snapshot> f : same) {
        assertEquals(first, f.get());
      }
    } finally {
      pool.shutdownNow();
    }
    List<String> ids =
        new ArrayList<>(List.of(snapshot("gpage-0", source.getVolumeId()).getSnapshotId()));
    for (int i = 1; i < 3; i++) {
      ids.add(snapshot("gpage-" + i, source.getVolumeId()).getSnapshotId());
    }
    List<String> paged = new ArrayList<>();
    String token = "";
    do {
      ListSnapshotsResponse page =
          stub.listSnapshots(
              ListSnapshotsRequest.newBuilder()
                  .setSourceVolumeId(source.getVolumeId())
                  .setMaxEntries(2)
                  .setStartingToken(token)
                  .build());
      assertTrue(page.getEntriesCount() <= 2);
      page.getEntriesList().forEach(e -> paged.add(e.getSnapshot().getSnapshotId()));
      token = page.getNextToken();
    } while (!token.isEmpty());
    assertEquals(ids.stream().sorted().toList(), paged);

    deleteVolume(source.getVolumeId()); // before its snapshots
    for (String id : ids) {
      deleteSnapshot(id);
    }
    assertEquals(List.of(), leftovers());
  }

  /**
   * A snapshot whose copy is cut short by the controller's end (its copies are killed with it)
   * converges when the next controller is asked again; so does a restore.
   */
  @Test
  void copiesCutShortByTheControllersEndConverge() throws Exception {
    Volume source = volume("pvc-gcut-src", 256 * MIB);
    fill(dirOf(source.getVolumeId()));
    try (OutputStream out = Files.newOutputStream(dirOf(source.getVolumeId()).resolve("big"))) {
      byte[] block = new byte[1 << 20];
      for (int i = 0; i < 48; i++) {
        block[0] = (byte) i;
        out.write(block);
      }
    }
    Map<String, String> before = manifest(dirOf(source.getVolumeId()));
    CreateSnapshotRequest req =
        CreateSnapshotRequest.newBuilder()
            .setName("gcut")
            .setSourceVolumeId(source.getVolumeId())
            .build();
    // a deadline shorter than the answer margin: the call answers at once, the copy goes on
    assertEquals(
        Status.Code.ABORTED,
        assertThrows(
                StatusRuntimeException.class,
                () -> stub.withDeadlineAfter(900, TimeUnit.MILLISECONDS).createSnapshot(req))
            .getStatus()
            .getCode());
    stopController();
    startController();
    Snapshot snap = snapshot("gcut", source.getVolumeId());

    VolumeContentSource from = fromSnapshot(snap);
    CreateVolumeRequest restore =
        GlusterControllerIT.create("pvc-gcut-restored", 256 * MIB, null).toBuilder()
            .setVolumeContentSource(from)
            .build();
    assertEquals(
        Status.Code.ABORTED,
        assertThrows(
                StatusRuntimeException.class,
                () -> stub.withDeadlineAfter(900, TimeUnit.MILLISECONDS).createVolume(restore))
            .getStatus()
            .getCode());
    stopController();
    startController();
    Volume restored = populate("pvc-gcut-restored", from, 256 * MIB);
    assertSameTree(before, dirOf(restored.getVolumeId()));

    deleteSnapshot(snap.getSnapshotId());
    deleteVolume(source.getVolumeId());
    deleteVolume(restored.getVolumeId());
    assertEquals(List.of(), leftovers());
  }

  static VolumeContentSource fromSnapshot(Snapshot snap) {
    return ControllerSnapshotsTest.fromSnapshot(snap.getSnapshotId());
  }

  static String dirName(Volume v) {
    return v.getVolumeId().substring(v.getVolumeId().lastIndexOf(':') + 1);
  }

  /** What is left below the base path: nothing once every volume and snapshot is deleted. */
  static List<String> leftovers() throws IOException {
    Path base = view.resolve(basePath.substring(1));
    List<String> out = new ArrayList<>();
    for (String area : List.of("", ".snapshots", ".copies")) {
      Path dir = base.resolve(area);
      if (Files.isDirectory(dir)) {
        try (Stream<Path> children = Files.list(dir)) {
          children
              .map(p -> base.relativize(p).toString())
              .filter(p -> !p.equals(".snapshots") && !p.equals(".copies"))
              .forEach(out::add);
        }
      }
    }
    return out;
  }
}
