package io.mooring.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import csi.v1.ControllerGrpc;
import csi.v1.Csi.DeleteVolumeRequest;
import csi.v1.Csi.ListVolumesRequest;
import csi.v1.Csi.ListVolumesResponse;
import io.mooring.testing.GlusterFixture;
import io.mooring.volume.VolumeId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: crash-safe and leak-free under churn. {@link Churn} drives the real controller program
 * as the provisioner does and SIGKILLs it at random moments; afterwards the backend, read directly,
 * holds exactly the volumes of the claims that are alive (no orphans, none lost), and ListVolumes
 * says the same. Sized for CI (under 3 minutes a backend on a loaded 2-core machine): GlusterFS
 * takes ~1 s a call (each quota change is a glusterd transaction), CephFS ~0.1 s; {@code
 * -Dchurn.scale} multiplies the claims, {@code -Dchurn.kills} (default 4) sets the SIGKILLs.
 */
class ChurnIT {

  private static final int SCALE = Integer.getInteger("churn.scale", 1);
  private static final int KILLS = Integer.getInteger("churn.kills", 4);
  private static final int WORKERS = 6;
  private static final Pattern SUBVOLUME_NAME = Pattern.compile("\"name\":\\s*\"([^\"]+)\"");

  Path dir;
  Path stateDir;
  Churn churn;
  String basePath;
  Path glusterMount;
  String cephGroup;

  @BeforeEach
  void setUp() throws Exception {
    dir = Files.createTempDirectory("mo");
    // short: ssh's connection sockets live below it (SshTransport.MAX_CONTROL_DIR)
    stateDir = Files.createDirectories(dir.resolve("s")).toRealPath();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (churn != null) {
      churn.close();
    }
    if (glusterMount != null) { // what a failed run left: limits, then directories
      glusterQuotas()
          .forEach(
              d ->
                  GlusterFixture.gluster(
                      "volume", "quota", volume(), "remove", basePath + "/" + d));
      GlusterFixture.run("rm", "-rf", glusterMount.resolve(basePath.substring(1)).toString());
    }
    GlusterFixture.removeUnder(dir, stateDir); // with the test's mount of the Gluster volume
    if (cephGroup != null) {
      cephSubvolumes().forEach(s -> ceph("fs", "subvolume", "rm", cephFs(), s, cephGroup));
      ceph("fs", "subvolumegroup", "rm", cephFs(), cephGroup, "--force");
    }
  }

  @Test
  void glusterChurnWithKillsLeavesExactlyTheLiveVolumes() throws Exception {
    basePath = GlusterFixture.uniqueBasePath();
    glusterMount = GlusterFixture.mount(dir.resolve("g"));
    churnAndCompare(
        "GlusterFS",
        60 * SCALE,
        GlusterFixture.backendYaml("gluster-churn", basePath),
        () -> union(glusterDirs(), glusterQuotas()));
  }

  @Test
  void cephChurnWithKillsLeavesExactlyTheLiveVolumes() throws Exception {
    String adminId = System.getenv().getOrDefault("CEPH_ADMIN_ID", "admin");
    Path secretDir = Files.createDirectories(dir.resolve("secret"));
    Files.writeString(secretDir.resolve("adminID"), adminId);
    Files.copy(Path.of(System.getenv("CEPH_ADMIN_KEY_FILE")), secretDir.resolve("adminKey"));
    cephGroup = "churn-" + UUID.randomUUID().toString().substring(0, 8);
    churnAndCompare(
        "CephFS",
        200 * SCALE,
        """
          - name: ceph-churn
            type: cephfs
            monitors: [%s]
            fsName: %s
            subvolumeGroup: %s
            adminSecretDir: %s
        """
            .formatted(System.getenv("CEPH_MONITORS"), cephFs(), cephGroup, secretDir),
        this::cephSubvolumes);
  }

  /** What the backend holds, read directly (not through Mooring): volume directory names. */
  interface BackendView {
    Set<String> volumes();
  }

