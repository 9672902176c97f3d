package io.mooring.kube.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.mooring.controller.Backends;
import io.mooring.controller.backend.Backend;
import io.mooring.controller.backend.DeletePolicy;
import io.mooring.controller.backend.SnapshotRecord;
import io.mooring.controller.backend.Snapshots;
import io.mooring.controller.backend.VolumeRecord;
import io.mooring.controller.config.BackendsFile;
import io.mooring.exec.ProcessCommandRunner;
import io.mooring.kube.ExitCodes;
import io.mooring.kube.MockKubeconfig;
import io.mooring.mount.MountTable;
import io.mooring.mount.SystemMounter;
import io.mooring.rpc.Metrics;
import io.mooring.testing.GlusterFixture;
import io.mooring.volume.SnapshotId;
import io.mooring.volume.VolumeId;
import io.mooring.volume.VolumeNames;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.core.type.TypeReference;

/**
 * The audit against real backends (the storage host's GlusterFS volume and CephFS, as in CI) and
 * PVs and claims in the CRUD mock server: what it finds, and that {@code fix} removes exactly the
 * orphan past its grace period and never a volume a PV references.
 */
@EnableKubernetesMockClient(crud = true)
class AuditIT {

  static final String DRIVER = "mooring.csi.io";
  static final long MIB = 1 << 20;
  static final Duration GRACE = Duration.ofHours(24);

  KubernetesClient client;
  KubernetesMockServer server;
  @TempDir Path dir;
  Backends backends;
  String basePath;
  String cephGroup;

  @AfterEach
  void cleanUp() throws Exception {
    // the mock server may outlive the test: the next one starts from an empty cluster
    client.persistentVolumes().delete();
    client.persistentVolumeClaims().inAnyNamespace().delete();
    client.genericKubernetesResources(ClusterVolumes.SNAPSHOT_CONTENTS).delete();
    if (backends == null) {
      return;
    }
    try {
      for (Backend backend : backends.all()) {
        Optional<Snapshots> snapshots = backend.snapshots();
        for (SnapshotRecord s : snapshots.map(Snapshots::list).orElse(List.of())) {
          snapshots.get().delete(s.dir(), s.snapshot(), Map.of());
        }
        for (VolumeRecord volume : backend.list()) {
          backend.delete(volume.dir(), DeletePolicy.DELETE, Map.of());
        }
      }
    } finally {
      backends.close();
      if (basePath != null) { // left empty by the deletes: remove it through a mount of our own
        Path view = GlusterFixture.mount(dir.resolve("view"));
        GlusterFixture.run("rm", "-rf", view.resolve(basePath.substring(1)).toString());
      }
      if (cephGroup != null) {
        String fs = System.getenv("CEPH_FS");
        run("ceph", "fs", "subvolumegroup", "rm", fs, cephGroup, "--force");
        run("rados", "-p", "cephfs." + fs + ".meta", "-N", "mooring", "rm", "volumes." + cephGroup);
      }
      GlusterFixture.removeUnder(dir, dir);
    }
  }

  @Test
  void glusterfs() throws Exception {
    assumeTrue(System.getenv("GLUSTER_SERVER") != null, "no storage host: GLUSTER_SERVER unset");
    basePath = GlusterFixture.uniqueBasePath();
    auditAndFix("gluster-audit", GlusterFixture.backendYaml("gluster-audit", basePath));
  }

  @Test
  void cephfs() throws Exception {
    assumeTrue(System.getenv("CEPH_MONITORS") != null, "no storage host: CEPH_MONITORS unset");
    Path secretDir = Files.createDirectories(dir.resolve("secret"));
    Files.writeString(
        secretDir.resolve("adminID"), System.getenv().getOrDefault("CEPH_ADMIN_ID", "admin"));
    Files.copy(Path.of(System.getenv("CEPH_ADMIN_KEY_FILE")), secretDir.resolve("adminKey"));
    cephGroup = "audit-" + UUID.randomUUID().toString().substring(0, 8);
    auditAndFix(
        "ceph-audit",
        """
          - name: ceph-audit
            type: cephfs
            monitors: [%s]
            fsName: %s
            subvolumeGroup: %s
            adminSecretDir: %s
        """
            .formatted(
                System.getenv("CEPH_MONITORS"), System.getenv("CEPH_FS"), cephGroup, secretDir));
  }

