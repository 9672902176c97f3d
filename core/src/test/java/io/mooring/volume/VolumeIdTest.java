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

class VolumeIdTest {

  @Test
  void roundTrips() {
    VolumeId id = VolumeId.parse("v1:gluster-a:pvc-1-0123456789abcdef");
    assertEquals("gluster-a", id.backend());
    assertEquals("pvc-1-0123456789abcdef", id.dir());
    assertEquals("v1:gluster-a:pvc-1-0123456789abcdef", id.toString());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "v1",
        "v2:a:b",
        "v1:a",
        "v1:a:b:c",
        "v1::b",
        "v1:a:",
        "v1:A:b",
        "v1:a:..",
        "v1:a:../x",
        "v1:a:x/y",
        "v1:a:.hidden",
        "v1:a:-x",
        "v1:a:x\u0000y",
        "v1:-a:b",
        "v1:a:B"
      })
  void rejectsMalformed(String text) {
    StorageException e = assertThrows(StorageException.class, () -> VolumeId.parse(text));
    assertEquals(StorageException.Kind.INVALID_ARGUMENT, e.kind());
  }

  @ParameterizedTest
  @ValueSource(strings = {"some-vol-id", "reallyfakevolumeid", "pvc-123"})
  void foreignIdsAreNotOurs(String text) {
    assertEquals(Optional.empty(), VolumeId.lookup(text));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "../etc", "a/b", "x\u0000", "v1:a:../b"})
  void hostileLookupsAreInvalid(String text) {
    assertThrows(StorageException.class, () -> VolumeId.lookup(text));
  }

  @Test
  void errorMessagesEscapeControlCharacters() {
    StorageException e = assertThrows(StorageException.class, () -> VolumeId.parse("v1:a:x\ny"));
    assertTrue(e.getMessage().contains("\\x0a"), e.getMessage());
  }

  @Test
  void namesAreDeterministicBoundedAndDistinct() {
    String a = VolumeNames.dirFor("pvc-6d1c9a0e-8f0b-4c51-9a4c-1b2b3c4d5e6f");
    assertEquals(a, VolumeNames.dirFor("pvc-6d1c9a0e-8f0b-4c51-9a4c-1b2b3c4d5e6f"));
    assertTrue(a.startsWith("pvc-6d1c9a0e-8f0b-4c51-9a4c-1b2b3c4d5e6f-"), a);
    assertNotEquals(VolumeNames.dirFor("PVC-A"), VolumeNames.dirFor("pvc-a"));
    assertTrue(VolumeNames.dirFor("x".repeat(1000)).length() <= 57);
    assertTrue(VolumeNames.dirFor("é!!").startsWith("vol-"));
    new VolumeId("b", VolumeNames.dirFor("Weird Name_with.dots")); // always a valid directory name
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a/b", "..", ".", "a\u0000b", "tab\tname"})
  void unsafeNamesAreInvalid(String name) {
    assertThrows(StorageException.class, () -> VolumeNames.dirFor(name));
  }

  @Test
  void oversizedNamesAreInvalid() {
    assertThrows(StorageException.class, () -> VolumeNames.dirFor("x".repeat(10_240)));
  }
}
