package io.mooring.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.NodeGetVolumeStatsRequest;
import csi.v1.Csi.NodeGetVolumeStatsResponse;
import csi.v1.Csi.NodePublishVolumeRequest;
import csi.v1.Csi.NodeStageVolumeRequest;
import csi.v1.Csi.NodeUnpublishVolumeRequest;
import csi.v1.Csi.NodeUnstageVolumeRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mooring.exec.Command;
import io.mooring.mount.MountEntry;
import io.mooring.rpc.PrometheusMetrics;
import io.mooring.testing.CephKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** CephFS volumes through the Node service, over a fake mount table and a fake ceph-fuse. */
class NodeCephTest {

  private static final String BACKEND = "ceph-a";
  private static final String A = "pvc-a";
  private static final String B = "pvc-b";
  private static final String ADMIN_KEY = CephKeys.REAL;
  private static final String USER_KEY = "AQBbI9FmAAAAABAAr0GvPOQ+LMZsoRsLFXKiZQ==";
  private static final String USER_KEY_B = "AQCyaQdrD9rgDBAAaNiJQZWMkxXauMKHEjriMg==";

  @TempDir Path tmp;
  private FakeMounter mounter;
  private FakeCephFuse cluster;
  private InProcessNode node;

  @BeforeEach
  void setUp() {
    mounter = new FakeMounter();
    cluster = new FakeCephFuse(mounter);
    cluster.admin("admin", ADMIN_KEY);
    cluster.user("vol-a", USER_KEY, path(A));
    cluster.user("vol-b", USER_KEY_B, path(B));
    cluster.subvolumes(path(A), path(B));
    node = new InProcessNode(tmp, mounter, cluster, Duration.ofMillis(200));
  }

  @AfterEach
  void tearDown() {
    node.close();
  }

  @Test
  void aKeyForOneSubvolumeGetsAClientOfItsOwnMountingJustThatSubvolume() {
    node.stub.nodeStageVolume(stage(A, user("vol-a", USER_KEY)));
    node.stub.nodeStageVolume(stage(B, user("vol-b", USER_KEY_B)));

    List<List<String>> mounts = cluster.commands().stream().map(Command::argv).toList();
    assertEquals(
        List.of("/volumes/csi", path(A), "/volumes/csi", path(B)),
        mounts.stream().map(a -> a.get(a.indexOf("-r") + 1)).toList(),
        "the group first, refused (EPERM)");
    List<String> argv = mounts.get(1);
    assertEquals(client(A).toString(), argv.get(argv.size() - 1));
    assertFalse(
        mounts.stream().anyMatch(a -> String.join(" ", a).contains(USER_KEY)),
        "no key on a command line");
    MountEntry clientA = mounter.table().at(client(A)).orElseThrow();
    MountEntry staged = mounter.table().at(staging(A)).orElseThrow();
    assertEquals("fuse.ceph-fuse", staged.fsType());
    assertEquals(clientA.device(), staged.device());
    assertEquals("/", staged.root());
    assertEquals("ceph-fuse:" + client(A), staged.source());
    assertNotEquals(clientA.device(), mounter.table().at(client(B)).orElseThrow().device());
    assertEquals(
        Set.of("rw------- rwx------"),
        Set.copyOf(cluster.keyringModes),
        "ceph-fuse read a root-only keyring in a root-only directory");
    assertEquals(List.of(), cluster.evicted, "a first mount replaces nothing");
    assertFalse(
        Files.exists(
            node.stateDir.resolve("cephfs").resolve(BACKEND).resolve(A).resolve("shared")));

    node.stub.nodeUnstageVolume(unstage(A));
    node.stub.nodeStageVolume(stage(A, user("vol-a", USER_KEY)));
    assertEquals(
        5, cluster.mounts(), "the refusal is remembered: no second try of the group with that key");
  }

