package io.mooring.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import csi.v1.ControllerGrpc;
import csi.v1.Csi.CapacityRange;
import csi.v1.Csi.ControllerExpandVolumeRequest;
import csi.v1.Csi.ControllerGetVolumeRequest;
import csi.v1.Csi.ControllerGetVolumeResponse;
import csi.v1.Csi.CreateVolumeRequest;
import csi.v1.Csi.CreateVolumeResponse;
import csi.v1.Csi.DeleteVolumeRequest;
import csi.v1.Csi.GetCapacityRequest;
import csi.v1.Csi.ListVolumesRequest;
import csi.v1.Csi.ListVolumesResponse;
import csi.v1.Csi.ValidateVolumeCapabilitiesRequest;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.mooring.controller.backend.cephfs.CephfsBackend;
import io.mooring.controller.config.CephConfig;
import io.mooring.events.ClusterEvents;
import io.mooring.exec.Command;
import io.mooring.exec.CommandFailedException;
import io.mooring.exec.ProcessCommandRunner;
import io.mooring.mount.MountTable;
import io.mooring.volume.KeyedLocks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The controller against a real single-node Ceph cluster with CephFS. Start it with {@code eval
 * "$(scripts/ceph-up)"} and export CEPH_CONF, CEPH_MONITORS, CEPH_FS, CEPH_ADMIN_ID and
 * CEPH_ADMIN_KEY_FILE; without them the test is skipped. Everything happens in a subvolume group of
 * its own, removed at the end.
 */
class CephControllerIT {

  static final long MIB = 1 << 20;
  static final ProcessCommandRunner RUNNER = new ProcessCommandRunner();

  static String conf;
  static String monitors;
  static String fs;
  static String adminId;
  static String keyFile;
  static Map<String, String> secrets;
  static String group;
  static Path work;
  static Path secretDir;
  static Path view;
  static final List<Path> mounts = new CopyOnWriteArrayList<>();

  CephfsBackend backend;
  Server server;
  ManagedChannel channel;
  ControllerGrpc.ControllerBlockingStub stub;

  @BeforeAll
  static void fixture() throws IOException {
    conf = System.getenv("CEPH_CONF");
    monitors = System.getenv("CEPH_MONITORS");
    fs = System.getenv("CEPH_FS");
    adminId = System.getenv("CEPH_ADMIN_ID");
    keyFile = System.getenv("CEPH_ADMIN_KEY_FILE");
    assumeTrue(
        monitors != null && fs != null && adminId != null && keyFile != null,
        "no Ceph cluster: run eval \"$(scripts/ceph-up)\" and export CEPH_MONITORS CEPH_FS"
            + " CEPH_ADMIN_ID CEPH_ADMIN_KEY_FILE (and CEPH_CONF)");
    secrets = Map.of("adminID", adminId, "adminKey", Files.readString(Path.of(keyFile)).strip());
    group = "it-" + UUID.randomUUID().toString().substring(0, 8);
    work = Files.createTempDirectory("mooring-ceph-it");
    secretDir = Files.createDirectories(work.resolve("secret"));
    Files.writeString(secretDir.resolve("adminID"), adminId);
    Files.writeString(secretDir.resolve("adminKey"), secrets.get("adminKey"));
  }

  @AfterAll
  static void cleanUp() {
    if (work == null) {
      return;
    }
    for (Path m : mounts) {
      unmount(m);
    }
    view = null;
    try {
      for (String name : subvolumes()) {
        ceph("fs", "subvolume", "rm", fs, name, "--group_name", group, "--force");
      }
      ceph("fs", "subvolumegroup", "rm", fs, group, "--force");
      if (!omapKeys().isEmpty()) {
        rados("rm");
      }
    } catch (RuntimeException e) {
      System.err.println("cleanup of subvolume group " + group + " failed: " + e.getMessage());
    }
    RUNNER.run(Command.of("rm", "-rf", "--one-file-system", work.toString()));
  }

  @BeforeEach
  void startController() throws IOException {
    backend = CephfsBackend.create(config(secretDir.toString()), RUNNER);
    startServer(backend);
  }

