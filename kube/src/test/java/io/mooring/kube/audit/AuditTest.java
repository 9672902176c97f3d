package io.mooring.kube.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.mooring.errors.StorageException;
import io.mooring.kube.audit.Finding.Fix;
import io.mooring.kube.audit.Finding.Kind;
import io.mooring.testing.MutableClock;
import io.mooring.volume.VolumeId;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class AuditTest {

  static final String DRIVER = "mooring.csi.io";
  static final long MIB = 1 << 20;
  static final Duration GRACE = Duration.ofHours(24);

  KubernetesClient client;
  MutableClock clock;
  MemoryBackend gluster;
  MemoryBackend ceph;
  Audit audit;

  /** Created two days before the clock's now: past the grace period. */
  Instant old;

  @BeforeEach
  void setUp() {
    clock = new MutableClock();
    old = clock.now.minus(Duration.ofHours(48));
    gluster = new MemoryBackend("gluster-a");
    ceph = new MemoryBackend("ceph-a");
    audit = new Audit(List.of(gluster, ceph), DRIVER, GRACE, clock);
  }

  /** A claim UID no claim has: one deleted long ago. */
  static String uid(int n) {
    return "00000000-0000-4000-8000-%012d".formatted(n);
  }

  /** The request name the external-provisioner gives the volume of the claim with {@code uid}. */
  static String request(String uid) {
    return "pvc-" + uid;
  }

  static String request(int n) {
    return request(uid(n));
  }

  /** Makes claim apps/data-N; returns the UID the API server gave it. */
  String claim(int n, String phase) {
    return ClusterSeed.claim(client, "apps", "data-" + n, phase);
  }

  void pv(String name, String driver, String handle, long bytes, int claim) {
    ClusterSeed.pv(client, name, driver, handle, bytes, "apps/data-" + claim);
  }

  List<Finding> find() {
    return audit.find(audit.readCluster(client));
  }

  @Test
  void volumesWithTheirPvsAndSizesAreClean() {
    gluster.add("pvc-1", request(claim(1, "Bound")), 64 * MIB, null, old);
    ceph.add("pvc-2", request(2), 8 * MIB, "archive", old);
    pv("pvc-1", DRIVER, "v1:gluster-a:pvc-1", 64 * MIB, 1);
    pv("pvc-2", DRIVER, "v1:ceph-a:pvc-2", 8 * MIB, 2); // its claim is gone: the PV is what counts

    assertEquals(List.of(), find());
  }

  @Test
  void volumeOfADeletedClaimIsRemovedPerItsOnDelete() {
    gluster.add("pvc-1", request(1), 64 * MIB, null, old);
    ceph.add("pvc-2", request(2), 8 * MIB, "archive", old);
    ceph.add("pvc-3", request(3), 8 * MIB, "retain", old);

    List<Finding> found = find();
    assertEquals(
        new Finding(
            Kind.CLAIM_DELETED,
            "v1:ceph-a:pvc-2",
            null,
            null,
            uid(2),
            8 * MIB,
            null,
            old.toString(),
            "archive",
            "no PV; the claim it was made for (UID " + uid(2) + ") is gone",
            Fix.WOULD_FIX,
            null),
        found.get(0));
    assertEquals(
        List.of("v1:ceph-a:pvc-2", "v1:ceph-a:pvc-3", "v1:gluster-a:pvc-1"),
        found.stream().map(Finding::volumeId).toList());
    assertTrue(gluster.deletes.isEmpty() && ceph.deletes.isEmpty(), "reading changes nothing");

    List<Finding> fixed = audit.fix(found, audit.readCluster(client));
    assertEquals(
        List.of(Fix.FIXED, Fix.FIXED, Fix.FIXED), fixed.stream().map(Finding::fix).toList());
    assertEquals(List.of("pvc-1 DELETE"), gluster.deletes);
    assertEquals(List.of("pvc-2 ARCHIVE", "pvc-3 RETAIN"), ceph.deletes);
    assertEquals(List.of(), find());
  }

  @Test
  void aVolumeWithAPvIsNeverTouched() {
    // everything else says orphan: old, its claim gone, and its PV's size differs
    gluster.add("pvc-1", request(1), 64 * MIB, null, old);
    pv("pvc-1", "another.csi.io", "v1:gluster-a:pvc-1", 32 * MIB, 1);

    List<Finding> found = find();
    assertEquals(List.of(Kind.CAPACITY_DRIFT), found.stream().map(Finding::kind).toList());
    Finding drift = found.get(0);
    assertEquals(List.of(64 * MIB, 32 * MIB), List.of(drift.backendBytes(), drift.pvBytes()));
    assertEquals(Fix.NONE, drift.fix());

    audit.fix(found, audit.readCluster(client));
    assertEquals(List.of(), gluster.deletes);
  }

  @Test
  void aPvMadeAfterTheFirstLookKeepsTheVolume() {
    gluster.add("pvc-1", request(1), 64 * MIB, null, old);
    List<Finding> found = find();
    assertEquals(Fix.WOULD_FIX, found.get(0).fix());

    pv("pvc-1", DRIVER, "v1:gluster-a:pvc-1", 64 * MIB, 1);
    Finding kept = audit.fix(found, audit.readCluster(client)).get(0);

    assertEquals(Fix.KEPT, kept.fix());
    assertEquals("PV pvc-1 references it", kept.why());
    assertEquals(List.of(), gluster.deletes);
  }

  @Test
  void whatIsNotProvablyOrphanedAndOldIsKept() {
    gluster.add("pvc-1", request(claim(1, "Pending")), MIB, null, old); // its claim waits for it
    gluster.add("pvc-2", request(2), MIB, null, clock.now.minus(Duration.ofHours(23)));
    gluster.add("pvc-3", request(3), MIB, null, null); // made before records kept the time
    gluster.add("pvc-4", "my-volume", MIB, null, old); // a request name without a claim UID

    List<Finding> found = find();
    assertEquals(
        List.of(
            "v1:gluster-a:pvc-1 volume-without-pv kept: its claim apps/data-1 exists (Pending)",
            "v1:gluster-a:pvc-4 volume-without-pv kept: its request name names no claim, and 1"
                + " claim(s) are Pending: one may be waiting for it",
            "v1:gluster-a:pvc-2 claim-deleted kept: created "
                + clock.now.minus(Duration.ofHours(23))
                + ", within the grace period (PT24H)",
            "v1:gluster-a:pvc-3 claim-deleted kept: its record does not say when it was created"
                + " (an older Mooring made it)"),
        found.stream()
            .map(
                f -> f.volumeId() + " " + f.kind().label() + " " + f.fix().label() + ": " + f.why())
            .toList());

    clock.advance(Duration.ofHours(2));
    client.persistentVolumeClaims().inNamespace("apps").withName("data-1").delete();
    List<Finding> fixed = audit.fix(find(), audit.readCluster(client));
    assertEquals(List.of("pvc-4 DELETE", "pvc-1 DELETE", "pvc-2 DELETE"), gluster.deletes);
    assertEquals(
        List.of(
            "pvc-4 volume-without-pv fixed",
            "pvc-1 claim-deleted fixed",
            "pvc-2 claim-deleted fixed",
            "pvc-3 claim-deleted kept"),
        fixed.stream()
            .map(
                f ->
                    VolumeId.parse(f.volumeId()).dir()
                        + " "
                        + f.kind().label()
                        + " "
                        + f.fix().label())
            .toList());
  }

  @Test
  void pvsOfThisDriverWithoutTheirVolumeAreReported() {
    gluster.add("pvc-1", request(1), MIB, null, old);
    pv("pvc-1", DRIVER, "v1:gluster-a:pvc-1", MIB, 1);
    pv("gone", DRIVER, "v1:gluster-a:pvc-9", MIB, 9);
    pv("elsewhere", DRIVER, "v1:gluster-b:pvc-8", MIB, 8);
    pv("foreign", DRIVER, "not-an-id", MIB, 7);
    pv("other-driver", "another.csi.io", "vol-1", MIB, 6);

    List<Finding> found = find();
    assertEquals(
        List.of(
            "foreign: its volume handle is not a Mooring volume ID",
            "gone: backend gluster-a has no volume pvc-9",
            "elsewhere: backend gluster-b is not in the backends file"),
        found.stream().map(f -> f.pv() + ": " + f.detail()).toList());
    assertTrue(found.stream().allMatch(f -> f.kind() == Kind.PV_WITHOUT_VOLUME));
    assertEquals("apps/data-9", found.get(1).claim());
  }

  @Test
  void aRefusedDeleteIsReportedAndTheRestGoesOn() {
    gluster.add("pvc-1", request(1), MIB, null, old);
    ceph.add("pvc-2", request(2), MIB, null, old);
    ceph.deleteFailure = StorageException.internal("mgr refused");

    List<Finding> fixed = audit.fix(find(), audit.readCluster(client));

    assertEquals(List.of(Fix.FAILED, Fix.FIXED), fixed.stream().map(Finding::fix).toList());
    assertEquals("mgr refused", fixed.get(0).why());
    assertEquals(List.of("pvc-1 DELETE"), gluster.deletes);
  }

  @Test
  void aBackendThatCannotBeListedFailsTheAudit() {
    MemoryBackend broken = new MemoryBackend("broken");
    broken.listFailure = StorageException.internal("cannot list");
    pv("pvc-1", DRIVER, "v1:broken:pvc-1", MIB, 1);
    Audit withBroken = new Audit(List.of(broken), DRIVER, GRACE, clock);
    assertThrows(StorageException.class, () -> withBroken.find(withBroken.readCluster(client)));
  }

  @Test
  void reportsAsTextAndJson() {
    gluster.add("pvc-1", request(1), MIB, null, old);
    pv("gone", DRIVER, "v1:gluster-a:pvc-9", MIB, 9);
    List<Finding> found = find();

    StringWriter json = new StringWriter();
    AuditReport.json(found, new PrintWriter(json, true));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> listed =
        (List<Map<String, Object>>)
            new KubernetesSerialization().unmarshal(json.toString(), Map.class).get("findings");
    assertEquals(
        Map.of(
            "kind",
            "claim-deleted",
            "volumeId",
            "v1:gluster-a:pvc-1",
            "claim",
            uid(1),
            "backendBytes",
            (int) MIB,
            "created",
            old.toString(),
            "onDelete",
            "delete",
            "detail",
            "no PV; the claim it was made for (UID " + uid(1) + ") is gone",
            "fix",
            "would-fix"),
        listed.get(0),
        "no null fields: " + json);
    assertEquals("pv-without-volume", listed.get(1).get("kind"));

    StringWriter text = new StringWriter();
    AuditReport.text(found, new PrintWriter(text, true));
    List<String> lines = text.toString().lines().toList();
    assertEquals("KIND               VOLUME / SNAPSHOT   PV    FIX        DETAIL", lines.get(0));
    assertTrue(lines.get(1).startsWith("claim-deleted      v1:gluster-a:pvc-1  -     would-fix"));
    assertEquals(
        "2 finding(s): {claim-deleted=1, pv-without-volume=1}; {would-fix=1}", lines.get(4));
  }
}