  @Test
  void aVolumeBackedByASnapshotGetsAClientOfItsOwnAndIsOnlyEverRead() {
    String view = "pvc-view";
    String snapshot = "/volumes/csi/" + A + "/.snap/snap-0123456789abcdef/" + UUID;
    cluster.subvolumes(snapshot);
    node.stub.nodeStageVolume(stage(A, admin())); // its source, on the group's shared client
    Map<String, String> context = new HashMap<>(context(view));
    context.put("path", snapshot);
    NodeStageVolumeRequest stageView =
        stage(view, admin()).toBuilder().clearVolumeContext().putAllVolumeContext(context).build();
    node.stub.nodeStageVolume(stageView);
    node.stub.nodeStageVolume(stageView);
    node.stub.nodePublishVolume(publish(view, "p1", false));
    node.stub.nodePublishVolume(publish(view, "p1", false));

    List<String> argv = cluster.commands().stream().map(Command::argv).toList().get(1);
    assertEquals("/volumes/csi/" + A, argv.get(argv.indexOf("-r") + 1), "the subvolume's dir");
    assertEquals(client(view).toString(), argv.get(argv.size() - 1));
    for (Path bind : List.of(staging(view), node.target(view, "p1"))) {
      MountEntry entry = mounter.table().at(bind).orElseThrow();
      assertTrue(entry.readOnly(), bind + " is read-only, also when not asked to be");
      assertEquals("/.snap/snap-0123456789abcdef/" + UUID, entry.root());
    }
    var usage = node.stub.nodeGetVolumeStats(stats(view, node.target(view, "p1"))).getUsage(0);
    assertEquals(FakeCephFuse.QUOTA, usage.getTotal(), "the snapshot's quota");
    assertEquals(0, usage.getAvailable(), "nothing can be written");

    node.stub.nodeUnpublishVolume(unpublish(view, "p1"));
    node.stub.nodeUnstageVolume(unstage(view));
    assertFalse(mounter.table().isMountPoint(client(view)), "its client goes with it");
    assertTrue(mounter.table().isMountPoint(staging(A)));
  }

  @Test
  void volumesWhoseKeyReachesTheGroupShareOneClient() throws IOException {
    node.stub.nodeStageVolume(stage(A, admin()));
    node.stub.nodeStageVolume(stage(B, admin()));
    node.stub.nodePublishVolume(publish(A, "p1", false));

    assertEquals(1, cluster.mounts());
    List<String> argv = cluster.commands().get(0).argv();
    assertEquals("/volumes/csi", argv.get(argv.indexOf("-r") + 1));
    Path shared = sharedClient();
    assertEquals(shared.toString(), argv.get(argv.size() - 1));
    MountEntry client = mounter.table().at(shared).orElseThrow();
    for (Path bind : List.of(staging(A), node.target(A, "p1"))) {
      MountEntry entry = mounter.table().at(bind).orElseThrow();
      assertEquals(client.device(), entry.device());
      assertEquals(path(A).substring("/volumes/csi".length()), entry.root());
    }
    assertEquals(
        path(B).substring("/volumes/csi".length()),
        mounter.table().at(staging(B)).orElseThrow().root());
    assertEquals(
        FakeCephFuse.QUOTA,
        node.stub.nodeGetVolumeStats(stats(A, node.target(A, "p1"))).getUsage(0).getTotal(),
        "the subvolume's quota, not the file system's statfs");

    node.stub.nodeUnpublishVolume(unpublish(A, "p1"));
    node.stub.nodeUnstageVolume(unstage(A));
    assertTrue(mounter.table().isMountPoint(shared), "B still uses it");
    node.stub.nodeUnstageVolume(unstage(B));
    assertEquals(List.of(), mounter.table().entries());
    assertFalse(
        Files.exists(node.stateDir.resolve("cephfs").resolve(BACKEND)),
        "no client, key or record left");
    try (Stream<Path> keys = Files.list(node.stateDir.resolve("keys"))) {
      assertEquals(List.of(), keys.toList());
    }
  }

  @Test
  void stageAndPublishAreIdempotentAndTheUnstageReleasesClientKeyAndRecords() throws IOException {
    for (int i = 0; i < 2; i++) {
      node.stub.nodeStageVolume(stage(A, user("vol-a", USER_KEY)));
      node.stub.nodePublishVolume(publish(A, "p1", false));
      node.stub.nodePublishVolume(publish(A, "p2", true));
    }
    assertEquals(2, cluster.mounts(), "the group, refused, then the subvolume");
    assertEquals(3, mounter.count("bind "));
    assertTrue(mounter.table().at(node.target(A, "p2")).orElseThrow().readOnly());
    assertTrue(Files.exists(keyring(A)));

    for (int i = 0; i < 2; i++) {
      node.stub.nodeUnpublishVolume(unpublish(A, "p1"));
      node.stub.nodeUnpublishVolume(unpublish(A, "p2"));
      node.stub.nodeUnstageVolume(unstage(A));
    }
    assertEquals(List.of(), mounter.table().entries());
    assertFalse(Files.exists(keyring(A)), "the key goes with the client");
    assertFalse(
        Files.exists(node.stateDir.resolve("cephfs").resolve(BACKEND)), "and so do its records");
    assertTrue(Files.isDirectory(node.stateDir.resolve("keys")));
  }

