package io.mooring.controller.backend.cephfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.ceph.CephCredentials;
import io.mooring.controller.backend.DeletePolicy;
import io.mooring.controller.backend.VolumeRecord;
import io.mooring.controller.config.CephConfig;
import io.mooring.errors.StorageException;
import io.mooring.errors.StorageException.Kind;
import io.mooring.testing.CephKeys;
import io.mooring.testing.MutableClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** CephfsBackend with a client that has omap (librados): records in omap, reserve → commit. */
class CephfsBackendOmapTest {

  static final String GROUP = "csi";
  static final String DIR = "pvc-1-0011223344556677";
  static final OmapObject OBJECT =
      new OmapObject(
          "cephfs.cephfs.meta", OmapRecords.NAMESPACE, OmapRecords.OBJECT_PREFIX + GROUP);
  static final Map<String, String> SECRETS =
      Map.of("adminID", "provisioner", "adminKey", CephKeys.of(2));

  @TempDir Path secretDir;
  FakeCephClient ceph;
  MutableClock clock;

  @BeforeEach
  void setUp() throws IOException {
    Files.writeString(secretDir.resolve("adminID"), "admin\n");
    Files.writeString(secretDir.resolve("adminKey"), CephKeys.of(1) + "\n");
    ceph = new FakeCephClient("cephfs");
    ceph.omap = true;
    clock = new MutableClock();
  }

  CephfsBackend backend() {
    return new CephfsBackend(
        new CephConfig(
            "ceph-a",
            List.of("127.0.0.1:9"),
            "cephfs",
            GROUP,
            "fuse",
            "",
            "",
            secretDir.toString(),
            Map.of()),
        ceph,
        clock);
  }

  TreeMap<String, String> omap() {
    return ceph.objects.getOrDefault(OBJECT, new TreeMap<>());
  }

  List<String> mgrCalls() {
    return ceph.calls.stream().filter(c -> !c.startsWith("omap")).toList();
  }

  @Test
  void aCreateLooksAgainWhenTheLookupIsOldOrFoundAReservation() {
    CephfsBackend backend = backend();
    backend.create("warm-up", "pvc-0", 4 << 20, Map.of(), SECRETS);
    assertEquals(Optional.empty(), backend.get(DIR, SECRETS));
    clock.advance(java.time.Duration.ofSeconds(3));
    ceph.calls.clear();
    backend.create(DIR, "pvc-1", 4 << 20, Map.of(), SECRETS);
    assertEquals("omap read", ceph.calls.get(0), "a lookup 3 s old is not trusted");

    String other = "pvc-2-0011223344556677";
    ceph.omapWrite(
        OBJECT,
        Map.of(
            OmapRecords.RESERVED + other,
            new SubvolumeRecord("pvc-9", 4 << 20, Map.of(), "", Optional.empty()).encode()),
        java.util.Set.of(),
        null);
    assertEquals(Optional.empty(), backend.get(other, SECRETS), "a reservation is no volume yet");
    StorageException e =
        assertThrows(
            StorageException.class,
            () -> backend.create(other, "pvc-2", 4 << 20, Map.of(), SECRETS));
    assertEquals(Kind.ALREADY_EXISTS, e.kind(), "the reservation was read, not assumed absent");
  }

  @Test
  void aCreateSendsTheMgrOnlyCreateAndGetpath() {
    CephfsBackend backend = backend();
    backend.create("warm-up", "pvc-0", 4 << 20, Map.of(), SECRETS); // group, pools, import
    ceph.calls.clear();
    assertEquals(Optional.empty(), backend.get(DIR, SECRETS));
    VolumeRecord v = backend.create(DIR, "pvc-1", 4 << 20, Map.of("k", "v"), SECRETS);
    assertEquals(
        List.of(
            "omap read",
            "omap write",
            "fs subvolume create " + DIR,
            "fs subvolume getpath " + DIR,
            "omap write"),
        ceph.calls,
        "look (once: the create trusts the lookup just made), reserve, create, getpath, commit");
    assertFalse(omap().containsKey(OmapRecords.RESERVED + DIR));
    assertEquals(
        ceph.sub(GROUP, DIR).path,
        SubvolumeRecord.decode(omap().get(OmapRecords.VOLUME + DIR)).path());
    assertTrue(ceph.sub(GROUP, DIR).metadata.isEmpty(), "no metadata records are written");
    assertEquals(Optional.of(v), backend.get(DIR));
    assertEquals(Optional.of(v), backend().get(DIR), "read back by another controller");
  }