  void startServer(CephfsBackend b) throws IOException {
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .addService(
                new ControllerService(
                    new Backends(List.of(b)),
                    new KeyedLocks(Duration.ofSeconds(120)),
                    ClusterEvents.OFF))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
    stub = ControllerGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stopController() {
    channel.shutdownNow();
    server.shutdownNow();
    backend.close();
  }

  static CephConfig config(String adminSecretDir) {
    return new CephConfig(
        "ceph-it",
        Arrays.asList(monitors.split(",")),
        fs,
        group,
        "fuse",
        "",
        "",
        adminSecretDir,
        Map.of());
  }

  static CreateVolumeRequest create(String name, long bytes, String onDelete) {
    CreateVolumeRequest.Builder b =
        ControllerServiceTest.create(name, bytes).putAllSecrets(secrets);
    if (onDelete != null) {
      b.putParameters("onDelete", onDelete);
    }
    return b.build();
  }

  static DeleteVolumeRequest delete(String id) {
    return DeleteVolumeRequest.newBuilder().setVolumeId(id).putAllSecrets(secrets).build();
  }

  static String dirOf(String volumeId) {
    return volumeId.substring(volumeId.lastIndexOf(':') + 1);
  }

  Status.Code codeOf(Runnable call) {
    return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
  }

  // --- the cluster, seen directly ---------------------------------------------------------------

  /** The ceph CLI as the cluster admin (not through Mooring). */
  static String ceph(String... args) {
    List<String> argv = new ArrayList<>(List.of("ceph"));
    if (conf != null) {
      argv.addAll(List.of("-c", conf));
    }
    argv.addAll(List.of("-m", monitors, "--id", adminId, "--keyfile", keyFile, "--format", "json"));
    argv.addAll(List.of(args));
    return RUNNER.run(Command.of(argv).withTimeout(Duration.ofSeconds(60))).stdout();
  }

  /** bytes_quota of a subvolume, or empty when it does not exist. */
  static Optional<Long> quota(String dir) {
    try {
      Matcher m =
          Pattern.compile("\"bytes_quota\":\\s*(\\d+)")
              .matcher(ceph("fs", "subvolume", "info", fs, dir, "--group_name", group));
      return Optional.of(m.find() ? Long.parseLong(m.group(1)) : -1L);
    } catch (CommandFailedException e) {
      if (e.result().exitCode() == 2) { // ENOENT
        return Optional.empty();
      }
      throw e;
    }
  }

  static String metadata(String dir) {
    return ceph("fs", "subvolume", "metadata", "ls", fs, dir, "--group_name", group);
  }

  /** The rados CLI as the cluster admin, on the group's omap object (where the records are). */
  static String rados(String op) {
    List<String> argv = new ArrayList<>(List.of("rados"));
    if (conf != null) {
      argv.addAll(List.of("-c", conf));
    }
    argv.addAll(List.of("-m", monitors, "--id", adminId, "--keyfile", keyFile));
    argv.addAll(List.of("-p", "cephfs." + fs + ".meta", "-N", "mooring", op, "volumes." + group));
    return RUNNER.run(Command.of(argv).withTimeout(Duration.ofSeconds(60))).stdout();
  }

  static String omapKeys() {
    try {
      return rados("listomapkeys");
    } catch (CommandFailedException e) {
      return ""; // no object yet
    }
  }

  static Set<String> subvolumes() {
    Set<String> names = new TreeSet<>();
    try {
      Matcher m =
          Pattern.compile("\"name\":\\s*\"([^\"]+)\"")
              .matcher(ceph("fs", "subvolume", "ls", fs, "--group_name", group));
      while (m.find()) {
        names.add(m.group(1));
      }
    } catch (CommandFailedException e) {
      // no group yet
    }
    return names;
  }

  /** Every subvolume of the test's group with its metadata, and every group of the fs. */
  static Map<String, String> state() {
    Map<String, String> state = new TreeMap<>();
    for (String name : subvolumes()) {
      state.put(name, metadata(name) + quota(name));
    }
    state.put("<groups>", ceph("fs", "subvolumegroup", "ls", fs));
    state.put("<omap>", omapKeys());
    return state;
  }

  /** Mounts a CephFS path with ceph-fuse, as the admin. */
  static Path mount(String cephPath) throws IOException {
    Path at = Files.createDirectories(work.resolve("mnt-" + mounts.size()));
    List<String> argv = new ArrayList<>(List.of("ceph-fuse"));
    if (conf != null) {
      argv.addAll(List.of("-c", conf));
    }
    argv.addAll(
        List.of(
            "-m", monitors, "--id", adminId, "--keyfile", keyFile, "-r", cephPath, at.toString()));
    RUNNER.run(Command.of(argv).withTimeout(Duration.ofSeconds(60)));
    mounts.add(at);
    return at;
  }

  static void unmount(Path at) {
    try {
      if (MountTable.read().isMountPoint(at)) {
        RUNNER.run(Command.of("umount", at.toString()));
      }
    } catch (RuntimeException e) {
      RUNNER.run(Command.of("umount", "-l", at.toString()));
    }
    mounts.remove(at);
  }

  /** The whole file system, mounted once, for looking at data. */
  static synchronized Path view() throws IOException {
    if (view == null) {
      view = mount("/");
    }
    return view;
  }

  static String sh(String script) {
    return RUNNER.run(Command.of("sh", "-c", script).withTimeout(Duration.ofSeconds(60))).stdout();
  }

  static long dfSize(Path at) {
    return Long.parseLong(
        sh("df --output=size -B1 " + at).lines().skip(1).findFirst().orElseThrow().strip());
  }

  // --- tests ------------------------------------------------------------------------------------

  @Test
  void lifecycleOnRealCeph() throws Exception {
    CreateVolumeResponse created = stub.createVolume(create("pvc-life", 10 * MIB, null));
    String id = created.getVolume().getVolumeId();
    String dir = dirOf(id);
    assertEquals(
        12 * MIB, created.getVolume().getCapacityBytes(), "rounded up to whole 4 MiB blocks");
    assertEquals(Optional.of(12 * MIB), quota(dir));
    Map<String, String> ctx = created.getVolume().getVolumeContextMap();
    String path = ceph("fs", "subvolume", "getpath", fs, dir, "--group_name", group).strip();
    assertEquals(
        Map.of(
            "backend",
            "ceph-it",
            "type",
            "cephfs",
            "monitors",
            monitors,
            "fsName",
            fs,
            "subvolumeGroup",
            group,
            "subvolume",
            dir,
            "path",
            path,
            "mounter",
            "fuse"),
        ctx);

    assertEquals(created, stub.createVolume(create("pvc-life", 10 * MIB, null)));
    ControllerGetVolumeResponse got =
        stub.controllerGetVolume(ControllerGetVolumeRequest.newBuilder().setVolumeId(id).build());
    assertEquals(created.getVolume(), got.getVolume());
    assertFalse(got.getStatus().getVolumeCondition().getAbnormal(), got.toString());
    assertTrue(
        stub.listVolumes(ListVolumesRequest.getDefaultInstance()).getEntriesList().stream()
            .anyMatch(e -> e.getVolume().getVolumeId().equals(id)));
    assertTrue(
        stub.validateVolumeCapabilities(
                ValidateVolumeCapabilitiesRequest.newBuilder()
                    .setVolumeId(id)
                    .addVolumeCapabilities(ControllerServiceTest.RWX)
                    .build())
            .hasConfirmed());
    long available =
        stub.getCapacity(GetCapacityRequest.getDefaultInstance()).getAvailableCapacity();
    Matcher maxAvail =
        Pattern.compile("\"name\":\"cephfs\\." + fs + "\\.data\"[^}]*\"max_avail\":(\\d+)")
            .matcher(ceph("df"));
    assertTrue(maxAvail.find());
    assertEquals(
        Long.parseLong(maxAvail.group(1)),
        available,
        64 * MIB,
        "GetCapacity is the data pool's max_avail");

    // The quota holds: df of the subvolume shows its size, writing past it fails with EDQUOT.
    Path mnt = mount(path);
    assertEquals(12 * MIB, dfSize(mnt));
    String dd =
        sh(
            "dd if=/dev/zero of="
                + mnt.resolve("big")
                + " bs=1M count=30 conv=fsync 2>&1; echo exit=$?");
    assertTrue(dd.contains("Disk quota exceeded"), dd);
    // CephFS quotas are enforced by the client, a little late ("imprecise" in Ceph's docs): a
    // loaded machine let 20 MiB of a 12 MiB quota through once. The write must stop short of all.
    assertTrue(Files.size(mnt.resolve("big")) < 30 * MIB, "size " + Files.size(mnt.resolve("big")));

    var grown =
        stub.controllerExpandVolume(
            ControllerExpandVolumeRequest.newBuilder()
                .setVolumeId(id)
                .putAllSecrets(secrets)
                .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(48 * MIB))
                .build());
    assertEquals(48 * MIB, grown.getCapacityBytes());
    assertFalse(grown.getNodeExpansionRequired());
    assertEquals(Optional.of(48 * MIB), quota(dir));
    assertEquals(
        48 * MIB,
        stub.controllerGetVolume(ControllerGetVolumeRequest.newBuilder().setVolumeId(id).build())
            .getVolume()
            .getCapacityBytes());
    for (int i = 0; i < 50 && dfSize(mnt) != 48 * MIB; i++) {
      Thread.sleep(100); // the client learns the new quota from the MDS
    }
    assertEquals(48 * MIB, dfSize(mnt));
    Files.delete(mnt.resolve("big"));
    String dd2 =
        sh(
            "dd if=/dev/zero of="
                + mnt.resolve("big")
                + " bs=1M count=30 conv=fsync 2>&1; echo exit=$?");
    assertTrue(dd2.contains("exit=0"), "30 MiB fit after expansion to 48 MiB: " + dd2);
    unmount(mnt);

    stub.deleteVolume(delete(id));
    assertEquals(Optional.empty(), quota(dir));
    stub.deleteVolume(delete(id));
    assertEquals(
        Status.Code.NOT_FOUND,
        codeOf(
            () ->
                stub.controllerGetVolume(
                    ControllerGetVolumeRequest.newBuilder().setVolumeId(id).build())));
  }

