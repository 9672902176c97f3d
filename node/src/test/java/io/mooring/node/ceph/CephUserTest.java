package io.mooring.node.ceph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mooring.ceph.CephCredentials;
import io.mooring.errors.StorageException;
import java.util.Base64;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The CephFS node-stage secrets: what is accepted, and clear refusals without the key. */
class CephUserTest {

  static final String KEY = "AQAKrCVpqsAAMhAApF+k8g1BjIgNCi1pnw5Uiw==";

  @Test
  void userSecretsComeBeforeAdminSecrets() {
    assertEquals(
        "client.vol1",
        CephUser.fromSecrets(
                Map.of("userID", "vol1", "userKey", KEY, "adminID", "admin", "adminKey", KEY))
            .entity());
    assertEquals(
        CephCredentials.of("id", "admin", "key", KEY),
        CephUser.fromSecrets(Map.of("adminID", "client.admin", "adminKey", " " + KEY + "\n")));
  }

  static Stream<Arguments> badSecrets() {
    return Stream.of(
        Arguments.of(Map.of(), "needs the cephx user"),
        Arguments.of(Map.of("userID", "vol1"), "have userID but not userKey"),
        Arguments.of(Map.of("userKey", KEY), "have userKey but not userID"),
        Arguments.of(Map.of("adminKey", KEY), "have adminKey but not adminID"),
        Arguments.of(Map.of("userID", "vol 1", "userKey", KEY), "must be a cephx user name"),
        Arguments.of(
            Map.of("userID", KEY + "/" + KEY, "userKey", KEY), "must be a cephx user name"),
        Arguments.of(Map.of("userID", "vol1", "userKey", "secret"), "is not a cephx key"),
        Arguments.of(
            Map.of("userID", "vol1", "userKey", Base64.getEncoder().encodeToString(new byte[28])),
            "secret userKey is not a cephx key"),
        Arguments.of(
            Map.of("userID", "vol1", "userKey", KEY + "\n[client.x]"), "is not a cephx key"));
  }

  @ParameterizedTest
  @MethodSource("badSecrets")
  void refusesTheSecretsWithoutQuotingThem(Map<String, String> secrets, String message) {
    StorageException e = assertThrows(StorageException.class, () -> CephUser.fromSecrets(secrets));
    assertEquals(StorageException.Kind.INVALID_ARGUMENT, e.kind());
    assertTrue(e.getMessage().contains(message), e.getMessage());
    for (String value : secrets.values()) {
      if (value.length() > 8) {
        assertFalse(e.getMessage().contains(value.strip()), e.getMessage());
      }
    }
  }
}