  @Test
  void aCreateInterruptedAfterTheSubvolumeIsFinishedByItsRetry() {
    CephfsBackend backend = backend();
    ceph.failNext.put("fs subvolume getpath", new CephError(CephError.ETIMEDOUT, "lost"));
    assertThrows(CephError.class, () -> backend.create(DIR, "pvc-1", 4 << 20, Map.of(), SECRETS));
    assertNotNull(ceph.sub(GROUP, DIR), "made");
    assertTrue(omap().containsKey(OmapRecords.RESERVED + DIR), "reserved, not committed");
    assertEquals(Optional.empty(), backend().get(DIR), "not a volume yet");
    assertEquals(List.of(), backend().list());

    VolumeRecord v = backend().create(DIR, "pvc-1", 4 << 20, Map.of(), SECRETS);
    assertEquals(Optional.of(v), backend().get(DIR));
    assertFalse(omap().containsKey(OmapRecords.RESERVED + DIR));
    assertThrows(
        StorageException.class,
        () -> backend().create(DIR, "pvc-other", 4 << 20, Map.of(), SECRETS),
        "another request name");
  }

  @Test
  void aReservationWithoutSubvolumeIsFinishedToo() {
    CephfsBackend backend = backend();
    backend.create("warm-up", "pvc-0", 4 << 20, Map.of(), SECRETS);
    // a crash right after the reservation, simulated by writing it alone
    new OmapRecords(ceph, GROUP, c -> OBJECT.pool())
        .reserve(
            DIR,
            new SubvolumeRecord("pvc-1", 4 << 20, Map.of(), "", Optional.empty()),
            CephCredentials.of("id", "admin", "key", CephKeys.of(1)));
    VolumeRecord v = backend.create(DIR, "pvc-1", 8 << 20, Map.of(), SECRETS);
    assertEquals(8 << 20, ceph.sub(GROUP, DIR).size);
    assertEquals(Optional.of(v), backend.get(DIR));
  }

  @Test
  void aSubvolumeCreateThatFailsLeavesNoReservation() {
    ceph.failNext.put("fs subvolume create", new CephError(CephError.EIO, "boom"));
    assertThrows(CephError.class, () -> backend().create(DIR, "pvc-1", 4 << 20, Map.of(), SECRETS));
    assertNull(ceph.sub(GROUP, DIR));
    assertFalse(omap().containsKey(OmapRecords.RESERVED + DIR));
  }

  @ParameterizedTest
  @EnumSource(
      value = Kind.class,
      names = {"UNAVAILABLE", "DEADLINE_EXCEEDED", "CANCELLED"})
  void aSubvolumeCreateNotAnsweredKeepsItsReservationForTheRetryToFinish(Kind unanswered) {
    ceph.failNext.put(
        "fs subvolume create", new StorageException(unanswered, "the mgr answers nothing"));
    assertThrows(
        StorageException.class, () -> backend().create(DIR, "pvc-1", 4 << 20, Map.of(), SECRETS));
    assertTrue(omap().containsKey(OmapRecords.RESERVED + DIR), "the mgr may still make it");
    ceph.add(GROUP, DIR, 4 << 20); // and it does, late

    VolumeRecord v = backend().create(DIR, "pvc-1", 4 << 20, Map.of(), SECRETS);
    assertEquals(Optional.of(v), backend().get(DIR));
    assertFalse(omap().containsKey(OmapRecords.RESERVED + DIR));
    assertEquals(List.of(v), backend().list(), "once");
  }

