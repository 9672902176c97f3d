package io.mooring.ceph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.errors.StorageException;
import io.mooring.errors.StorageException.Kind;
import io.mooring.testing.CephKeys;
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

  static final String KEY = CephKeys.REAL;

  @Test
  void readsAPairUnderTheNamesAsked() {
    Map<String, String> secrets =
        Map.of("userID", "vol1", "userKey", KEY, "adminID", "client.csi-prov", "adminKey", KEY);

    CephCredentials user =
        CephCredentials.fromSecrets(secrets, CephCredentials.USER_ID, CephCredentials.USER_KEY)
            .orElseThrow();
    CephCredentials admin =
        CephCredentials.fromSecrets(secrets, CephCredentials.ADMIN_ID, CephCredentials.ADMIN_KEY)
            .orElseThrow();

    assertEquals(new CephCredentials("vol1", CephKey.parse("k", KEY)), user);
    assertEquals("client.vol1", user.entity());
    assertEquals("csi-prov", admin.id(), "the client. prefix is dropped");
    assertEquals(
        Optional.empty(),
        CephCredentials.fromSecrets(Map.of("userID", "u"), "adminID", "adminKey"));
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of(Map.of("adminID", "admin"), "have adminID but not adminKey"),
        Arguments.of(Map.of("adminKey", KEY), "have adminKey but not adminID"),
        Arguments.of(Map.of("adminID", "", "adminKey", KEY), "secret adminID must be"),
        Arguments.of(Map.of("adminID", "a".repeat(65), "adminKey", KEY), "secret adminID must be"),
        Arguments.of(Map.of("adminID", ".hidden", "adminKey", KEY), "secret adminID must be"),
        Arguments.of(
            Map.of("adminID", "admin]\n[client.x", "adminKey", KEY), "secret adminID must be"),
        Arguments.of(Map.of("adminID", KEY, "adminKey", KEY), "secret adminID must be"),
        Arguments.of(
            Map.of("adminID", "admin", "adminKey", KEY + "\n\tcaps mon = allow *"),
            "secret adminKey is not a cephx key"));
  }

  @ParameterizedTest
  @MethodSource("malformed")
  void refusesNamingTheFieldButNotTheValue(Map<String, String> secrets, String message) {
    StorageException e =
        assertThrows(
            StorageException.class,
            () -> CephCredentials.fromSecrets(secrets, "adminID", "adminKey"));

    assertEquals(Kind.INVALID_ARGUMENT, e.kind());
    assertTrue(e.getMessage().contains(message), e.getMessage());
    assertFalse(e.getMessage().contains(KEY.substring(0, 12)), e.getMessage());
  }

  @Test
  void toStringHidesTheKey() {
    String shown = new CephCredentials("admin", CephKey.parse("k", KEY)).toString();

    assertFalse(shown.contains(KEY.substring(0, 8)), shown);
    assertTrue(shown.contains("admin"), shown);
  }

  @Test
  void theConstructorRefusesAnIdThatWouldBreakAKeyring() {
    CephKey key = CephKey.parse("k", KEY);

    assertThrows(IllegalArgumentException.class, () -> new CephCredentials("a]\n[b", key));
  }

  @Test
  void readsAMountedSecretAsConfiguration(@TempDir Path dir) throws IOException {
    StorageException missing =
        assertThrows(StorageException.class, () -> CephCredentials.fromDir(dir));
    assertEquals(Kind.FAILED_PRECONDITION, missing.kind());
    assertTrue(missing.getMessage().contains("has no file adminID"), missing.getMessage());

    Files.writeString(dir.resolve("adminID"), "admin\n");
    Files.writeString(dir.resolve("adminKey"), KEY + "\n");
    assertEquals(
        new CephCredentials("admin", CephKey.parse("k", KEY)), CephCredentials.fromDir(dir));

    Files.writeString(dir.resolve("adminKey"), KEY.substring(4));
    StorageException bad = assertThrows(StorageException.class, () -> CephCredentials.fromDir(dir));
    assertEquals(Kind.FAILED_PRECONDITION, bad.kind());
    assertTrue(bad.getMessage().contains("file adminKey is not a cephx key"), bad.getMessage());
    assertFalse(bad.getMessage().contains(KEY.substring(4, 16)), bad.getMessage());
  }
}