  /**
   * Three volumes made by the backend as CreateVolume makes them: one with a PV (its claim deleted,
   * its PV's size behind), one whose claim is deleted and which nothing references, one whose claim
   * is still Pending; a PV whose volume never existed; where the backend has snapshots, two of the
   * first volume, one with its VolumeSnapshotContent. The cluster is seeded first (its IDs follow
   * from the names), so that only the audit's reads, which may be retried, follow the backend work.
   */
  void auditAndFix(String name, String backendYaml) throws Exception {
    String withPvRequest = "pvc-" + UUID.randomUUID();
    String withPv = VolumeNames.dirFor(withPvRequest);
    String orphanRequest = "pvc-" + UUID.randomUUID();
    String orphan = VolumeNames.dirFor(orphanRequest);
    String pendingRequest = "pvc-" + ClusterSeed.claim(client, "apps", "waiting", "Pending");
    String pending = VolumeNames.dirFor(pendingRequest);
    String missing = VolumeNames.dirFor("pvc-never-made");
    pv("pv-with-volume", id(name, withPv), 4 * MIB);
    pv("pv-without-volume", id(name, missing), 8 * MIB);
    String keptSnapshot = snapshotId(name, withPv, "snapshot-kept");
    String lostSnapshot = snapshotId(name, withPv, "snapshot-lost");
    snapshotContent(keptSnapshot);

    Path file = Files.writeString(dir.resolve("backends.yaml"), "backends:\n" + backendYaml);
    ProcessCommandRunner runner = new ProcessCommandRunner();
    backends =
        Backends.open(
            BackendsFile.load(file).values(),
            runner,
            new SystemMounter(runner),
            dir.resolve("state"),
            Metrics.OFF);
    Backend backend = backends.all().get(0);
    VolumeRecord source = create(backend, withPvRequest);
    create(backend, orphanRequest);
    create(backend, pendingRequest);
    Optional<Snapshots> snapshots = backend.snapshots();
    for (String snapshot : List.of("snapshot-kept", "snapshot-lost")) {
      snapshots.ifPresent(
          s -> s.create(source, VolumeNames.snapshotFor(snapshot), snapshot, "", Map.of()));
    }

    // now: every volume is younger than the grace period
    Audit now = audit(Clock.systemUTC());
    List<Finding> found = now.find(now.readCluster(client));
    List<String> expected =
        new ArrayList<>(
            List.of(
                "volume-without-pv " + id(name, pending) + " kept",
                "claim-deleted " + id(name, orphan) + " kept",
                "pv-without-volume " + id(name, missing) + " none",
                "capacity-drift " + id(name, withPv) + " none"));
    if (snapshots.isPresent()) {
      expected.add("snapshot-without-content " + lostSnapshot + " none");
    }
    assertEquals(expected, summary(found));
    assertEquals(
        List.of(8 * MIB, 4 * MIB), List.of(found.get(3).backendBytes(), found.get(3).pvBytes()));

    // two days on: the orphan goes, the volume with a PV and the pending claim's stay
    Audit later = audit(Clock.offset(Clock.systemUTC(), Duration.ofHours(48)));
    List<Finding> fixed =
        later.fix(later.find(later.readCluster(client)), later.readCluster(client));
    expected.set(1, "claim-deleted " + id(name, orphan) + " fixed");
    assertEquals(expected, summary(fixed));

    // read back by backends opened afresh: the orphan is gone from the storage, the others whole
    try (Backends fresh =
        Backends.open(
            BackendsFile.load(file).values(),
            runner,
            new SystemMounter(runner),
            dir.resolve("fresh"),
            Metrics.OFF)) {
      Backend again = fresh.all().get(0);
      assertEquals(Optional.empty(), again.get(orphan));
      assertEquals(8 * MIB, again.get(withPv).orElseThrow().capacityBytes());
      assertEquals(
          List.of(withPv, pending).stream().sorted().toList(),
          again.list().stream().map(VolumeRecord::dir).toList());
    }

    // the command as an admin runs it: backends of its own, the cluster through a kubeconfig
    String late = VolumeNames.dirFor(create(backend, "pvc-" + UUID.randomUUID()).requestName());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        new CommandLine(new AuditCommand())
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(
                "--backends",
                file.toString(),
                "--kubeconfig",
                MockKubeconfig.write(dir, server, "real").toString(),
                "--fix",
                "--grace",
                "0s",
                "-o",
                "json");
    assertEquals(ExitCodes.FINDINGS, exit, err.toString());
    expected.set(1, "claim-deleted " + id(name, late) + " fixed");
    assertEquals(expected, summary(json(out.toString())));
    assertEquals(Optional.empty(), backend.get(late));
    assertEquals(8 * MIB, backend.get(withPv).orElseThrow().capacityBytes());
    assertEquals(
        List.of(),
        MountTable.read().entries().stream()
            .filter(m -> m.mountPoint().toString().contains("mooring-audit-"))
            .toList(),
        "the command leaves no mount behind");
  }