  @Test
  void metadataRecordsOfEarlierVersionsAreImportedOnceThenListedResizedAndDeleted() {
    ceph.omap = false;
    CephfsBackend old = backend();
    VolumeRecord a = old.create(DIR, "pvc-1", 4 << 20, Map.of("k", "v"), SECRETS);
    VolumeRecord b = old.create("pvc-2-0011223344556677", "pvc-2", 4 << 20, Map.of(), SECRETS);
    old.create("gone-0011223344556677", "gone", 4 << 20, Map.of(), SECRETS);
    old.delete("gone-0011223344556677", DeletePolicy.ARCHIVE, SECRETS);
    ceph.add(GROUP, "norecord-0011223344556677", 5); // a retained volume: no record
    ceph.omap = true;

    CephfsBackend backend = backend();
    assertEquals(List.of(a, b), backend.list());
    assertEquals("2 volumes, 1 archived", omap().get(OmapRecords.IMPORTED));
    ceph.calls.clear();
    assertEquals(List.of(a, b), backend().list());
    assertEquals(
        List.of("fs ls", "omap read", "omap range"),
        ceph.calls,
        "a new controller: its pools once, the import mark, the records; no metadata ls");
    CephfsBackend restarted = backend();
    restarted.list();
    ceph.calls.clear();
    assertEquals(ceph.sub(GROUP, DIR).path, restarted.volumeContext(DIR).get("path"));
    assertEquals(List.of(), ceph.calls, "the listed records' paths: no getpath");

    StorageException e =
        assertThrows(
            StorageException.class,
            () -> backend.create("gone-0011223344556677", "gone", 4 << 20, Map.of(), SECRETS));
    assertEquals(Kind.ALREADY_EXISTS, e.kind());
    assertTrue(e.getMessage().contains("archived"), e.getMessage());

    VolumeRecord bigger = backend.resize(a, 8 << 20, SECRETS);
    assertEquals(Optional.of(bigger), backend().get(DIR), "written to omap");
    backend.delete(DIR, DeletePolicy.DELETE, SECRETS);
    assertNull(ceph.sub(GROUP, DIR));
    assertEquals(List.of(b), backend().list());
  }

  @Test
  void deletePolicies() {
    CephfsBackend backend = backend();
    backend.create(DIR, "pvc-1", 4 << 20, Map.of(), SECRETS);
    backend.delete(DIR, DeletePolicy.DELETE, SECRETS);
    assertNull(ceph.sub(GROUP, DIR));
    assertFalse(omap().containsKey(OmapRecords.VOLUME + DIR));
    backend.delete(DIR, DeletePolicy.DELETE, SECRETS); // gone already: fine

    String kept = "kept-0000000000000001";
    backend.create(kept, "kept", 4 << 20, Map.of(), SECRETS);
    backend.delete(kept, DeletePolicy.RETAIN, SECRETS);
    assertNotNull(ceph.sub(GROUP, kept));
    assertEquals(Optional.empty(), backend.get(kept));

    String archived = "archived-0000000000000001";
    VolumeRecord v = backend.create(archived, "archived", 4 << 20, Map.of(), SECRETS);
    backend.delete(archived, DeletePolicy.ARCHIVE, SECRETS);
    assertNotNull(ceph.sub(GROUP, archived));
    assertEquals(Optional.empty(), backend.get(archived));
    String mark = omap().get(OmapRecords.ARCHIVED + archived);
    assertTrue(mark.startsWith("2026-11-25T12:00:00Z "), mark);
    assertEquals(
        v, SubvolumeRecord.decode(mark.split(" ", 2)[1]).volume(archived), "what it was stays");
    assertThrows(
        StorageException.class,
        () -> backend.create(archived, "archived", 4 << 20, Map.of(), SECRETS));
  }

  @Test
  void listPagesReadOnlyTheirOwnRecords() {
    CephfsBackend backend = backend();
    List<String> dirs = new java.util.ArrayList<>();
    for (int i = 0; i < 25; i++) {
      String dir = String.format("pvc-%02d-0011223344556677", i);
      backend.create(dir, "pvc-" + i, 4 << 20, Map.of(), SECRETS);
      dirs.add(dir);
    }
    backend.delete(dirs.get(7), DeletePolicy.ARCHIVE, SECRETS); // archived: not listed
    dirs.remove(7);
    List<String> paged = new java.util.ArrayList<>();
    String from = "";
    while (true) {
      List<VolumeRecord> page = backend.list(from, 11);
      page.stream().limit(10).forEach(r -> paged.add(r.dir()));
      if (page.size() < 11) {
        break;
      }
      from = page.get(10).dir(); // the next page starts at the 11th, as ListVolumes pages
    }
    assertEquals(dirs, paged);
    ceph.calls.clear();
    assertEquals(3, backend.list(dirs.get(5), 3).size());
    assertEquals(
        List.of("omap read", "omap range"), ceph.calls, "the first key, then the rest of the page");
  }
}
