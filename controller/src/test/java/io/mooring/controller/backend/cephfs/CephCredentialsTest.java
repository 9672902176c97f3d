package io.mooring.controller.backend.cephfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.errors.StorageException;
import io.mooring.errors.StorageException.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CephCredentialsTest {

  static final String KEY = "AQBTbOVmAAAAABAAf3EGCr7a9oWcQkJqEcHkQA==";

  static Stream<Arguments> secrets() {
    return Stream.of(
        Arguments.of(Map.of(), null),
        Arguments.of(Map.of("userID", "u", "userKey", KEY), null),
        Arguments.of(Map.of("adminID", "admin", "adminKey", KEY), "admin"),
        Arguments.of(
            Map.of("adminID", "client.csi-prov", "adminKey", " " + KEY + "\n"), "csi-prov"),
        Arguments.of(Map.of("adminID", "admin"), "INVALID_ARGUMENT"),
        Arguments.of(Map.of("adminKey", KEY), "INVALID_ARGUMENT"),
        Arguments.of(Map.of("adminID", "admin\n[client.x]", "adminKey", KEY), "INVALID_ARGUMENT"),
        Arguments.of(Map.of("adminID", "", "adminKey", KEY), "INVALID_ARGUMENT"),
        Arguments.of(Map.of("adminID", "a".repeat(65), "adminKey", KEY), "INVALID_ARGUMENT"),
        Arguments.of(
            Map.of("adminID", "admin", "adminKey", KEY + "\n\tcaps mon = allow *"),
            "INVALID_ARGUMENT"),
        Arguments.of(Map.of("adminID", "admin", "adminKey", "short"), "INVALID_ARGUMENT"),
        Arguments.of(
            Map.of("adminID", "admin", "adminKey", "!!!!notbase64!!!!!!!!!"), "INVALID_ARGUMENT"),
        Arguments.of(
            Map.of("adminID", "admin", "adminKey", "AQBTbOVmAAAAABAAf3EGCr7a9oWcQkJqEcHkQ=A="),
            "INVALID_ARGUMENT"));
  }

  @ParameterizedTest
  @MethodSource("secrets")
  void fromSecrets(Map<String, String> secrets, String expected) {
    if (expected == null) {
      assertEquals(Optional.empty(), CephCredentials.fromSecrets(secrets));
    } else if (expected.equals("INVALID_ARGUMENT")) {
      StorageException e =
          assertThrows(StorageException.class, () -> CephCredentials.fromSecrets(secrets));
      assertEquals(Kind.INVALID_ARGUMENT, e.kind());
      String key = secrets.get("adminKey");
      if (key != null && key.length() > 8) {
        assertFalse(e.getMessage().contains(key.strip()), e.getMessage());
      }
    } else {
      CephCredentials c = CephCredentials.fromSecrets(secrets).orElseThrow();
      assertEquals(expected, c.id());
      assertEquals(KEY, c.key());
      assertEquals("client." + expected, c.entity());
    }
  }

  @Test
  void toStringHidesTheKey() {
    CephCredentials c = new CephCredentials("admin", KEY);
    assertFalse(c.toString().contains(KEY));
    assertTrue(c.toString().contains("admin"));
  }

  @Test
  void fromDir(@TempDir Path dir) throws IOException {
    StorageException missing =
        assertThrows(StorageException.class, () -> CephCredentials.fromDir(dir));
    assertEquals(Kind.FAILED_PRECONDITION, missing.kind());
    assertTrue(missing.getMessage().contains("adminID"), missing.getMessage());
    Files.writeString(dir.resolve("adminID"), "admin\n");
    Files.writeString(dir.resolve("adminKey"), KEY + "\n");
    assertEquals(new CephCredentials("admin", KEY), CephCredentials.fromDir(dir));
    Files.writeString(dir.resolve("adminKey"), "garbage");
    assertEquals(
        Kind.FAILED_PRECONDITION,
        assertThrows(StorageException.class, () -> CephCredentials.fromDir(dir)).kind());
  }
}