  @Test
  void retainKeepsTheSubvolumeAndArchiveMarksIt() throws Exception {
    Path fsRoot = view();
    CreateVolumeResponse kept = stub.createVolume(create("pvc-keep", 8 * MIB, "retain"));
    String keptDir = dirOf(kept.getVolume().getVolumeId());
    Path keptData =
        fsRoot
            .resolve(kept.getVolume().getVolumeContextMap().get("path").substring(1))
            .resolve("data");
    Files.writeString(keptData, "keep me");
    stub.deleteVolume(delete(kept.getVolume().getVolumeId()));
    assertEquals(Optional.of(8 * MIB), quota(keptDir), "the subvolume and its quota stay");
    assertFalse(omapKeys().contains(keptDir), omapKeys());
    assertEquals("keep me", Files.readString(keptData));
    assertTrue(
        stub.listVolumes(ListVolumesRequest.getDefaultInstance()).getEntriesList().stream()
            .noneMatch(e -> e.getVolume().getVolumeId().equals(kept.getVolume().getVolumeId())));
    assertEquals(
        Status.Code.NOT_FOUND,
        codeOf(
            () ->
                stub.controllerGetVolume(
                    ControllerGetVolumeRequest.newBuilder()
                        .setVolumeId(kept.getVolume().getVolumeId())
                        .build())));
    // The same request name again takes the retained subvolume over, data and all (as on Gluster).
    assertEquals(kept, stub.createVolume(create("pvc-keep", 8 * MIB, "retain")));
    assertEquals("keep me", Files.readString(keptData));

    CreateVolumeResponse archived = stub.createVolume(create("pvc-arch", 8 * MIB, "archive"));
    String archivedDir = dirOf(archived.getVolume().getVolumeId());
    Path archivedData =
        fsRoot
            .resolve(archived.getVolume().getVolumeContextMap().get("path").substring(1))
            .resolve("data");
    Files.writeString(archivedData, "archive me");
    stub.deleteVolume(delete(archived.getVolume().getVolumeId()));
    assertTrue(omapKeys().contains("archived." + archivedDir), omapKeys());
    assertEquals("archive me", Files.readString(archivedData));
    assertTrue(
        stub.listVolumes(ListVolumesRequest.getDefaultInstance()).getEntriesList().stream()
            .noneMatch(
                e -> e.getVolume().getVolumeId().equals(archived.getVolume().getVolumeId())));
    StatusRuntimeException again =
        assertThrows(
            StatusRuntimeException.class,
            () -> stub.createVolume(create("pvc-arch", 8 * MIB, "archive")));
    assertEquals(Status.Code.ALREADY_EXISTS, again.getStatus().getCode());
    assertTrue(
        again.getStatus().getDescription().contains("archived"),
        again.getStatus().getDescription());
    assertEquals("archive me", Files.readString(archivedData));
  }

