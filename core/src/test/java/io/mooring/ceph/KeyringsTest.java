package io.mooring.ceph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.errors.StorageException;
import io.mooring.testing.CephKeys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one keyring writer: content, modes, atomic replacement, read-back. */
class KeyringsTest {

  static final String KEY = CephKeys.REAL;
  static final CephCredentials VOL1 = new CephCredentials("vol1", CephKey.parse("k", KEY));

  @TempDir Path tmp;

  @Test
  void writesAKeyringCephReadsOwnerOnly() throws IOException {
    Keyrings keyrings = new Keyrings(tmp.resolve("state/keys"));

    Path file = keyrings.write("ceph-a.pvc-1", VOL1);

    assertEquals(tmp.resolve("state/keys/ceph-a.pvc-1.keyring"), file);
    assertEquals("[client.vol1]\n\tkey = " + KEY + "\n", Files.readString(file));
    assertEquals("rw-------", mode(file));
    assertEquals("rwx------", mode(file.getParent()));
    assertEquals(VOL1, keyrings.read("ceph-a.pvc-1").orElseThrow());
  }

  @Test
  void replacesAKeyringWholeAndNarrowsAWidenedDirectory() throws IOException {
    Keyrings keyrings = new Keyrings(tmp.resolve("keys"));
    Path file = keyrings.write("c", VOL1);
    Object inode = Files.getAttribute(file, "unix:ino");
    Files.setPosixFilePermissions(file.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
    CephCredentials admin = new CephCredentials("admin", CephKey.parse("k", KEY));

    try (InputStream reader = Files.newInputStream(file)) {
      keyrings.write("c", admin);

      assertEquals(
          "[client.vol1]\n\tkey = " + KEY + "\n",
          new String(reader.readAllBytes(), StandardCharsets.UTF_8),
          "a reader of the old keyring still reads all of it");
    }
    assertEquals(admin, keyrings.read("c").orElseThrow());
    assertNotEquals(inode, Files.getAttribute(file, "unix:ino"), "renamed over, not rewritten");
    assertEquals("rw-------", mode(file));
    assertEquals("rwx------", mode(file.getParent()), "a widened directory is narrowed again");
    try (var files = Files.list(file.getParent())) {
      assertEquals(List.of(file), files.toList(), "no temporary file left");
    }
  }

  @Test
  void deleteIsIdempotent() {
    Keyrings keyrings = new Keyrings(tmp);
    keyrings.write("x", VOL1);

    keyrings.delete("x");
    keyrings.delete("x");

    assertTrue(keyrings.read("x").isEmpty());
  }

  @Test
  void aDamagedKeyringIsAnErrorThatDoesNotQuoteIt() throws IOException {
    Keyrings keyrings = new Keyrings(tmp);
    Files.writeString(
        tmp.resolve("x.keyring"), "[client.vol1]\n\tkey = " + KEY.substring(3) + "\n");

    StorageException e = assertThrows(StorageException.class, () -> keyrings.read("x"));

    assertEquals(StorageException.Kind.INTERNAL, e.kind());
    assertTrue(e.getMessage().contains("is damaged"), e.getMessage());
    assertFalse(e.getMessage().contains(KEY.substring(3, 15)), e.getMessage());
  }

  private static String mode(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }
}