  void churnAndCompare(String backend, int claims, String yaml, BackendView onBackend)
      throws Exception {
    Path backends = Files.writeString(dir.resolve("backends.yaml"), "backends:\n" + yaml);
    churn =
        new Churn(
            generation ->
                RunningPlugin.start(
                    dir.resolve("csi.sock"),
                    dir.resolve("controller-" + generation + ".log"),
                    "controller",
                    "--backends",
                    backends.toString(),
                    "--state-dir",
                    stateDir.toString()));
    long t0 = System.nanoTime();
    churn.run(claims, WORKERS, KILLS);
    long churnMs = (System.nanoTime() - t0) / 1_000_000;
    Set<String> expected = dirs(churn.alive.values().stream());
    Set<String> found = onBackend.volumes();
    Set<String> listed = listVolumes();
    System.out.printf(
        "%s churn: %d claims on %d workers in %d ms, %d SIGKILLs (restarts %s ms), answers %s;"
            + " alive %d, on the backend %d (orphans %s, lost %s), ListVolumes %d%n",
        backend,
        claims,
        WORKERS,
        churnMs,
        churn.kills(),
        churn.restartMs(),
        churn.answers(),
        expected.size(),
        found.size(),
        minus(found, expected),
        minus(expected, found),
        listed.size());
    churn
        .firstErrors()
        .forEach((k, v) -> System.out.printf("%s churn: first %s: %s%n", backend, k, v));
    assertEquals(claims / 2, expected.size(), "every claim not deleted is alive");
    assertEquals(KILLS, churn.kills(), "the controller was killed while claims were in flight");
    assertEquals(expected, found, "the backend holds exactly the live claims' volumes");
    assertEquals(expected, listed, "ListVolumes shows exactly the live claims' volumes");

    long deletes = System.nanoTime();
    for (String id : churn.alive.values()) {
      controller().deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(id).build());
    }
    System.out.printf(
        "%s churn: DeleteVolume of the %d live volumes in %d ms%n",
        backend, expected.size(), (System.nanoTime() - deletes) / 1_000_000);
    assertEquals(Set.of(), onBackend.volumes(), "DeleteVolume of every live claim empties it");
  }

  ControllerGrpc.ControllerBlockingStub controller() {
    return ControllerGrpc.newBlockingStub(churn.controller().channel())
        .withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  /** Every volume ListVolumes returns, in pages of 50. */
  Set<String> listVolumes() {
    Set<String> ids = new TreeSet<>();
    String token = "";
    do {
      ListVolumesResponse page =
          controller()
              .listVolumes(
                  ListVolumesRequest.newBuilder()
                      .setMaxEntries(50)
                      .setStartingToken(token)
                      .build());
      page.getEntriesList().forEach(e -> ids.add(e.getVolume().getVolumeId()));
      token = page.getNextToken();
    } while (!token.isEmpty());
    return dirs(ids.stream());
  }

  static Set<String> dirs(Stream<String> volumeIds) {
    return volumeIds
        .map(id -> VolumeId.lookup(id).orElseThrow().dir())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  static Set<String> minus(Set<String> a, Set<String> b) {
    Set<String> out = new TreeSet<>(a);
    out.removeAll(b);
    return out;
  }

  static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> out = new TreeSet<>(a);
    out.addAll(b);
    return out;
  }

  static String volume() {
    return GlusterFixture.volume();
  }

  /** The directories below the base path, on the test's own mount of the Gluster volume. */
  Set<String> glusterDirs() {
    Path base = glusterMount.resolve(basePath.substring(1));
    if (!Files.isDirectory(base)) {
      return Set.of();
    }
    try (Stream<Path> children = Files.list(base)) {
      return children
          .map(p -> p.getFileName().toString())
          .collect(Collectors.toCollection(TreeSet::new));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The quota limits glusterd holds below the base path, by directory name. */
  Set<String> glusterQuotas() {
    String list;
    try {
      list = GlusterFixture.gluster("volume", "quota", volume(), "list");
    } catch (RuntimeException e) {
      return Set.of(); // quota is not enabled yet: no limits
    }
    return Arrays.stream(list.split("\n"))
        .map(String::strip)
        .filter(line -> line.startsWith(basePath + "/"))
        .map(line -> line.split("\\s+")[0].substring(basePath.length() + 1))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  Set<String> cephSubvolumes() {
    String json;
    try {
      json = ceph("fs", "subvolume", "ls", cephFs(), cephGroup, "--format", "json");
    } catch (RuntimeException e) {
      return Set.of(); // no group yet
    }
    Set<String> names = new TreeSet<>();
    Matcher m = SUBVOLUME_NAME.matcher(json);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  static String ceph(String... args) {
    String[] argv = new String[args.length + 3];
    argv[0] = "ceph";
    argv[1] = "--conf";
    argv[2] = System.getenv("CEPH_CONF");
    System.arraycopy(args, 0, argv, 3, args.length);
    return GlusterFixture.run(argv);
  }

  static String cephFs() {
    return System.getenv().getOrDefault("CEPH_FS", "cephfs");
  }
}