  @Test
  void fiftyConcurrentCreatesAllSucceed() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(50);
    try {
      long start = System.nanoTime();
      List<Future<CreateVolumeResponse>> futures = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        String name = "pvc-many-" + i;
        futures.add(pool.submit(() -> stub.createVolume(create(name, 4 * MIB, null))));
      }
      Set<String> ids = new TreeSet<>();
      for (Future<CreateVolumeResponse> f : futures) {
        ids.add(f.get().getVolume().getVolumeId());
      }
      long created = System.nanoTime();
      assertEquals(50, ids.size());
      Set<String> onCeph = subvolumes();
      ids.forEach(id -> assertTrue(onCeph.contains(dirOf(id)), id));
      ListVolumesResponse listed = stub.listVolumes(ListVolumesRequest.getDefaultInstance());
      long listedAt = System.nanoTime();
      Set<String> listedIds = new TreeSet<>();
      listed
          .getEntriesList()
          .forEach(
              e -> {
                listedIds.add(e.getVolume().getVolumeId());
                if (ids.contains(e.getVolume().getVolumeId())) {
                  assertEquals(4 * MIB, e.getVolume().getCapacityBytes());
                }
              });
      assertTrue(listedIds.containsAll(ids));

      List<Future<?>> deletes = new ArrayList<>();
      for (String id : ids) {
        deletes.add(pool.submit(() -> stub.deleteVolume(delete(id))));
      }
      for (Future<?> f : deletes) {
        f.get();
      }
      long deleted = System.nanoTime();
      Set<String> left = subvolumes();
      ids.forEach(id -> assertFalse(left.contains(dirOf(id)), id));
      System.out.printf(
          "50 concurrent CreateVolume: %d ms; ListVolumes of %d: %d ms; 50 concurrent DeleteVolume:"
              + " %d ms%n",
          (created - start) / 1_000_000,
          listed.getEntriesCount(),
          (listedAt - created) / 1_000_000,
          (deleted - listedAt) / 1_000_000);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void concurrentDuplicatesMakeOneSubvolume() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(20);
    try {
      List<Future<CreateVolumeResponse>> futures = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        futures.add(pool.submit(() -> stub.createVolume(create("pvc-twin", 4 * MIB, null))));
      }
      CreateVolumeResponse first = futures.get(0).get();
      for (Future<CreateVolumeResponse> f : futures) {
        assertEquals(first, f.get());
      }
      assertEquals(1, subvolumes().stream().filter(n -> n.startsWith("pvc-twin-")).count());
      stub.deleteVolume(delete(first.getVolume().getVolumeId()));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void restartedControllerGivesTheSameAnswer() throws Exception {
    CreateVolumeResponse before = stub.createVolume(create("pvc-restart", 4 * MIB, null));
    stopController();
    startController();
    assertEquals(before, stub.createVolume(create("pvc-restart", 4 * MIB, null)));
    assertEquals(
        Status.Code.ALREADY_EXISTS,
        codeOf(() -> stub.createVolume(create("pvc-restart", 8 * MIB, null))));
    stub.deleteVolume(delete(before.getVolume().getVolumeId()));
  }