  @Test
  void aPerVolumeKeyMountsItsOwnSubvolumeButNotAnother() throws IOException {
    node.stub.nodeStageVolume(stage(A, user("vol-a", USER_KEY)));

    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> node.stub.nodeStageVolume(stage(B, user("vol-a", USER_KEY))));
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
    assertTrue(
        e.getStatus().getDescription().contains("may not mount " + path(B)),
        e.getStatus().getDescription());
    assertNothingLeftOf(B);
  }

  @Test
  void aKeyTheClusterRejectsIsPermissionDeniedAndLeavesNothing() throws IOException {
    String wrong = "AQCyaQdrD9rgDBAAaNiJQZWMkxXauMKHEjriMg==";
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                node.stub.nodeStageVolume(stage(A, Map.of("adminID", "admin", "adminKey", wrong))));

    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
    assertTrue(
        e.getStatus().getDescription().contains("rejected the key"),
        e.getStatus().getDescription());
    assertFalse(e.getStatus().getDescription().contains(wrong));
    assertNothingLeftOf(A);
  }

  @Test
  void unreachableMonitorsAreUnavailable() throws IOException {
    cluster.monitorsDown = true;
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class, () -> node.stub.nodeStageVolume(stage(A, admin())));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertNothingLeftOf(A);
  }

  @Test
  void theKernelClientIsRefusedUntilThereIsAMounterForIt() throws IOException {
    Map<String, String> context = new HashMap<>(context(A));
    context.put("mounter", "kernel");
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                node.stub.nodeStageVolume(
                    stage(A, admin()).toBuilder()
                        .clearVolumeContext()
                        .putAllVolumeContext(context)
                        .build()));

    assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
    assertTrue(
        e.getStatus().getDescription().contains("set mounter to fuse"),
        e.getStatus().getDescription());
    assertNothingLeftOf(A);
  }

  @Test
  void aDeadSharedClientIsReportedThenRemountedWithTheStoredKeyAndItsSessionEvicted()
      throws IOException {
    node.stub.nodeStageVolume(stage(A, admin()));
    node.stub.nodeStageVolume(stage(B, admin()));
    node.stub.nodePublishVolume(publish(A, "p1", true));
    Path shared = sharedClient();
    String name = BACKEND + "/" + shared.getParent().getFileName();
    String deadDevice = mounter.table().at(shared).orElseThrow().device();
    String firstInstance = Files.readString(shared.resolveSibling("instance")).strip();
    deleteTree(shared); // statfs fails and no ceph-fuse serves it: as if it had been killed
    Files.delete(node.target(A, "p1"));

    NodeGetVolumeStatsResponse stats = node.stub.nodeGetVolumeStats(stats(A, node.target(A, "p1")));
    assertTrue(stats.getVolumeCondition().getAbnormal());
    assertTrue(
        stats
            .getVolumeCondition()
            .getMessage()
            .startsWith(
                "the shared ceph-fuse client "
                    + shared.getParent().getFileName()
                    + " of backend ceph-a has exited"),
        stats.getVolumeCondition().getMessage());
    assertEquals(1, node.wakes.get());

    try (var held = node.ceph.lock(name)) { // what the monitor does; no RPC brings a key
      assertTrue(node.ceph.heal(name).healthy());
    }
    MountEntry client = mounter.table().at(shared).orElseThrow();
    assertNotEquals(deadDevice, client.device());
    MountEntry target = mounter.table().at(node.target(A, "p1")).orElseThrow();
    assertEquals(client.device(), target.device());
    assertTrue(target.readOnly(), "a heal keeps read-only");
    for (String dir : List.of(A, B)) {
      MountEntry staged = mounter.table().at(staging(dir)).orElseThrow();
      assertEquals(client.device(), staged.device());
      assertEquals(
          path(dir).substring("/volumes/csi".length()),
          staged.root(),
          "each volume its own directory");
    }
    assertEquals(2, cluster.mounts(), "one remount heals both volumes");
    assertEquals(
        List.of(firstInstance), cluster.evicted, "the dead instance's MDS session is evicted");
    assertNotEquals(firstInstance, Files.readString(shared.resolveSibling("instance")).strip());
  }

  @Test
  void withAKeyThatMayNotEvictTheHealStillRemounts() throws IOException {
    node.stub.nodeStageVolume(stage(A, user("vol-a", USER_KEY)));
    Files.delete(client(A));

    try (var held = node.ceph.lock(BACKEND + "/" + A)) {
      assertTrue(node.ceph.heal(BACKEND + "/" + A).healthy());
    }
    assertEquals(3, cluster.mounts(), "the refused group, the subvolume, its remount");
    assertEquals(List.of(), cluster.evicted);
    assertTrue(
        cluster.commands().stream().map(Command::argv).anyMatch(a -> a.contains("evict")),
        "it was tried");
  }

  @Test
  void statsAndUnpublishFindTheVolumesClientWithoutAVolumeContext() {
    node.stub.nodeStageVolume(stage(A, user("vol-a", USER_KEY)));
    node.stub.nodePublishVolume(publish(A, "p1", false).toBuilder().clearVolumeContext().build());

    NodeGetVolumeStatsResponse stats = node.stub.nodeGetVolumeStats(stats(A, node.target(A, "p1")));
    assertFalse(stats.getVolumeCondition().getAbnormal(), stats.getVolumeCondition().getMessage());
    assertEquals(10485760, stats.getUsage(0).getTotal());
    node.stub.nodeUnpublishVolume(unpublish(A, "p1"));
    assertFalse(mounter.table().isMountPoint(node.target(A, "p1")));
  }

  @Test
  void theMonitorReleasesAClientNoVolumeUsesAndAdoptsTheOthers() throws IOException {
    node.stub.nodeStageVolume(stage(A, user("vol-a", USER_KEY)));
    node.stub.nodeStageVolume(stage(B, user("vol-b", USER_KEY_B)));
    mounter.unmount(staging(B), false); // B's staging went away behind the plugin's back

    PrometheusMetrics metrics = new PrometheusMetrics();
    HealthMonitor monitor =
        new HealthMonitor(List.of(node.mounts, node.ceph), metrics, Duration.ofHours(1));
    monitor.check();

    assertNothingLeftOf(B);
    assertTrue(mounter.table().isMountPoint(client(A)));
    assertEquals(Set.of(BACKEND + "/" + A), node.ceph.clients());
    assertEquals(1.0, gauge(metrics, "healthy"), "one client of the backend is healthy");
    assertEquals(0.0, gauge(metrics, "dead"));

    node.stub.nodeUnstageVolume(unstage(A));
    monitor.check();
    assertEquals(0.0, gauge(metrics, "healthy"), "a backend without clients goes back to 0");
  }

  private static double gauge(PrometheusMetrics metrics, String state) {
    return metrics.registry().scrape().stream()
        .filter(s -> s.getMetadata().getName().equals("mooring_mounts"))
        .flatMap(s -> s.getDataPoints().stream())
        .filter(
            p ->
                p.getLabels().get("backend").equals(BACKEND)
                    && p.getLabels().get("state").equals(state))
        .mapToDouble(
            p ->
                ((io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot) p)
                    .getValue())
        .findFirst()
        .orElse(-1);
  }

  /**
   * Changes to a good stage request of A: volume_context entries (null removes) and the secrets.
   */
  static Stream<Arguments> badStages() {
    Map<String, String> admin = Map.of("adminID", "admin", "adminKey", ADMIN_KEY);
    return Stream.of(
        Arguments.of("monitors", null, admin),
        Arguments.of("fsName", null, admin),
        Arguments.of("path", null, admin),
        Arguments.of("path", "volumes/csi/pvc-a", admin),
        Arguments.of("path", "/volumes/csi/../../etc", admin),
        Arguments.of("monitors", "-o,evil", admin),
        Arguments.of("mounter", "nfs", admin),
        Arguments.of("backend", "ceph-b", admin),
        Arguments.of("path", "/volumes/csi", admin),
        Arguments.of("path", path(B), admin),
        Arguments.of("subvolumeGroup", "other", admin),
        Arguments.of("subvolume", B, admin),
        Arguments.of("mounter", "", Map.of()),
        Arguments.of("mounter", "", Map.of("adminID", "admin")),
        Arguments.of("mounter", "", Map.of("userID", "vol-a", "userKey", "not-a-key")),
        Arguments.of("mounter", "", Map.of("userID", "vol a", "userKey", USER_KEY)));
  }

  @ParameterizedTest(name = "{0}={1} secrets={2}")
  @MethodSource("badStages")
  void everyMalformedStageIsInvalidArgumentAndRunsNothing(
      String key, String value, Map<String, String> secrets) {
    Map<String, String> context = new HashMap<>(context(A));
    if (value == null) {
      context.remove(key);
    } else {
      context.put(key, value);
    }
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                node.stub.nodeStageVolume(
                    stage(A, Map.of()).toBuilder()
                        .clearVolumeContext()
                        .putAllVolumeContext(context)
                        .putAllSecrets(secrets)
                        .build()));
    assertEquals(
        Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().getDescription());
    assertFalse(
        e.getStatus().getDescription().contains(ADMIN_KEY)
            || e.getStatus().getDescription().contains(USER_KEY));
    assertEquals(List.of(), cluster.commands());
    assertEquals(List.of(), mounter.calls());
    assertFalse(Files.exists(node.stateDir.resolve("keys")), "no keyring written");
  }

  private void assertNothingLeftOf(String dir) throws IOException {
    assertFalse(mounter.table().isMountPoint(staging(dir)), "nothing mounted at the staging path");
    assertFalse(mounter.table().isMountPoint(client(dir)), "no client");
    assertFalse(Files.exists(keyring(dir)), "no keyring");
    assertFalse(
        Files.exists(node.stateDir.resolve("cephfs").resolve(BACKEND).resolve(dir)), "no records");
    try (Stream<Path> files = Files.walk(node.stateDir)) {
      for (Path file :
          files.filter(Files::isRegularFile).sorted(Comparator.reverseOrder()).toList()) {
        assertFalse(
            Files.readString(file).contains(ADMIN_KEY) && file.toString().contains(dir),
            file.toString());
      }
    }
  }

  /** The mount point of the backend's only shared client. */
  private Path sharedClient() throws IOException {
    try (Stream<Path> dirs = Files.list(node.stateDir.resolve("cephfs").resolve(BACKEND))) {
      List<Path> shared =
          dirs.filter(d -> d.getFileName().toString().startsWith("_group-")).toList();
      assertEquals(1, shared.size(), shared.toString());
      return shared.get(0).resolve("mnt");
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(file);
      }
    }
  }

  private static final String UUID = "8da71602-45de-440e-9dfd-afca3e685c6d";

  private static String path(String dir) {
    return "/volumes/csi/" + dir + "/" + UUID;
  }

  private Path client(String dir) {
    return node.stateDir.resolve("cephfs").resolve(BACKEND).resolve(dir).resolve("mnt");
  }

  private Path keyring(String dir) {
    return node.stateDir.resolve("keys").resolve(BACKEND + "." + dir + ".keyring");
  }

  private Path staging(String dir) {
    return node.staging(dir);
  }

  private static Map<String, String> context(String dir) {
    return Map.of(
        "backend",
        BACKEND,
        "type",
        "cephfs",
        "monitors",
        "127.0.0.1:9",
        "fsName",
        "cephfs",
        "subvolumeGroup",
        "csi",
        "subvolume",
        dir,
        "path",
        path(dir),
        "mounter",
        "");
  }

  private static Map<String, String> admin() {
    return Map.of("adminID", "admin", "adminKey", ADMIN_KEY);
  }

  private static Map<String, String> user(String id, String key) {
    return Map.of("userID", id, "userKey", key);
  }

  private static String id(String dir) {
    return "v1:" + BACKEND + ":" + dir;
  }

  private NodeStageVolumeRequest stage(String dir, Map<String, String> secrets) {
    return NodeStageVolumeRequest.newBuilder()
        .setVolumeId(id(dir))
        .setStagingTargetPath(staging(dir).toString())
        .setVolumeCapability(InProcessNode.rwx())
        .putAllVolumeContext(context(dir))
        .putAllSecrets(secrets)
        .build();
  }

  private NodePublishVolumeRequest publish(String dir, String pod, boolean readOnly) {
    return NodePublishVolumeRequest.newBuilder()
        .setVolumeId(id(dir))
        .setStagingTargetPath(staging(dir).toString())
        .setTargetPath(node.target(dir, pod).toString())
        .setVolumeCapability(InProcessNode.rwx())
        .setReadonly(readOnly)
        .putAllVolumeContext(context(dir))
        .build();
  }

  private NodeUnpublishVolumeRequest unpublish(String dir, String pod) {
    return NodeUnpublishVolumeRequest.newBuilder()
        .setVolumeId(id(dir))
        .setTargetPath(node.target(dir, pod).toString())
        .build();
  }

  private NodeUnstageVolumeRequest unstage(String dir) {
    return NodeUnstageVolumeRequest.newBuilder()
        .setVolumeId(id(dir))
        .setStagingTargetPath(staging(dir).toString())
        .build();
  }

  private static NodeGetVolumeStatsRequest stats(String dir, Path path) {
    return NodeGetVolumeStatsRequest.newBuilder()
        .setVolumeId(id(dir))
        .setVolumePath(path.toString())
        .build();
  }
}
