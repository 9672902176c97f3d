package io.mooring.controller.backend.cephfs;

import static io.mooring.controller.backend.cephfs.CephfsBackendOmapTest.GROUP;
import static io.mooring.controller.backend.cephfs.CephfsBackendOmapTest.SECRETS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.controller.backend.DeletePolicy;
import io.mooring.controller.backend.SnapshotRecord;
import io.mooring.controller.backend.Snapshots;
import io.mooring.controller.backend.VolumeRecord;
import io.mooring.errors.StorageException;
import io.mooring.errors.StorageException.Kind;
import io.mooring.volume.CephContext;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Volumes backed by a snapshot: a record and a reference in omap, nothing in the mgr. */
class CephfsBackingSnapshotTest {

  static final String SOURCE = "pvc-src-0011223344556677";
  static final String VIEW = "pvc-view-0011223344556677";
  static final String SNAP = "snap-0123456789abcdef";
  static final Map<String, String> BACKED = Map.of(Snapshots.BACKING_SNAPSHOT, "true");

  final CephfsBackendOmapTest fixture = new CephfsBackendOmapTest();
  CephfsBackend backend;
  Snapshots snapshots;
  FakeCephClient ceph;

  @BeforeEach
  void setUp() throws IOException {
    fixture.secretDir = java.nio.file.Files.createTempDirectory("backing-test");
    fixture.setUp();
    ceph = fixture.ceph;
    backend = fixture.backend();
    snapshots = backend.snapshots().orElseThrow();
  }

  SnapshotRecord snapshotOfSource() {
    VolumeRecord source = backend.create(SOURCE, "pvc-src", 8 << 20, Map.of(), SECRETS);
    return snapshots.create(source, SNAP, "snapshot-1", "", SECRETS);
  }

  @Test
  void aViewIsARecordOfTheSnapshotsPathAndKeepsTheSnapshotUntilItGoes() {
    SnapshotRecord snap = snapshotOfSource();
    String sourcePath = ceph.sub(GROUP, SOURCE).path;
    ceph.calls.clear();
    VolumeRecord view = snapshots.back(snap, VIEW, "pvc-view", 8 << 20, BACKED, SECRETS);
    assertEquals(List.of(), fixture.mgrCalls(), "nothing is made or copied");
    assertEquals(view, snapshots.back(snap, VIEW, "pvc-view", 8 << 20, BACKED, SECRETS));
    String uuid = sourcePath.substring(sourcePath.lastIndexOf('/'));
    assertEquals(
        "/volumes/" + GROUP + "/" + SOURCE + "/.snap/" + SNAP + uuid,
        fixture().volumeContext(VIEW).get("path"),
        "read back by another controller");
    assertEquals(
        Kind.ALREADY_EXISTS,
        assertThrows(
                StorageException.class,
                () -> snapshots.back(snap, VIEW, "pvc-other", 8 << 20, BACKED, SECRETS))
            .kind());

    StorageException inUse =
        assertThrows(StorageException.class, () -> snapshots.delete(SOURCE, SNAP, SECRETS));
    assertEquals(Kind.FAILED_PRECONDITION, inUse.kind());
    assertTrue(inUse.getMessage().contains(VIEW), inUse.getMessage());
    assertTrue(ceph.sub(GROUP, SOURCE).snapshotNames.contains(SNAP));
    assertEquals(
        Kind.INVALID_ARGUMENT,
        assertThrows(
                StorageException.class,
                () -> snapshots.create(view, "snap-1111111111111111", "snapshot-2", "", SECRETS))
            .kind(),
        "a view is not snapshotted");

    // its source goes first: the snapshot stays, and so does the view
    backend.delete(SOURCE, DeletePolicy.DELETE, SECRETS);
    assertTrue(ceph.sub(GROUP, SOURCE).retained);
    assertEquals(Optional.of(view), fixture().get(VIEW));

    ceph.calls.clear();
    backend.delete(VIEW, DeletePolicy.ARCHIVE, SECRETS);
    assertEquals(List.of(), fixture.mgrCalls(), "only the record goes, whatever the policy");
    assertEquals(Optional.empty(), backend.get(VIEW));
    assertFalse(fixture.omap().keySet().stream().anyMatch(k -> k.startsWith("backing.")));
    snapshots.delete(SOURCE, SNAP, SECRETS);
    assertEquals(null, ceph.sub(GROUP, SOURCE), "purged with its last snapshot");
  }

  @Test
  void aCloneOfAViewRestoresItsSnapshot() {
    SnapshotRecord snap = snapshotOfSource();
    VolumeRecord view = snapshots.back(snap, VIEW, "pvc-view", 8 << 20, BACKED, SECRETS);
    ceph.calls.clear();
    assertThrows(
        StorageException.class,
        () ->
            snapshots.cloneVolume(
                view, "pvc-copy-0011223344556677", "pvc-copy", 8 << 20, Map.of(), SECRETS));
    assertTrue(
        ceph.calls.contains("fs subvolume snapshot clone " + SOURCE),
        "the copy is of the source's snapshot: " + ceph.calls);
  }

  @Test
  void aSnapshotOfAnEarlierVersionIsFoundThroughItsLiveSource() {
    SnapshotRecord snap = snapshotOfSource();
    String key = OmapRecords.SNAPSHOT + SNAP;
    SnapshotEntry entry = SnapshotEntry.decode(fixture.omap().get(key));
    SnapshotEntry old =
        new SnapshotEntry(
            entry.dir(), entry.requestName(), entry.sizeBytes(), entry.takenAt(), "", "");
    ceph.omapWrite(
        CephfsBackendOmapTest.OBJECT, Map.of(key, old.encode()), java.util.Set.of(), null);
    String viewPath = CephContext.snapshotPath(ceph.sub(GROUP, SOURCE).path, SNAP);
    snapshots.back(snap, VIEW, "pvc-view", 8 << 20, BACKED, SECRETS);
    assertEquals(viewPath, fixture().volumeContext(VIEW).get("path"));

    backend.delete(VIEW, DeletePolicy.DELETE, SECRETS);
    backend.delete(SOURCE, DeletePolicy.DELETE, SECRETS);
    assertEquals(
        Kind.FAILED_PRECONDITION,
        assertThrows(
                StorageException.class,
                () -> snapshots.back(snap, VIEW, "pvc-view", 8 << 20, BACKED, SECRETS))
            .kind(),
        "its source is gone, and with it where the snapshot is");
  }

  /** Another controller on the same cluster: nothing cached. */
  private CephfsBackend fixture() {
    return fixture.backend();
  }
}