  @Test
  void cephCsiParametersPickTheBackendNamePrefixAndDataPool() throws Exception {
    String pool = "cephfs." + fs + ".data-it";
    if (!ceph("osd", "pool", "ls").lines().toList().contains(pool)) {
      ceph("osd", "pool", "create", pool, "8");
      ceph("fs", "add_data_pool", fs, pool);
    }
    Map<String, String> params =
        Map.of("clusterID", "ceph-it", "fsName", fs, "pool", pool, "volumeNamePrefix", "csi-vol-");
    CreateVolumeResponse created =
        stub.createVolume(
            ControllerServiceTest.create("pvc-params", 4 * MIB)
                .putAllSecrets(secrets)
                .putAllParameters(params)
                .build());
    String dir = dirOf(created.getVolume().getVolumeId());
    assertTrue(dir.startsWith("csi-vol-pvc-params-"), dir);
    Map<String, String> info = new TreeMap<>();
    Matcher field =
        Pattern.compile("\"(\\w+)\": \"?([^\",\n]*)")
            .matcher(ceph("fs", "subvolume", "info", fs, dir, "--group_name", group));
    while (field.find()) {
      info.put(field.group(1), field.group(2));
    }
    assertEquals(pool, info.get("data_pool"), info.toString());
    assertEquals(
        created,
        stub.createVolume(
            ControllerServiceTest.create("pvc-params", 4 * MIB)
                .putAllSecrets(secrets)
                .putAllParameters(params)
                .build()),
        "idempotent with the same parameters");

    Map<String, String> before = state();
    for (Map<String, String> bad :
        List.of(
            Map.of("pool", "no-such-pool"),
            Map.of("fsName", "otherfs"),
            Map.of("clusterID", "ceph-it", "backend", "gluster"),
            Map.of("volumeNamePrefix", "Bad_Prefix"))) {
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  stub.createVolume(
                      ControllerServiceTest.create("pvc-bad-params", 4 * MIB)
                          .putAllSecrets(secrets)
                          .putAllParameters(bad)
                          .build()));
      assertEquals(
          Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), bad + ": " + e.getStatus());
    }
    assertEquals(before, state(), "nothing made by the refused requests");
    stub.deleteVolume(delete(created.getVolume().getVolumeId()));
  }

  @Test
  void hostileInputTouchesNothing() throws Exception {
    String canary =
        stub.createVolume(create("pvc-canary", 4 * MIB, null)).getVolume().getVolumeId();
    Map<String, String> before = state();
    for (String name : List.of("../escape", "/abs", "a\0b", "x".repeat(10_240), "..")) {
      assertEquals(
          Status.Code.INVALID_ARGUMENT,
          codeOf(() -> stub.createVolume(create(name, MIB, null))),
          name);
    }
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        codeOf(
            () ->
                stub.createVolume(
                    ControllerServiceTest.create("ok", MIB)
                        .putAllSecrets(secrets)
                        .putParameters("backend", "nope")
                        .build())));
    String canaryDir = dirOf(canary);
    for (String id :
        List.of(
            "v1:ceph-it:../../etc",
            "v1:ceph-it:..",
            "v1:ceph-it:a/b",
            "v1:ceph-it:" + canaryDir + "/..",
            "../" + canary,
            "v1:ceph-it:--force",
            "v1:ceph-it:" + canaryDir + " --group_name=csi")) {
      assertEquals(Status.Code.INVALID_ARGUMENT, codeOf(() -> stub.deleteVolume(delete(id))), id);
      assertEquals(
          Status.Code.INVALID_ARGUMENT,
          codeOf(
              () ->
                  stub.controllerExpandVolume(
                      ControllerExpandVolumeRequest.newBuilder()
                          .setVolumeId(id)
                          .putAllSecrets(secrets)
                          .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(MIB))
                          .build())),
          id);
    }
    stub.deleteVolume(delete("v1:unknown-backend:pvc-x-0011223344556677"));

    // Malformed credentials: refused before anything runs, and never echoed.
    String fake = "secret\n[client.admin]\n\tkey = " + secrets.get("adminKey");
    StatusRuntimeException bad =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                stub.createVolume(
                    ControllerServiceTest.create("pvc-bad-key", 4 * MIB)
                        .putSecrets("adminID", "admin")
                        .putSecrets("adminKey", fake)
                        .build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
    assertFalse(bad.getStatus().getDescription().contains(secrets.get("adminKey")));
    // Well-formed but wrong: Ceph refuses, nothing is made, the key is not in the message.
    byte[] key = Base64.getDecoder().decode(secrets.get("adminKey"));
    key[key.length - 1] ^= 0x55;
    String wrongKey = Base64.getEncoder().encodeToString(key);
    StatusRuntimeException wrong =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                stub.createVolume(
                    ControllerServiceTest.create("pvc-wrong-key", 4 * MIB)
                        .putSecrets("adminID", adminId)
                        .putSecrets("adminKey", wrongKey)
                        .build()));
    assertEquals(
        Status.Code.PERMISSION_DENIED, wrong.getStatus().getCode(), wrong.getStatus().toString());
    assertFalse(
        wrong.getStatus().getDescription().contains(wrongKey), wrong.getStatus().getDescription());

    assertEquals(before, state());
    stub.deleteVolume(delete(canary));
  }

  @Test
  void withoutAdminSecretDirTheSecretlessCallsSaySo() throws Exception {
    stopController();
    backend = CephfsBackend.create(config(""), RUNNER);
    startServer(backend);
    StatusRuntimeException capacity =
        assertThrows(
            StatusRuntimeException.class,
            () -> stub.getCapacity(GetCapacityRequest.getDefaultInstance()));
    assertEquals(Status.Code.FAILED_PRECONDITION, capacity.getStatus().getCode());
    assertTrue(capacity.getStatus().getDescription().contains("adminSecretDir"));
    assertEquals(
        Status.Code.FAILED_PRECONDITION,
        codeOf(() -> stub.listVolumes(ListVolumesRequest.getDefaultInstance())));
  }
}
