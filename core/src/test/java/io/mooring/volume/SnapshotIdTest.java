package io.mooring.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.errors.StorageException;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SnapshotIdTest {

  @Test
  void roundTripsWithinCsisLimit() {
    String snap = VolumeNames.snapshotFor("snapshot-0b6e8f3c-6a57-4bd1-9d2a-2f7f6f5e1c11");
    SnapshotId id =
        new SnapshotId(
            new VolumeId("ceph-a", VolumeNames.dirFor("pvc-0b6e8f3c-6a57-4bd1-9d2a-2f7f6f5e1c11")),
            snap);
    assertEquals(id, SnapshotId.parse(id.toString()));
    assertEquals(Optional.of(id), SnapshotId.lookup(id.toString()));
    assertTrue(id.toString().length() <= 128, id.toString());
  }

  @Test
  void namesAreDeterministicAndDistinct() {
    assertEquals(VolumeNames.snapshotFor("a"), VolumeNames.snapshotFor("a"));
    assertNotEquals(VolumeNames.snapshotFor("a"), VolumeNames.snapshotFor("b"));
    assertTrue(VolumeNames.isSnapshotName(VolumeNames.snapshotFor("Snapshot of *everything*")));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "s1:a:b",
        "s1:a:b:c:d",
        "s1:A:pvc-1:snap-0123456789abcdef",
        "s1:a:pvc-1:snap-0123",
        "s1:a:pvc-1:other",
        "s1:a:.x:snap-0123456789abcdef",
        "s1:a:pvc-1:snap-0123456789ABCDEF"
      })
  void rejectsMalformed(String text) {
    StorageException e = assertThrows(StorageException.class, () -> SnapshotId.lookup(text));
    assertEquals(StorageException.Kind.INVALID_ARGUMENT, e.kind());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "../x", "a/b", "x\u0000"})
  void hostileLookupsAreInvalid(String text) {
    assertThrows(StorageException.class, () -> SnapshotId.lookup(text));
  }

  @Test
  void aVolumeIdIsNoSnapshotIdAndTheReverse() {
    assertEquals(Optional.empty(), SnapshotId.lookup("v1:a:pvc-1"));
    assertEquals(Optional.empty(), VolumeId.lookup("s1:a:pvc-1:snap-0123456789abcdef"));
    assertEquals(Optional.empty(), SnapshotId.lookup("foreign-snapshot"));
    assertEquals(Optional.empty(), SnapshotId.lookup("s2:a:pvc-1:snap-0123456789abcdef"));
  }
}