  /** Findings from {@code -o json}. */
  static List<Finding> json(String text) {
    return new KubernetesSerialization()
        .unmarshal(text, new TypeReference<Map<String, List<Finding>>>() {})
        .get("findings");
  }

  Audit audit(Clock clock) {
    return new Audit(backends.all(), DRIVER, GRACE, clock);
  }

  static List<String> summary(List<Finding> findings) {
    return findings.stream()
        .map(
            f ->
                f.kind().label()
                    + " "
                    + (f.snapshot() != null ? f.snapshot() : f.volumeId())
                    + " "
                    + f.fix().label())
        .toList();
  }

  /** Creates the volume of {@code requestName} as CreateVolume does. */
  static VolumeRecord create(Backend backend, String requestName) {
    return backend.create(
        VolumeNames.dirFor(requestName), requestName, 8 * MIB, Map.of(), Map.of());
  }

  static String id(String backend, String dir) {
    return new VolumeId(backend, dir).toString();
  }

  static String snapshotId(String backend, String dir, String requestName) {
    return new SnapshotId(new VolumeId(backend, dir), VolumeNames.snapshotFor(requestName))
        .toString();
  }

  void pv(String name, String handle, long bytes) {
    ClusterSeed.pv(client, name, DRIVER, handle, bytes, null);
  }

  void snapshotContent(String handle) {
    client
        .genericKubernetesResources(ClusterVolumes.SNAPSHOT_CONTENTS)
        .resource(
            new GenericKubernetesResourceBuilder()
                .withApiVersion("snapshot.storage.k8s.io/v1")
                .withKind("VolumeSnapshotContent")
                .withNewMetadata()
                .withName("snapcontent-kept")
                .endMetadata()
                .addToAdditionalProperties("status", Map.of("snapshotHandle", handle))
                .build())
        .create();
  }

  /** A Ceph CLI ({@code ceph}, {@code rados}) as the storage host's admin. */
  static void run(String program, String... args) {
    List<String> argv =
        new ArrayList<>(
            List.of(
                program,
                "-c",
                System.getenv("CEPH_CONF"),
                "--id",
                System.getenv().getOrDefault("CEPH_ADMIN_ID", "admin"),
                "--keyfile",
                System.getenv("CEPH_ADMIN_KEY_FILE")));
    argv.addAll(List.of(args));
    GlusterFixture.run(argv.toArray(String[]::new));
  }
}
